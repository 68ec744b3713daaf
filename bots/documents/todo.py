"""The documents' kinds of work in the to-do list (hub/core/todo.py):

- `document_sign` (签收): a copy delivered to a unit and not yet signed for, waiting on the
  unit's clerks and leaders (who may sign) until one of them does;
- `document_handle` (承办): a copy assigned to someone and not yet handled, waiting on them;
- `document_read` (传阅): a copy routed to someone to read, until they mark it read (in an
  ordered 传阅, from when their turn comes);
- `document_review` (核稿) and `document_signoff` (签发): a draft whose current step awaits the
  person (or someone whose active deputy they are), until they decide;
- `document_issue` (用印分发): a signed-off draft, waiting on its unit's clerks;
- `document_instruct` (批办): a received copy with a 拟办意见 and no 批示 yet, waiting on the
  receiving unit's leaders.

Each item opens at the card where the person acts: the unit's card, the assignee's card, the
reader's card. `changed` is what the services call in the transaction of a change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bots import decisions
from bots.documents.cards import is_overdue
from bots.documents.common import ACTOR_ROLES
from bots.documents.models import (
    ChainDecision,
    ChainStep,
    Circulation,
    Delivery,
    Document,
    DraftMessage,
)
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
    # A reader waiting their turn in an ordered 传阅 has nothing to read yet.
    circulations = (Circulation.objects.filter(reader=user, read_at__isnull=True,
                                               sent_at__isnull=False)
                    .select_related("delivery__document", "delivery__unit"))
    return [todo.TodoItem(
        kind=READ, ref=c.delivery.document_id, title=c.delivery.document.title,
        since=c.sent_at or now,
        message=c.message_id, unit=_unit(c.delivery), deadline=c.delivery.document.deadline,
        extra=_extra(c.delivery.document)) for c in circulations]


def count_to_read(*, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    return dict(Counter(Circulation.objects.filter(reader_id__in=user_ids, read_at__isnull=True,
                                                   sent_at__isnull=False)
                        .values_list("reader_id", flat=True)))


def register() -> None:
    todo.register(kind=SIGN, label="签收", object_type="document", provider=to_sign,
                  counter=count_to_sign)
    todo.register(kind=HANDLE, label="承办", object_type="document", provider=to_handle,
                  counter=count_to_handle)
    todo.register(kind=READ, label="传阅", object_type="document", provider=to_read,
                  counter=count_to_read)
    todo.register(kind=REVIEW, label="核稿", object_type="document", provider=to_review)
    todo.register(kind=SIGNOFF, label="签发", object_type="document", provider=to_sign_off)
    todo.register(kind=ISSUE, label="用印分发", object_type="document", provider=to_issue)
    todo.register(kind=INSTRUCT, label="批办", object_type="document", provider=to_instruct)


def changed(*, unit_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> None:
    """A document's copies for these units (and these people's own copies) changed."""
    todo.changed_units(unit_ids=unit_ids)
    todo.changed(user_ids=user_ids)


# --- the outgoing chain and 批办 ----------------------------------------------------------------
REVIEW, SIGNOFF, ISSUE, INSTRUCT = ("document_review", "document_signoff", "document_issue",
                                    "document_instruct")


def _card_of(document_ids: list[int], user_id: int) -> dict[int, int]:
    """The person's own copy of each draft's card."""
    out: dict[int, int] = {}
    for doc_id, message_id in (DraftMessage.objects.filter(document_id__in=document_ids,
                                                           user_id=user_id)
                               .order_by("message_id").values_list("document_id", "message_id")):
        out[doc_id] = message_id
    return out


def _awaiting(*, user: Any, now: datetime, role: str, kind: str) -> list[todo.TodoItem]:
    principals = [d.principal_id for d in decisions.active_delegations(
        list(ChainDecision.objects.filter(decision="", step__state=ChainStep.State.ACTIVE,
                                          step__role=role).values_list("user_id", flat=True)
             .distinct()), now=now) if d.deputy_id == user.id]
    places = (ChainDecision.objects.filter(
        decision="", user_id__in=[user.id, *principals], step__role=role,
        step__state=ChainStep.State.ACTIVE,
        step__document__state__in=[Document.State.REVIEWING, Document.State.AWAITING_SIGNOFF])
        .select_related("step", "step__document", "step__document__unit"))
    rows = [p for p in places if p.step.round == p.step.document.round]
    cards = _card_of([p.step.document_id for p in rows], user.id)
    seen: set[int] = set()
    items = []
    for place in rows:
        document = place.step.document
        if document.id in seen:
            continue
        seen.add(document.id)
        items.append(todo.TodoItem(
            kind=kind, ref=document.id, title=document.title,
            since=place.step.started_at or now, message=cards.get(document.id),
            unit={"code": document.unit.code, "name": document.unit.name},
            extra={**_extra(document),
                   **({"for": place.user.username} if place.user_id != user.id else {})}))
    return items


def to_review(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    return _awaiting(user=user, now=now, role=ChainStep.Role.REVIEW, kind=REVIEW)


def to_sign_off(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    return _awaiting(user=user, now=now, role=ChainStep.Role.SIGNOFF, kind=SIGNOFF)


def to_issue(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    units = set(UnitMembership.objects.filter(user=user, role=UnitMembership.Role.CLERK)
                .values_list("unit_id", flat=True))
    documents = list(Document.objects.filter(unit_id__in=units, state=Document.State.SIGNED_OFF)
                     .select_related("unit"))
    cards = _card_of([d.id for d in documents], user.id)
    return [todo.TodoItem(kind=ISSUE, ref=d.id, title=d.title, since=d.signed_off_at or now,
                          message=cards.get(d.id),
                          unit={"code": d.unit.code, "name": d.unit.name}, extra=_extra(d))
            for d in documents]


def to_instruct(*, user: Any, now: datetime) -> list[todo.TodoItem]:
    units = set(UnitMembership.objects.filter(user=user, role=UnitMembership.Role.LEADER)
                .values_list("unit_id", flat=True))
    deliveries = (Delivery.objects.filter(
        unit_id__in=units, instructed_at__isnull=True,
        state__in=[Delivery.State.SIGNED, Delivery.State.REGISTERED, Delivery.State.ASSIGNED])
        .exclude(proposal="").select_related("document", "unit"))
    return [todo.TodoItem(kind=INSTRUCT, ref=d.document_id, title=d.document.title,
                          since=d.signed_at or d.delivered_at, message=d.message_id,
                          unit={"code": d.unit.code, "name": d.unit.name},
                          deadline=d.document.deadline,
                          overdue=bool(d.document.deadline and now > d.document.deadline),
                          extra={**_extra(d.document), "proposal": d.proposal})
            for d in deliveries]
