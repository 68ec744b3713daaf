"""The notices' to-do kind (`notice_ack`, 确认收到): a notice waits on each recipient who has
not pressed 收到, until they do or it expires."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from bots.notices.models import Recipient
from hub.core import todo as registry
from hub.core.models import TodoDirty

KIND = "notice_ack"


def _waiting(now: datetime) -> Any:
    return (Recipient.objects.filter(acked_at__isnull=True, notice__ack_required=True,
                                     notice__expired=False)
            .filter(Q(notice__expires_at__isnull=True) | Q(notice__expires_at__gt=now)))


def items(*, user: Any, now: datetime) -> list[registry.TodoItem]:
    rows = (_waiting(now).filter(user_id=user.id)
            .select_related("notice", "notice__unit", "notice__sender", "card")
            .order_by("notice__created_at", "notice_id"))
    return [registry.TodoItem(
        kind=KIND, ref=r.notice_id, title=r.notice.title, since=r.notice.created_at,
        message=r.card.message_id if r.card else None, deadline=r.notice.expires_at,
        extra={"from": {"code": r.notice.unit.code, "name": r.notice.unit.name},
               "sender": r.notice.sender.name})
        for r in rows]


def count(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    rows = (_waiting(now).filter(user_id__in=user_ids).values("user_id")
            .annotate(n=Count("id")).values_list("user_id", "n"))
    return dict(rows)


def changed(*, user_ids: Iterable[int]) -> None:
    """Whose lists changed (inside the transaction of the change; announced after commit)."""
    registry.changed(user_ids=user_ids)


def changed_later(*, user_id: int) -> None:
    """A press of 收到 changed the presser's list: recounted by the worker's `todo.publish`
    turn (within a second) from a row committed with the press, not inside the press. A
    recount asks every kind of every bot (tens of queries); in a storm of 900 presses that
    would be most of each press's cost."""
    TodoDirty.objects.create(user_id=user_id)


def register() -> None:
    registry.register(kind=KIND, label="确认收到", object_type="notice", provider=items,
                      counter=count)
