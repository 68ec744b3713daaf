"""The figures (统计), read from the daily rollups and, for what changes with time alone
(copies now past their deadline), from a narrow query of the open copies. Reads only."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from bots.documents.models import Delivery, Document
from bots.stats.models import ActiveDay, DocumentDay, DocumentMonth
from bots.stats.rollup import day_start
from bots.stats.schemas import StatsQuery
from bots.tasks.models import Task, TaskUnit
from hub.lib.errors import bad_request
from hub.lib.times import iso
from hub.org.models import Unit

OPEN_STATES = (Delivery.State.DELIVERED, Delivery.State.SIGNED, Delivery.State.REGISTERED,
               Delivery.State.ASSIGNED)
MAX_DAYS = 3 * 366
OVERDUE_LISTED = 50


def period(query: StatsQuery, *, now: datetime) -> tuple[date, date]:
    today = timezone.localtime(now).date()
    start = query.from_ or today.replace(day=1)
    end = query.to or today
    if not (date(2000, 1, 1) <= start <= date(2099, 12, 31)
            and date(2000, 1, 1) <= end <= date(2099, 12, 31)):
        raise bad_request("统计期间须在2000年至2099年之间")
    if start > end:
        raise bad_request("起始日期不能晚于结束日期")
    if (end - start).days > MAX_DAYS:
        raise bad_request("统计期间最长三年")
    return start, end


def median(counts: Counter[int]) -> float | None:
    """The median of values given as {value: how many}; None for none."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and seen > wanted[len(found)]:
            found.append(value)
    middle = (found[0] + found[1]) / 2
    return int(middle) if middle == int(middle) else middle


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _unit(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind}


def _figures(sums: dict[str, Any], minutes: Counter[int], overdue_open: int) -> dict[str, Any]:
    received, signed = sums.get("received", 0), sums.get("signed", 0)
    on_time = sums.get("signed_on_time", 0)
    return {"received": received, "signed": signed, "signed_on_time": on_time,
            "signed_late": signed - on_time, "unsigned": received - signed,
            "on_time_rate": _rate(on_time, received),
            "median_sign_minutes": median(minutes), "handled": sums.get("handled", 0),
            "overdue": sums.get("handled_late", 0) + overdue_open}


SUMMED = ("received", "signed", "signed_on_time", "handled", "handled_late")


