"""The documents' kinds of work in the to-do list (hub/core/todo.py):

- `document_sign` (签收): a copy delivered to a unit and not yet signed for, waiting on the
  unit's clerks and leaders (who may sign) until one of them does;
- `document_handle` (承办): a copy assigned to someone and not yet handled, waiting on them;
- `document_read` (传阅): a copy routed to someone to read, until they mark it read.

Each item opens at the card where the person acts: the unit's card, the assignee's card, the
reader's card. `changed` is what the services call in the transaction of a change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bots.documents.cards import is_overdue
from bots.documents.common import ACTOR_ROLES
from bots.documents.models import Circulation, Delivery, Document
from hub.core import todo
from hub.org.models import UnitMembership

SIGN, HANDLE, READ = "document_sign", "document_handle", "document_read"


def _unit(delivery: Delivery) -> dict[str, str]:
    return {"code": delivery.unit.code, "name": delivery.unit.name}


def _extra(document: Document) -> dict[str, Any]:
    return {"number": document.number, "urgency": document.urgency}


def _actor_units(user_ids: Sequence[int]) -> dict[int, set[int]]:
    """The units each person may sign for."""
    out: dict[int, set[int]] = {uid: set() for uid in user_ids}
    for uid, unit_id in UnitMembership.objects.filter(
            user_id__in=user_ids, role__in=ACTOR_ROLES).values_list("user_id", "unit_id"):
        out[uid].add(unit_id)
    return out


def to_sign(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    units = _actor_units([user.id])[user.id]
    deliveries = (Delivery.objects.filter(unit_id__in=units, state=Delivery.State.DELIVERED)
                  .select_related("document", "unit"))
    return [todo.TodoItem(
        kind=SIGN, ref=d.document_id, title=d.document.title, since=d.delivered_at,
        message=d.message_id, unit=_unit(d),
        deadline=d.delivered_at + timedelta(minutes=d.document.sign_within_minutes),
        overdue=is_overdue(d, d.document, now), extra=_extra(d.document)) for d in deliveries]


def count_to_sign(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    units = _actor_units(user_ids)
    waiting = Counter(Delivery.objects.filter(
        unit_id__in={u for us in units.values() for u in us}, state=Delivery.State.DELIVERED)
        .values_list("unit_id", flat=True))
    return {uid: sum(waiting[u] for u in us) for uid, us in units.items()}


def to_handle(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    deliveries = (Delivery.objects.filter(assignee=user, state=Delivery.State.ASSIGNED)
                  .select_related("document", "unit"))
    return [todo.TodoItem(
        kind=HANDLE, ref=d.document_id, title=d.document.title, since=d.assigned_at or
        d.delivered_at, message=d.assignee_message_id, unit=_unit(d),
        deadline=d.document.deadline, overdue=is_overdue(d, d.document, now),
        extra=_extra(d.document)) for d in deliveries]


def count_to_handle(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return dict(Counter(Delivery.objects.filter(
        assignee_id__in=user_ids, state=Delivery.State.ASSIGNED)
        .values_list("assignee_id", flat=True)))


def to_read(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    circulations = (Circulation.objects.filter(reader=user, read_at__isnull=True)
                    .select_related("delivery__document", "delivery__unit"))
    return [todo.TodoItem(
        kind=READ, ref=c.delivery.document_id, title=c.delivery.document.title, since=c.sent_at,
        message=c.message_id, unit=_unit(c.delivery), deadline=c.delivery.document.deadline,
        extra=_extra(c.delivery.document)) for c in circulations]


def count_to_read(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return dict(Counter(Circulation.objects.filter(reader_id__in=user_ids, read_at__isnull=True)
                        .values_list("reader_id", flat=True)))


def register() -> None:
    todo.register(kind=SIGN, label="签收", object_type="document", provider=to_sign,
                  counter=count_to_sign)
    todo.register(kind=HANDLE, label="承办", object_type="document", provider=to_handle,
                  counter=count_to_handle)
    todo.register(kind=READ, label="传阅", object_type="document", provider=to_read,
                  counter=count_to_read)


def changed(*, unit_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> None:
    """A document's copies for these units (and these people's own copies) changed."""
    todo.changed_units(unit_ids=unit_ids)
    todo.changed(user_ids=user_ids)
