"""How an item is filed: its retention period by rule, and its archive number (档号).

档号 = 全宗号-门类代码·年度-保管期限-机构（问题）代码-件号 (DA/T 22-2015): the unit code in
capitals as 全宗号, `WS` (文书), the period as `Y` / `D30` / `D10`, the class `FW` (发文),
`SW` (收文) or `SP` (审批), the item number in four digits.
"""

from __future__ import annotations

from search.archive.models import ArchiveEntry

Kind = ArchiveEntry.Kind
Retention = ArchiveEntry.Retention

# Outgoing documents of these kinds set policy or make decisions: kept for good.
PERMANENT_TYPES = frozenset({"决议", "决定", "命令", "公报", "公告", "通告", "意见", "议案"})
PERIOD_CODES = {Retention.PERMANENT: "Y", Retention.Y30: "D30", Retention.Y10: "D10"}
CLASS_CODES = {Kind.OUTGOING: "FW", Kind.INCOMING: "SW", Kind.APPROVAL: "SP"}
CATEGORY = "WS"


def outgoing_retention(doc_type: str) -> str:
    return Retention.PERMANENT if doc_type in PERMANENT_TYPES else Retention.Y30


def incoming_retention(*, assigned: bool, reply_required: bool) -> str:
    """A document the unit had to act on (承办件) is kept 30 years; one it only read (阅知件)
    10 years."""
    return Retention.Y30 if assigned or reply_required else Retention.Y10


def approval_retention() -> str:
    return Retention.Y10


def fonds_code(unit_code: str) -> str:
    return unit_code.upper()


def archive_number(*, unit_code: str, year: int, retention: str, kind: str, item_no: int) -> str:
    return (f"{fonds_code(unit_code)}-{CATEGORY}·{year}-{PERIOD_CODES[Retention(retention)]}"
            f"-{CLASS_CODES[Kind(kind)]}-{item_no:04d}")