def _histograms(ids: list[int], start: date, end: date) -> dict[int, Counter[int]]:
    """Each unit's sign-time histogram over the period: whole months from the month rows,
    the days at either end from the day rows."""
    first_month = start if start.day == 1 else month_after(start)
    stop = month_after(end) if month_after(end) - timedelta(days=1) == end else month_of(end)
    months: list[date] = []
    cursor = first_month
    while cursor < stop:
        months.append(cursor)
        cursor = month_after(cursor)
    # Merged with the JSON's own string keys (converting each key as it is read costs more
    # than the merge); converted once per unit at the end.
    merged: dict[int, dict[str, int]] = defaultdict(dict)

    def add(rows: Any) -> None:
        for unit_id, hist in rows:
            bucket = merged[unit_id]
            get = bucket.get
            for value, n in hist.items():
                bucket[value] = get(value, 0) + n

    days = DocumentDay.objects.filter(unit_id__in=ids, day__gte=start, day__lte=end, signed__gt=0)
    if months:
        add(DocumentMonth.objects.filter(unit_id__in=ids, month__in=months)
            .values_list("unit_id", "sign_minutes"))
        days = days.exclude(day__gte=months[0], day__lt=month_after(months[-1]))
    add(days.values_list("unit_id", "sign_minutes"))
    minutes: dict[int, Counter[int]] = defaultdict(Counter)
    for unit_id, bucket in merged.items():
        minutes[unit_id] = Counter({int(k): n for k, n in bucket.items()})
    return minutes


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _overdue_open(days: Any, ids: list[int], now: datetime) -> dict[int, int]:
    """Open copies past their deadline, per unit: whole rows whose latest deadline has
    passed, and copy by copy for the few rows whose deadlines straddle now."""
    out: dict[int, int] = dict(days.filter(open_due__gt=0, open_due_max__lt=now)
                               .values("unit_id").annotate(n=Sum("open_due"))
                               .values_list("unit_id", "n"))
    mixed: dict[date, list[int]] = defaultdict(list)
    for unit_id, day in days.filter(open_due__gt=0, open_due_min__lt=now,
                                    open_due_max__gte=now).values_list("unit_id", "day"):
        mixed[day].append(unit_id)
    for day, units in mixed.items():
        for unit_id, n in (Delivery.objects.filter(
                unit_id__in=units, state__in=OPEN_STATES, document__deadline__lt=now,
                delivered_at__gte=day_start(day), delivered_at__lt=day_start(day + timedelta(days=1)))
                .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")):
            out[unit_id] = out.get(unit_id, 0) + n
    return out


def documents(*, units: list[Unit], start: date, end: date, now: datetime) -> dict[str, Any]:
    """GET /stats/documents: per unit and in total, over the copies delivered in the period."""
    ids = [u.id for u in units]
    days = DocumentDay.objects.filter(unit_id__in=ids, day__gte=start, day__lte=end)
    sums: dict[int, dict[str, Any]] = {r["unit_id"]: dict(r) for r in days.values(
        "unit_id").annotate(**{f: Sum(f) for f in SUMMED})}
    minutes = _histograms(ids, start, end)
    overdue_open = _overdue_open(days, ids, now)
    rows = [{"unit": _unit(u), **_figures(sums.get(u.id, {}), minutes[u.id],
                                           overdue_open.get(u.id, 0))} for u in units]
    everything: Counter[int] = Counter()
    for counted in minutes.values():
        everything.update(counted)
    totals = _figures({f: sum(int((sums.get(u.id) or {}).get(f) or 0) for u in units)
                       for f in SUMMED}, everything, sum(overdue_open.values()))
    return {"from": start.isoformat(), "to": end.isoformat(), "units": rows, "totals": totals,
            "weeks": _weeks(days), "overdue_list": _overdue_list(ids, start, end, now),
            "computed_at": iso(days.order_by("-computed_at").values_list(
                "computed_at", flat=True).first())}


def _weeks(days: Any) -> list[dict[str, Any]]:
    """The trend by ISO week (Monday first): received, signed on time, the rate."""
    weeks: dict[date, dict[str, int]] = {}
    for row in days.values("day").annotate(received=Sum("received"),
                                           on_time=Sum("signed_on_time")).order_by("day"):
        monday = row["day"] - timedelta(days=row["day"].weekday())
        week = weeks.setdefault(monday, {"received": 0, "signed_on_time": 0})
        week["received"] += row["received"]
        week["signed_on_time"] += row["on_time"]
    return [{"week": f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}", "start": m.isoformat(),
             **w, "on_time_rate": _rate(w["signed_on_time"], w["received"])}
            for m, w in sorted(weeks.items())]


def _overdue_list(ids: list[int], start: date, end: date, now: datetime) -> list[dict[str, Any]]:
    """The open copies longest past their deadline (at most 50): documents first, by
    deadline (a few thousand a year), then their open copies among the units asked for."""
    documents = (Document.objects.filter(deadline__lt=now, sent_at__gte=day_start(start),
                                         sent_at__lt=day_start(end + timedelta(days=1)))
                 .order_by("deadline", "id").values_list("id", flat=True))
    out: list[dict[str, Any]] = []
    chunk = 200
    offset = 0
    while len(out) < OVERDUE_LISTED:
        batch = list(documents[offset:offset + chunk])
        if not batch:
            break
        offset += chunk
        rows = (Delivery.objects.filter(document_id__in=batch, unit_id__in=ids,
                                        state__in=OPEN_STATES)
                .select_related("unit", "document").order_by("document__deadline", "id")
                [:OVERDUE_LISTED - len(out)])
        out += [{"document": d.document_id, "title": d.document.title,
                 "number": d.document.number, "unit": _unit(d.unit), "state": d.state,
                 "deadline": iso(d.document.deadline), "delivered_at": iso(d.delivered_at)}
                for d in rows]
    return out


DOCUMENT_CSV = ["单位代码", "单位", "收文数", "已签收", "按时签收", "超时签收", "未签收", "按时签收率",
                "签收用时中位数（分钟）", "已办结", "逾期"]


