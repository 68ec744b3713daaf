"""Reads shared by the task services, selectors, cards and to-do kinds: who supervises, who
acts for a unit, who may see a task, and the task's status by the working-day calendar.
Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from bots.calendar import workdays
from bots.documents.common import SUPERVISION_BOT
from bots.runtime import BotContext, get_bot
from bots.tasks.models import Milestone, Task, TaskUnit
from hub.org.models import Unit, UnitMembership, User

# Who acts for a unit on a task (accepts, reports, asks for more time, completes it) and who
# acts for the supervising office (sets, presses 催办, closes): its clerks and leaders.
ACTOR_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.LEADER)


def task_bot() -> BotContext:
    """督办助手, the supervision bot the documents' reminders speak through as well."""
    return get_bot(SUPERVISION_BOT).context()


def supervising_codes() -> list[str]:
    return list(settings.HUITONG_SUPERVISING_UNITS)


def offices_of(user: User) -> list[Unit]:
    """The supervising offices where the user is a clerk or leader (who may set tasks)."""
    return list(Unit.objects.filter(code__in=supervising_codes(), memberships__user=user,
                                    memberships__role__in=ACTOR_ROLES).order_by("sort_order"))


def acts_for(*, user: User, unit_id: int) -> bool:
    return UnitMembership.objects.filter(unit_id=unit_id, user=user,
                                         role__in=ACTOR_ROLES).exists()


def actor_ids(unit_ids: Iterable[int], *, roles: tuple[str, ...] = ACTOR_ROLES
              ) -> dict[int, list[int]]:
    ids = list(unit_ids)
    out: dict[int, list[int]] = {u: [] for u in ids}
    for unit_id, user_id in UnitMembership.objects.filter(
            unit_id__in=ids, role__in=roles, user__is_active=True).values_list(
            "unit_id", "user_id").order_by("user_id"):
        out[unit_id].append(user_id)
    return out


def visible_tasks(user: User) -> QuerySet[Task]:
    """The tasks the user may see: those of the units they belong to (as the supervising
    office, the lead unit or a co-unit), and those they set or instructed."""
    units = UnitMembership.objects.filter(user=user).values("unit_id")
    return Task.objects.filter(
        Q(office_id__in=units) | Q(units__unit_id__in=units) | Q(set_by=user)
        | Q(instructed_by=user)).distinct()


RANK = {"on_track": 0, "due_soon": 1, "overdue": 2}
UNREAD: Any = object()  # status_of's default: read the next milestone from the database


def deadline_status(deadline: datetime, *, now: datetime) -> str:
    """`overdue` past the deadline, `due_soon` within HUITONG_TASK_DUE_SOON_DAYS working days
    of it (the calendar with 调休), else `on_track`."""
    if now > deadline:
        return "overdue"
    today = timezone.localtime(now).date()
    due = timezone.localtime(deadline).date()
    if workdays.working_days_between(today, due) <= settings.HUITONG_TASK_DUE_SOON_DAYS:
        return "due_soon"
    return "on_track"


def next_milestone(task: Task) -> Milestone | None:
    """The earliest milestone not yet reached."""
    return (Milestone.objects.filter(task_id=task.id, reached_at__isnull=True)
            .order_by("deadline", "index").first())


def next_milestones(task_ids: Iterable[int]) -> dict[int, Milestone]:
    """The earliest unreached milestone of each task that has one (one query)."""
    out: dict[int, Milestone] = {}
    for m in (Milestone.objects.filter(task_id__in=list(task_ids), reached_at__isnull=True)
              .order_by("task_id", "deadline", "index")):
        out.setdefault(m.task_id, m)
    return out


def status_of(task: Task, *, now: datetime, milestone: Any = UNREAD) -> str:
    """`on_track`, `due_soon` (within HUITONG_TASK_DUE_SOON_DAYS working days) or `overdue`
    by the working-day calendar, for the deadline and for the next milestone not reached
    (the worse of the two); a finished task is `overdue` when it finished late."""
    if task.completed_at is not None:
        return "overdue" if task.completed_at > task.deadline else "on_track"
    status = deadline_status(task.deadline, now=now)
    if milestone is UNREAD:
        milestone = next_milestone(task)
    if milestone is not None:
        other = deadline_status(milestone.deadline, now=now)
        if RANK[other] > RANK[status]:
            status = other
    return status


def task_units(task: Task) -> list[TaskUnit]:
    return list(TaskUnit.objects.filter(task=task).select_related("unit")
                .order_by("-role", "unit__sort_order", "unit__code"))
