"""The meetings' kind of work in the to-do list (hub/core/todo.py): `meeting_rsvp`, a notice
not yet answered while answers are taken (until the meeting starts, unless cancelled). A
person's invitation waits on them; a unit's on whoever answers for the unit (its clerks and
leaders) until one of them does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q

from bots.documents.common import ACTOR_ROLES
from bots.meetings.models import Invitee, Meeting
from hub.core import todo
from hub.lib.times import iso
from hub.org.models import UnitMembership

RSVP = "meeting_rsvp"


def _answer_units(user_ids: Sequence[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {uid: set() for uid in user_ids}
    for uid, unit_id in UnitMembership.objects.filter(
            user_id__in=user_ids, role__in=ACTOR_ROLES).values_list("user_id", "unit_id"):
        out[uid].add(unit_id)
    return out


def _open(now: datetime) -> Any:
    return Invitee.objects.filter(state=Invitee.State.PENDING,
                                  meeting__state=Meeting.State.SCHEDULED, meeting__start__gt=now)


def to_answer(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    units = _answer_units([user.id])[user.id]
    invitees = (_open(now).filter(Q(user=user) | Q(unit_id__in=units))
                .select_related("meeting", "unit"))
    return [todo.TodoItem(
        kind=RSVP, ref=i.meeting_id, title=i.meeting.title, since=i.meeting.created_at,
        message=i.message_id,
        unit={"code": i.unit.code, "name": i.unit.name} if i.unit is not None else None,
        deadline=i.meeting.rsvp_by, overdue=now > i.meeting.rsvp_by,
        extra={"start": iso(i.meeting.start), "location": i.meeting.location})
        for i in invitees]


def count_to_answer(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    units = _answer_units(user_ids)
    wanted = {u for us in units.values() for u in us}
    rows = _open(now).filter(Q(user_id__in=user_ids) | Q(unit_id__in=wanted)).values_list(
        "user_id", "unit_id")
    by_user: Counter[int] = Counter()
    by_unit: Counter[int] = Counter()
    for user_id, unit_id in rows:
        if user_id:
            by_user[user_id] += 1
        else:
            by_unit[unit_id] += 1
    return {uid: by_user[uid] + sum(by_unit[u] for u in us) for uid, us in units.items()}


def register() -> None:
    todo.register(kind=RSVP, label="会议回复", object_type="meeting", provider=to_answer,
                  counter=count_to_answer)


def changed(invitees: Iterable[Invitee]) -> None:
    """These invitations changed (sent, answered, the meeting changed or was cancelled)."""
    invitees = list(invitees)
    todo.changed_units(unit_ids=[i.unit_id for i in invitees if i.unit_id])
    todo.changed(user_ids=[i.user_id for i in invitees if i.user_id])
