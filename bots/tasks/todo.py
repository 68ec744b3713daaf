"""The tasks' to-do kinds:
- `task_accept` (接收督办): a task waits on its lead unit's clerks until accepted;
- `task_report` (进展汇报): a unit's report is owed (the lead unit's once accepted, a
  co-unit's from the start) and waits on the unit's clerks, with the time it is due;
- `task_extension` (延期审批): a request waits on whoever set the task;
- `task_close` (销号): a completed task waits on the supervising office's clerks and leaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q

from bots.tasks.common import ACTOR_ROLES
from bots.tasks.models import Extension, Task, TaskUnit
from hub.core import todo as registry
from hub.org.models import UnitMembership

OPEN = (Task.State.ASSIGNED, Task.State.ACCEPTED)


def _accept_rows() -> Any:
    return TaskUnit.objects.filter(role=TaskUnit.Role.LEAD, task__state=Task.State.ASSIGNED)


def _report_rows(now: datetime) -> Any:
    return TaskUnit.objects.filter(task__state__in=OPEN, report_due__isnull=False,
                                   report_from__lte=now).filter(
        Q(role=TaskUnit.Role.CO) | Q(task__state=Task.State.ACCEPTED))


def _clerk_units(user: Any) -> Any:
    return UnitMembership.objects.filter(user=user, role=UnitMembership.Role.CLERK).values(
        "unit_id")


def _unit_items(kind: str, rows: Any, user: Any, now: datetime, due: bool) -> list[registry.TodoItem]:
    rows = rows.filter(unit_id__in=_clerk_units(user)).select_related(
        "task", "unit", "task__office").order_by("task__created_at", "task_id")
    out = []
    for r in rows:
        deadline = r.report_due if due else r.task.deadline
        out.append(registry.TodoItem(
            kind=kind, ref=r.task_id, title=r.task.title, since=r.task.created_at,
            message=r.message_id, unit={"code": r.unit.code, "name": r.unit.name},
            deadline=deadline, overdue=deadline is not None and deadline < now,
            extra={"from": {"code": r.task.office.code, "name": r.task.office.name}}))
    return out


def _unit_count(rows: Any, user_ids: Sequence[int]) -> dict[int, int]:
    counted = (UnitMembership.objects.filter(user_id__in=user_ids,
                                             role=UnitMembership.Role.CLERK,
                                             unit_id__in=rows.values("unit_id"))
               .values_list("user_id", "unit_id"))
    per_unit = dict(rows.values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    out: dict[int, int] = {}
    for user_id, unit_id in counted:
        out[user_id] = out.get(user_id, 0) + per_unit.get(unit_id, 0)
    return out


def accept_items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    return _unit_items("task_accept", _accept_rows(), user, now, due=False)


def accept_count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return _unit_count(_accept_rows(), user_ids)


def report_items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    return _unit_items("task_report", _report_rows(now), user, now, due=True)


def report_count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return _unit_count(_report_rows(now), user_ids)


def _pending() -> Any:
    return Extension.objects.filter(state=Extension.State.PENDING, task__state__in=OPEN)


def extension_items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    rows = _pending().filter(task__set_by=user).select_related(
        "task", "task__lead_unit").order_by("created_at", "id")
    return [registry.TodoItem(
        kind="task_extension", ref=e.task_id, title=e.task.title, since=e.created_at,
        message=e.task.office_message_id, deadline=e.deadline,
        unit={"code": e.task.lead_unit.code, "name": e.task.lead_unit.name})
        for e in rows]


def extension_count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return dict(_pending().filter(task__set_by_id__in=user_ids).values("task__set_by_id")
                .annotate(n=Count("id")).values_list("task__set_by_id", "n"))


def _completed() -> Any:
    return Task.objects.filter(state=Task.State.COMPLETED)


def close_items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    offices = UnitMembership.objects.filter(user=user, role__in=ACTOR_ROLES).values("unit_id")
    rows = _completed().filter(office_id__in=offices).select_related("lead_unit").order_by(
        "completed_at", "id")
    return [registry.TodoItem(
        kind="task_close", ref=t.id, title=t.title, since=t.completed_at or t.created_at,
        message=t.office_message_id, deadline=t.deadline,
        unit={"code": t.lead_unit.code, "name": t.lead_unit.name}) for t in rows]


def close_count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return dict(UnitMembership.objects.filter(user_id__in=user_ids, role__in=ACTOR_ROLES)
                .filter(unit__tasks_supervised__state=Task.State.COMPLETED)
                .values("user_id").annotate(n=Count(F("unit__tasks_supervised__id"),
                                                    distinct=True))
                .values_list("user_id", "n"))


def register() -> None:
    registry.register(kind="task_accept", label="接收督办", object_type="task",
                      provider=accept_items, counter=accept_count)
    registry.register(kind="task_report", label="进展汇报", object_type="task",
                      provider=report_items, counter=report_count)
    registry.register(kind="task_extension", label="延期审批", object_type="task",
                      provider=extension_items, counter=extension_count)
    registry.register(kind="task_close", label="督办销号", object_type="task",
                      provider=close_items, counter=close_count)
