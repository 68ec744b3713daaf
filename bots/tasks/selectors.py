"""Reads of 督办 tasks for the API: one task as the caller sees it, and the ledger (督办台账)
trimmed to what the caller may see, as JSON or CSV. Nothing here writes."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from bots.tasks import cards
from bots.tasks.common import (
    UNREAD,
    acts_for,
    deadline_status,
    next_milestones,
    status_of,
    task_units,
    visible_tasks,
)
from bots.tasks.models import Extension, Milestone, Report, Task, TaskUnit
from bots.tasks.schemas import TasksQuery
from hub.chat.serializers import attachment_dict
from hub.lib.times import iso
from hub.org.models import Unit, User


def _unit(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"username": user.username, "display_name": user.name}


def _viewer(task: Task, units: list[TaskUnit], user: User) -> dict[str, Any]:
    """What the caller may do now: the same buttons as the cards."""
    lead = acts_for(user=user, unit_id=task.lead_unit_id)
    unit_actor = lead or any(acts_for(user=user, unit_id=u.unit_id) for u in units)
    office = acts_for(user=user, unit_id=task.office_id)
    pending = task.extensions.filter(state=Extension.State.PENDING).exists()
    actions = []
    if task.open:
        if lead and task.state == Task.State.ASSIGNED:
            actions.append("accept")
        if unit_actor:
            actions.append("report")
        if lead and not pending:
            actions.append("extension")
        if lead:
            actions.append("complete")
        if pending and task.set_by_id == user.id:
            actions += ["approve_extension", "reject_extension"]
        if office:
            actions.append("remind")
    if task.state == Task.State.COMPLETED and office:
        actions.append("close")
    return {"office": office, "lead": lead, "unit": unit_actor, "actions": actions}


def task_dict(task: Task, *, viewer: User, now: datetime) -> dict[str, Any]:
    units = task_units(task)
    reports = list(Report.objects.filter(task=task).select_related("unit", "by")
                   .prefetch_related("attachments"))
    extensions = list(Extension.objects.filter(task=task).select_related("by", "decided_by"))
    milestones = list(Milestone.objects.filter(task=task).select_related("reached_by")
                      .order_by("index"))
    upcoming = min((m for m in milestones if m.reached_at is None),
                   key=lambda m: (m.deadline, m.index), default=None)
    return {
        **summary_dict(task, units, now=now, milestone=upcoming),
        "milestones": [milestone_dict(task, m, now=now) for m in milestones],
        "instruction": task.instruction, "instructed_by": _person(task.instructed_by),
        "set_by": _person(task.set_by), "first_deadline": iso(task.first_deadline),
        "accepted_at": iso(task.accepted_at), "accepted_by": _person(task.accepted_by),
        "completed_by": _person(task.completed_by), "result": task.result,
        "closed_by": _person(task.closed_by),
        "closing_signed": task.closing_signature_id is not None,
        "units": [{"unit": _unit(u.unit), "role": u.role, "message": u.message_id,
                   "report_due": iso(u.report_due), "last_report_at": iso(u.last_report_at),
                   "reports": u.reports_count} for u in units],
        "office_message": task.office_message_id,
        "reports": [{"id": r.id, "unit": _unit(r.unit), "by": _person(r.by), "body": r.body,
                     "html": r.html, "at": iso(r.created_at),
                     "attachments": [attachment_dict(a) for a in r.attachments.all()]}
                    for r in reports],
        "extensions": [{"id": e.id, "by": _person(e.by), "deadline": iso(e.deadline),
                        "old_deadline": iso(e.old_deadline), "reason": e.reason,
                        "state": e.state, "decided_by": _person(e.decided_by),
                        "decided_at": iso(e.decided_at), "comment": e.comment,
                        "at": iso(e.created_at)} for e in extensions],
        "reminders": task.reminders, "last_reminded_at": iso(task.last_reminded_at),
        "viewer": _viewer(task, units, viewer),
    }


def milestone_dict(task: Task, m: Milestone, *, now: datetime) -> dict[str, Any]:
    """A 阶段节点: `status` as a task's (by the working-day calendar) while it is not reached
    and the task is open; `reached` once reached (`late` when after its deadline), `missed`
    when the task finished without it."""
    if m.reached_at is not None:
        status = "reached"
    elif not task.open:
        status = "missed"
    else:
        status = deadline_status(m.deadline, now=now)
    return {"id": m.id, "index": m.index, "title": m.title, "deadline": iso(m.deadline),
            "status": status, "status_label": cards.MILESTONE_LABELS[status],
            "reached_at": iso(m.reached_at), "reached_by": _person(m.reached_by),
            "late": m.reached_at is not None and m.reached_at > m.deadline,
            "report": m.report_id}


def summary_dict(task: Task, units: list[TaskUnit], *, now: datetime,
                 milestone: Any = UNREAD) -> dict[str, Any]:
    """The ledger's row; `milestone` the task's next unreached 阶段节点 (None: none; read when
    not given)."""
    if milestone is UNREAD:
        milestone = next_milestones([task.id]).get(task.id)
    status = status_of(task, now=now, milestone=milestone)
    return {
        "id": task.id, "title": task.title, "state": task.state,
        "state_label": task.get_state_display(), "status": status,
        "status_label": cards.STATUS_LABELS[status], "deadline": iso(task.deadline),
        "office": _unit(task.office), "lead_unit": _unit(task.lead_unit),
        "co_units": [_unit(u.unit) for u in units if u.role == TaskUnit.Role.CO],
        "report_cycle": task.report_cycle, "source": cards.source_dict(task),
        "created_at": iso(task.created_at), "completed_at": iso(task.completed_at),
        "closed_at": iso(task.closed_at),
        "next_milestone": {"id": milestone.id, "title": milestone.title,
                           "deadline": iso(milestone.deadline),
                           "status": deadline_status(milestone.deadline, now=now)}
        if milestone is not None and task.open else None,
    }


def ledger(*, user: User, query: TasksQuery, now: datetime) -> dict[str, Any]:
    """督办台账: the tasks the caller may see, newest first, filtered; `status` is computed by
    the calendar, so it is filtered after reading (a district's tasks number hundreds)."""
    qs = visible_tasks(user).select_related("office", "lead_unit")
    if query.unit:
        qs = qs.filter(Q(lead_unit__code=query.unit) | Q(units__unit__code=query.unit)
                       | Q(office__code=query.unit))
    if query.state == "open":
        qs = qs.filter(state__in=[Task.State.ASSIGNED, Task.State.ACCEPTED])
    elif query.state:
        qs = qs.filter(state=query.state)
    if query.source == "none":
        qs = qs.filter(source_type="")
    elif query.source:
        qs = qs.filter(source_type=query.source)
    if query.month:
        year, month = (int(p) for p in query.month.split("-"))
        if not (1 <= month <= 12 and 2000 <= year <= 2099):
            from hub.lib.errors import bad_request

            raise bad_request("month 应为 YYYY-MM")
        start = timezone.make_aware(datetime(year, month, 1))
        end = timezone.make_aware(datetime(year + (month == 12), month % 12 + 1, 1))
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    if query.q:
        qs = qs.filter(title__icontains=query.q.strip())
    tasks = list(qs.order_by("-created_at", "-id"))
    units: dict[int, list[TaskUnit]] = defaultdict(list)
    for unit in TaskUnit.objects.filter(task_id__in=[t.id for t in tasks]).select_related("unit"):
        units[unit.task_id].append(unit)
    upcoming = next_milestones(t.id for t in tasks)
    rows = [summary_dict(t, units[t.id], now=now, milestone=upcoming.get(t.id)) for t in tasks]
    if query.status:
        rows = [r for r in rows if r["status"] == query.status]
    counts = {s: sum(1 for r in rows if r["status"] == s)
              for s in ("on_track", "due_soon", "overdue")}
    return {"total": len(rows), "counts": counts,
            "results": rows[query.offset:query.offset + query.limit]}


CSV_HEADER = ["编号", "督办事项", "来源", "督办单位", "主办单位", "协办单位", "办结期限", "状态",
              "进度", "立项时间", "办结时间", "销号时间"]


def _local(value: str | None) -> str:
    if not value:
        return ""
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def ledger_csv(rows: list[dict[str, Any]]) -> str:
    """The ledger as CSV (the caller adds the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow([r["id"], r["title"], (r["source"] or {}).get("label", "交办事项"),
                         r["office"]["name"], r["lead_unit"]["name"],
                         "、".join(u["name"] for u in r["co_units"]), _local(r["deadline"]),
                         r["state_label"], r["status_label"], _local(r["created_at"]),
                         _local(r["completed_at"]), _local(r["closed_at"])])
    return out.getvalue()


def ledger_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The ledger as an XLSX workbook, the same columns as the CSV."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "督办台账"
    out = io.StringIO(ledger_csv(rows))
    for line in csv.reader(out):
        sheet.append([int(v) if i == 0 and v.isdigit() else v for i, v in enumerate(line)])
    for column, width in zip("ABCDEFGHIJKL", (6, 40, 12, 14, 16, 24, 17, 8, 8, 17, 17, 17),
                             strict=True):
        sheet.column_dimensions[column].width = width
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
