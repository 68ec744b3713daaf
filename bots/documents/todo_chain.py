"""The chain's kinds of work in the to-do list (hub/core/todo.py):

- `document_review` (核稿): a draft whose current 核稿 step awaits the person (or someone whose
  active deputy they are), until they decide;
- `document_signoff` (签发): likewise for the 签发 step;
- `document_issue` (用印分发): a signed-off draft, waiting on its unit's clerks until one
  issues it;
- `document_instruct` (批办): a received copy with a 拟办意见 and no 批示 yet, waiting on the
  receiving unit's leaders.

Each item opens at the card where the person acts (their copy of the draft's card, the unit's
card). The services call `todo.changed` / `todo.changed_units` in the transaction of each
change (bots/documents/chain.py, services.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bots import decisions
from bots.documents.models import ChainDecision, ChainStep, Delivery, Document, DraftMessage
from hub.core import todo
from hub.org.models import UnitMembership

REVIEW, SIGNOFF, ISSUE, INSTRUCT = ("document_review", "document_signoff", "document_issue",
                                    "document_instruct")


def _extra(document: Document) -> dict[str, Any]:
    return {"number": document.number, "urgency": document.urgency}


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


def register() -> None:
    todo.register(kind=REVIEW, label="核稿", object_type="document", provider=to_review)
    todo.register(kind=SIGNOFF, label="签发", object_type="document", provider=to_sign_off)
    todo.register(kind=ISSUE, label="用印分发", object_type="document", provider=to_issue)
    todo.register(kind=INSTRUCT, label="批办", object_type="document", provider=to_instruct)
