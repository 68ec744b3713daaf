"""How an item is numbered: its archive number (档号) and fonds code; the retention periods.

档号 = 全宗号-门类代码·年度-保管期限-机构（问题）代码-件号 (DA/T 22-2015): the unit code in
capitals as 全宗号, `WS` (文书), the period as `Y` / `D30` / `D10`, the class code its kind
registered (`FW` 发文, `SW` 收文, `SP` 审批 ...), the item number in four digits. Which period an
item gets is its kind's rule (archive/registry.py).
"""

from __future__ import annotations

from archive.models import ArchiveEntry

Retention = ArchiveEntry.Retention

PERIOD_CODES = {Retention.PERMANENT: "Y", Retention.Y30: "D30", Retention.Y10: "D10"}
CATEGORY = "WS"


def fonds_code(unit_code: str) -> str:
    return unit_code.upper()


def archive_number(*, unit_code: str, year: int, retention: str, class_code: str,
                   item_no: int) -> str:
    return (f"{fonds_code(unit_code)}-{CATEGORY}·{year}-{PERIOD_CODES[Retention(retention)]}"
            f"-{class_code}-{item_no:04d}")
