"""The monthly 通报: on the first working day of a month (from 08:30), the worker drafts the
office's report on how units handled documents and 督办 tasks in the month before, as a
document draft of the first supervising office in the documents chain (拟稿 by its first
clerk, 签发 by its first leader), for the office to edit and sign off. The draft carries the
tables in its text, the figures as CSV files and the chart of on-time 签收 by unit as a PNG.
Drafted once per month (a unique row), so a restarted worker does not draft it twice."""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bots import clock
from bots.calendar import workdays
from bots.stats import selectors
from bots.stats.models import MonthlyReport
from bots.tasks.common import supervising_codes
from hub.chat import actions as chat
from hub.org.models import Unit, UnitMembership, User

logger = logging.getLogger("bots.stats")

FROM = time(8, 30)


def previous_month(day: date) -> tuple[int, int]:
    first = day.replace(day=1) - timedelta(days=1)
    return first.year, first.month


def first_workday(year: int, month: int) -> date:
    return workdays.next_workday(date(year, month, 1))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _text(year: int, month: int, docs: dict[str, Any], tasks: dict[str, Any]) -> str:
    t = docs["totals"]
    lines = ["各单位：", "",
             f"现将{year}年{month}月全区公文办理和重点工作督办情况通报如下。", "",
             "一、公文签收办理情况", "",
             f"本月各单位共收文{t['received']}件，已签收{t['signed']}件，其中按时签收"
             f"{t['signed_on_time']}件，按时签收率{_pct(t['on_time_rate'])}；已办结{t['handled']}件，"
             f"逾期{t['overdue']}件。", "",
             "单位｜收文｜按时签收｜超时签收｜未签收｜按时签收率｜签收用时中位数（分钟）｜逾期"]
    for row in docs["units"]:
        if row["received"]:
            med = row["median_sign_minutes"]
            lines.append(f"{row['unit']['name']}｜{row['received']}｜{row['signed_on_time']}｜"
                         f"{row['signed_late']}｜{row['unsigned']}｜{_pct(row['on_time_rate'])}｜"
                         f"{'—' if med is None else med}｜{row['overdue']}")
    tt = tasks["totals"]
    lines += ["", "二、重点工作督办情况", "",
              f"本月立项督办事项{tt['lead']}项，已办结{tt['completed']}项，其中按期办结{tt['on_time']}项，"
              f"逾期{tt['overdue']}项。", "",
              "主办单位｜督办事项｜已办结｜按期办结｜逾期"]
    for row in tasks["units"]:
        if row["lead"]:
            lines.append(f"{row['unit']['name']}｜{row['lead']}｜{row['completed']}｜"
                         f"{row['on_time']}｜{row['overdue']}")
    late = [r for r in docs["units"] if r["received"] and (r["on_time_rate"] or 0) < 0.9]
    lines += ["", "三、存在的问题和要求", ""]
    if late:
        names = "、".join(r["unit"]["name"] for r in late[:10])
        lines.append(f"{names}按时签收率低于90%，请认真分析原因，及时签收办理来文。")
    else:
        lines.append("各单位均能按时签收来文，请继续保持。")
    lines.append("各单位要高度重视公文办理和督办工作，对逾期事项抓紧办结并报送情况。")
    return "\n".join(lines)


def chart_png(docs: dict[str, Any]) -> bytes:
    """按时签收率 by unit as bars (the units that received anything), a PNG."""
    from PIL import Image, ImageDraw, ImageFont

    rows = [r for r in docs["units"] if r["received"]][:40]
    width, bar, top, left = 900, 22, 60, 200
    height = top + max(1, len(rows)) * (bar + 8) + 30
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font: Any
    try:
        font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 16)
    except OSError:
        font = ImageFont.load_default()
    draw.text((20, 18), "各单位按时签收率", fill="black", font=font)
    span = width - left - 90
    for i, row in enumerate(rows):
        y = top + i * (bar + 8)
        rate = row["on_time_rate"] or 0.0
        draw.text((20, y + 2), row["unit"]["name"][:11], fill="black", font=font)
        draw.rectangle((left, y, left + int(span * rate), y + bar),
                       fill="#c0392b" if rate < 0.9 else "#2e86c1")
        draw.text((left + int(span * rate) + 8, y + 2), _pct(row["on_time_rate"]), fill="black",
                  font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _people(office: Unit) -> tuple[User | None, User | None]:
    def first(role: str) -> User | None:
        return User.objects.filter(unit_memberships__unit=office, unit_memberships__role=role,
                                   is_active=True).order_by("id").first()

    return first(UnitMembership.Role.CLERK), first(UnitMembership.Role.LEADER)


def draft_monthly(*, year: int, month: int, now: datetime | None = None) -> MonthlyReport | None:
    """Draft the 通报 of (year, month) unless it exists; None when there is nobody to draft or
    sign it."""
    from bots.documents.chain import create_draft
    from bots.documents.schemas import DraftIn

    now = now or clock.now()
    if MonthlyReport.objects.filter(year=year, month=month).exists():
        return None
    found = {u.code: u for u in Unit.objects.filter(code__in=supervising_codes())}
    office = next((found[c] for c in supervising_codes() if c in found), None)
    if office is None:
        return None
    drafter, signer = _people(office)
    if drafter is None or signer is None or drafter.id == signer.id:
        logger.warning("monthly report %s-%s: %s has no clerk and leader to draft and sign it",
                       year, month, office.code)
        return None
    start = date(year, month, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    units = list(Unit.objects.exclude(kind=Unit.Kind.DISTRICT).order_by("sort_order", "code"))
    docs = selectors.documents(units=units, start=start, end=end, now=now)
    tasks = selectors.tasks(units=units, start=start, end=end, now=now)
    files = [
        chat.store_attachment(uploader=drafter, name=f"{year}年{month}月收文统计.csv",
                              chunks=iter([("\ufeff" + selectors.documents_csv(docs)).encode()]),
                              declared_mime="text/csv"),
        chat.store_attachment(uploader=drafter, name=f"{year}年{month}月按时签收率.png",
                              chunks=iter([chart_png(docs)]), declared_mime="image/png"),
    ]
    recipients = [u.code for u in units if u.id != office.id]
    try:
        with transaction.atomic():
            document = create_draft(user=drafter, data=DraftIn(
                doc_type="通报", unit=office.code, signer=signer.username,
                title=f"关于{year}年{month}月全区公文办理和督办工作情况的通报",
                body=_text(year, month, docs, tasks), recipients=recipients,
                attachments=[f.id for f in files]))
            return MonthlyReport.objects.create(year=year, month=month, document=document,
                                                created_at=now)
    except IntegrityError:
        return None  # drafted by another worker meanwhile


def check(*, now: datetime | None = None) -> MonthlyReport | None:
    """The worker's check (each rollup turn): on the first working day of a month, from
    08:30, the previous month's 通报."""
    now = now or clock.now()
    local = timezone.localtime(now)
    if local.date() != first_workday(local.year, local.month) or local.time() < FROM:
        return None
    year, month = previous_month(local.date())
    if MonthlyReport.objects.filter(year=year, month=month).exists():
        return None
    return draft_monthly(year=year, month=month, now=now)
