"""The discussions' to-do kind (`discussion_reply`, 回复意见): an open discussion waits on
each asked unit's clerks and leaders until their unit has replied or it is closed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count

from bots.discussions.models import AskedUnit, Discussion
from bots.discussions.selectors import REPLY_ROLES
from hub.core import todo as registry
from hub.org.models import UnitMembership

KIND = "discussion_reply"


def _waiting() -> Any:
    return AskedUnit.objects.filter(replied_at__isnull=True,
                                    discussion__state=Discussion.State.OPEN)


def items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    rows = (_waiting().filter(unit__memberships__user_id=user.id,
                              unit__memberships__role__in=REPLY_ROLES)
            .select_related("discussion", "discussion__owner", "discussion__unit", "unit")
            .order_by("discussion__created_at", "discussion_id", "position"))
    out = []
    for r in rows:
        d = r.discussion
        out.append(registry.TodoItem(
            kind=KIND, ref=d.id, title=d.title, since=d.created_at, message=r.message_id,
            unit={"code": r.unit.code, "name": r.unit.name}, deadline=d.deadline,
            overdue=d.deadline < now,
            extra={"from": {"code": d.unit.code, "name": d.unit.name} if d.unit else None,
                   "owner": d.owner.name}))
    return out


def count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    rows = (UnitMembership.objects.filter(user_id__in=user_ids, role__in=REPLY_ROLES)
            .filter(unit__in=_waiting().values("unit_id")).values("user_id", "unit_id"))
    per_unit = dict(_waiting().values("unit_id").annotate(n=Count("id"))
                    .values_list("unit_id", "n"))
    out: dict[int, int] = {}
    for row in rows:
        out[row["user_id"]] = out.get(row["user_id"], 0) + per_unit.get(row["unit_id"], 0)
    return out


def changed(*, user_ids: Iterable[int]) -> None:
    registry.changed(user_ids=user_ids)


def register() -> None:
    registry.register(kind=KIND, label="回复意见", object_type="discussion", provider=items,
                      counter=count)