def _csv_row(code: str, name: str, f: dict[str, Any]) -> list[Any]:
    rate = "" if f["on_time_rate"] is None else f"{f['on_time_rate'] * 100:.1f}%"
    med = "" if f["median_sign_minutes"] is None else f["median_sign_minutes"]
    return [code, name, f["received"], f["signed"], f["signed_on_time"], f["signed_late"],
            f["unsigned"], rate, med, f["handled"], f["overdue"]]


def documents_csv(data: dict[str, Any]) -> str:
    """The same figures as CSV, a 合计 row last (the caller adds the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DOCUMENT_CSV)
    for row in data["units"]:
        writer.writerow(_csv_row(row["unit"]["code"], row["unit"]["name"], row))
    writer.writerow(_csv_row("", "合计", data["totals"]))
    return out.getvalue()


# --- tasks ----------------------------------------------------------------------------------------
def tasks(*, units: list[Unit], start: date, end: date, now: datetime) -> dict[str, Any]:
    """GET /stats/tasks: per lead unit, the tasks set in the period: how many, completed, on
    time, overdue (open past the deadline, or completed after it), the on-time rate."""
    ids = [u.id for u in units]
    rows = (Task.objects.filter(lead_unit_id__in=ids, created_at__gte=day_start(start),
                                created_at__lt=day_start(end + timedelta(days=1)))
            .values("lead_unit_id").annotate(
                total=Count("id"),
                completed=Count("id", filter=Q(completed_at__isnull=False)),
                on_time=Count("id", filter=Q(completed_at__isnull=False,
                                             completed_at__lte=models_deadline())),
                overdue=Count("id", filter=Q(completed_at__isnull=True, deadline__lt=now)
                              | Q(completed_at__gt=models_deadline()))))
    by_unit: dict[int, dict[str, Any]] = {r["lead_unit_id"]: dict(r) for r in rows}
    co = dict(TaskUnit.objects.filter(unit_id__in=ids, role=TaskUnit.Role.CO,
                                      task__created_at__gte=day_start(start),
                                      task__created_at__lt=day_start(end + timedelta(days=1)))
              .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))

    def figures(r: dict[str, Any]) -> dict[str, Any]:
        return {"lead": r.get("total", 0), "completed": r.get("completed", 0),
                "on_time": r.get("on_time", 0), "overdue": r.get("overdue", 0),
                "on_time_rate": _rate(r.get("on_time", 0), r.get("completed", 0))}

    out = [{"unit": _unit(u), **figures(by_unit.get(u.id, {})), "co": co.get(u.id, 0)}
           for u in units]
    total: dict[str, Any] = {k: sum(int(r.get(k) or 0) for r in by_unit.values())
             for k in ("total", "completed", "on_time", "overdue")}
    return {"from": start.isoformat(), "to": end.isoformat(), "units": out,
            "totals": {**figures(total), "co": sum(co.values())}}


def models_deadline() -> Any:
    return F("deadline")


def unit_rows(units: Iterable[Unit]) -> list[dict[str, str]]:
    return [_unit(u) for u in units]


# --- use -------------------------------------------------------------------------------------------
def use(*, units: list[Unit], start: date, end: date) -> dict[str, Any]:
    """GET /stats/use: per unit, the registered people (active accounts, not bots) and how
    many of them were active in the period (sent a message or took a recorded step); by ISO
    week, the active people of those units."""
    from hub.org.models import UnitMembership

    ids = [u.id for u in units]
    members: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in UnitMembership.objects.filter(
            unit_id__in=ids, user__is_active=True, user__is_bot=False,
            user__is_external=False).values_list("unit_id", "user_id"):
        members[unit_id].add(user_id)
    everyone = set().union(*members.values()) if members else set()
    days = list(ActiveDay.objects.filter(user_id__in=everyone, day__gte=start, day__lte=end)
                .values_list("user_id", "day"))
    active = {u for u, _ in days}
    weeks: dict[date, set[int]] = defaultdict(set)
    for user_id, day in days:
        weeks[day - timedelta(days=day.weekday())].add(user_id)
    mondays = sorted(weeks)
    rows = [{"unit": _unit(u), "registered": len(members[u.id]),
             "active": len(members[u.id] & active),
             "active_rate": _rate(len(members[u.id] & active), len(members[u.id])),
             # The unit's active people in each week that had any activity in scope.
             "weeks": [{"week": _week(m), "start": m.isoformat(),
                        "active": len(members[u.id] & weeks[m])} for m in mondays]}
            for u in units]
    return {"from": start.isoformat(), "to": end.isoformat(), "units": rows,
            "totals": {"registered": len(everyone), "active": len(everyone & active),
                       "active_rate": _rate(len(everyone & active), len(everyone))},
            "weeks": [{"week": _week(m), "start": m.isoformat(), "active": len(weeks[m])}
                      for m in mondays]}


def _week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


# --- meetings and approvals ------------------------------------------------------------------------
def meetings(*, units: list[Unit], start: date, end: date) -> dict[str, Any]:
    """GET /stats/meetings: per invited unit, over the meetings (not cancelled) starting in
    the period: invitations, answered, answered by the RSVP deadline, attending (in person or
    by a deputy), on leave, unanswered."""
    from bots.meetings.models import Invitee, Meeting

    ids = [u.id for u in units]
    rows = (Invitee.objects.filter(kind=Invitee.Kind.UNIT, unit_id__in=ids,
                                   meeting__start__gte=day_start(start),
                                   meeting__start__lt=day_start(end + timedelta(days=1)))
            .exclude(meeting__state=Meeting.State.CANCELLED)
            .values("unit_id").annotate(
                invited=Count("id"),
                answered=Count("id", filter=~Q(state=Invitee.State.PENDING)),
                on_time=Count("id", filter=~Q(state=Invitee.State.PENDING)
                              & Q(responded_at__lte=F("meeting__rsvp_by"))),
                attending=Count("id", filter=Q(state__in=[Invitee.State.ATTENDING,
                                                          Invitee.State.DELEGATED])),
                declined=Count("id", filter=Q(state=Invitee.State.DECLINED))))
    by_unit: dict[int, dict[str, Any]] = {r["unit_id"]: dict(r) for r in rows}
    keys = ("invited", "answered", "on_time", "attending", "declined")

    def figures(r: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: int(r.get(k) or 0) for k in keys}
        out["unanswered"] = out["invited"] - out["answered"]
        out["on_time_rate"] = _rate(out["on_time"], out["invited"])
        return out

    return {"from": start.isoformat(), "to": end.isoformat(),
            "units": [{"unit": _unit(u), **figures(by_unit.get(u.id, {}))} for u in units],
            "totals": figures({k: sum(int(r.get(k) or 0) for r in by_unit.values())
                               for k in keys})}


def approvals(*, units: list[Unit], start: date, end: date) -> dict[str, Any]:
    """GET /stats/approvals: over the approval requests made in the period, per approver in
    the units asked for (decided, waiting, median minutes from the step's start to their
    decision) and per step (its position in the chain)."""
    from bots.approvals.models import StepApprover
    from hub.org.models import UnitMembership

    people = dict(UnitMembership.objects.filter(unit_id__in=[u.id for u in units])
                  .order_by("unit__sort_order").values_list("user_id", "unit_id"))
    unit_of = {u.id: u for u in units}
    places = (StepApprover.objects.filter(
        user_id__in=list(people), step__approval__created_at__gte=day_start(start),
        step__approval__created_at__lt=day_start(end + timedelta(days=1)))
        .values_list("user_id", "user__username", "user__display_name", "step__index",
                     "step__started_at", "decided_at", "decision"))
    per_user: dict[int, dict[str, Any]] = {}
    per_step: dict[int, Counter[int]] = defaultdict(Counter)
    for user_id, username, display, index, started, decided, decision in places:
        row = per_user.setdefault(user_id, {
            "user": {"username": username, "display_name": display or username},
            "unit": _unit(unit_of[people[user_id]]), "decided": 0, "waiting": 0,
            "minutes": Counter()})
        if decision and decided is not None and started is not None:
            row["decided"] += 1
            minutes = max(0, int((decided - started).total_seconds() // 60))
            row["minutes"][minutes] += 1
            per_step[index + 1][minutes] += 1
        elif started is not None and not decision:
            row["waiting"] += 1
    approvers = [{**{k: v for k, v in r.items() if k != "minutes"},
                  "median_minutes": median(r["minutes"])}
                 for r in sorted(per_user.values(), key=lambda r: r["user"]["username"])]
    everything: Counter[int] = Counter()
    for r in per_user.values():
        everything.update(r["minutes"])
    totals = {"decided": sum(r["decided"] for r in approvers),
              "waiting": sum(r["waiting"] for r in approvers),
              "median_minutes": median(everything)}
    return {"from": start.isoformat(), "to": end.isoformat(), "approvers": approvers,
            "totals": totals,
            "steps": [{"step": s, "decided": sum(c.values()), "median_minutes": median(c)}
                      for s, c in sorted(per_step.items())]}


def bulletins(*, units: list[Unit], start: date, end: date) -> dict[str, Any]:
    """GET /stats/bulletins: per unit, the items submitted in the period, adopted, declined,
    waiting, and the adoption rate (of those decided)."""
    from bots.bulletins.models import Item

    rows = (Item.objects.filter(unit_id__in=[u.id for u in units],
                                submitted_at__gte=day_start(start),
                                submitted_at__lt=day_start(end + timedelta(days=1)))
            .values("unit_id").annotate(
                submitted=Count("id"),
                adopted=Count("id", filter=Q(state=Item.State.ADOPTED)),
                declined=Count("id", filter=Q(state=Item.State.DECLINED))))
    by_unit: dict[int, dict[str, Any]] = {r["unit_id"]: dict(r) for r in rows}

    def figures(r: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: int(r.get(k) or 0) for k in ("submitted", "adopted", "declined")}
        out["waiting"] = out["submitted"] - out["adopted"] - out["declined"]
        out["adoption_rate"] = _rate(out["adopted"], out["adopted"] + out["declined"])
        return out

    return {"from": start.isoformat(), "to": end.isoformat(),
            "units": [{"unit": _unit(u), **figures(by_unit.get(u.id, {}))} for u in units],
            "totals": figures({k: sum(int(r.get(k) or 0) for r in by_unit.values())
                               for k in ("submitted", "adopted", "declined")})}


# --- the other figures as CSV ----------------------------------------------------------------------
def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def _blank(value: Any) -> Any:
    return "" if value is None else value


UNIT_TABLES: dict[str, tuple[list[str], Any]] = {
    "tasks": (["主办督办事项", "已办结", "按期办结", "逾期", "按期办结率", "协办督办事项"],
              lambda f: [f["lead"], f["completed"], f["on_time"], f["overdue"],
                         _pct(f["on_time_rate"]), f["co"]]),
    "use": (["注册人数", "活跃人数", "活跃率"],
            lambda f: [f["registered"], f["active"], _pct(f["active_rate"])]),
    "meetings": (["会议通知", "已答复", "按时答复", "参会", "请假", "未答复", "按时答复率"],
                 lambda f: [f["invited"], f["answered"], f["on_time"], f["attending"],
                            f["declined"], f["unanswered"], _pct(f["on_time_rate"])]),
    "bulletins": (["投稿", "采用", "未采用", "待处理", "采用率"],
                  lambda f: [f["submitted"], f["adopted"], f["declined"], f["waiting"],
                             _pct(f["adoption_rate"])]),
}


def units_csv(kind: str, data: dict[str, Any]) -> str:
    """GET /stats/{tasks,use,meetings,bulletins}.csv: a row per unit, then 合计 (the caller
    adds the BOM)."""
    header, cells = UNIT_TABLES[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["单位代码", "单位", *header])
    for row in data["units"]:
        writer.writerow([row["unit"]["code"], row["unit"]["name"], *cells(row)])
    writer.writerow(["", "合计", *cells(data["totals"])])
    return out.getvalue()


def approvals_csv(data: dict[str, Any]) -> str:
    """GET /stats/approvals.csv: a row per approver and 合计, then, after an empty row, a row
    per step of the chains."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["用户名", "姓名", "单位", "已审批", "待审批", "审批用时中位数（分钟）"])
    for r in data["approvers"]:
        writer.writerow([r["user"]["username"], r["user"]["display_name"], r["unit"]["name"],
                         r["decided"], r["waiting"], _blank(r["median_minutes"])])
    t = data["totals"]
    writer.writerow(["", "合计", "", t["decided"], t["waiting"], _blank(t["median_minutes"])])
    writer.writerow([])
    writer.writerow(["审批步骤", "已审批", "审批用时中位数（分钟）"])
    for step in data["steps"]:
        writer.writerow([f"第{step['step']}步", step["decided"], _blank(step["median_minutes"])])
    return out.getvalue()
