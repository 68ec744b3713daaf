"""工作移交 for documents: what waits for a person leaving passes to a colleague.

- 核稿/签发 places in an active step: the colleague stands in as a standing deputy (代批, the
  decision engine's delegation, the same one approvals use) and gets the draft's card;
- 承办 (a received copy assigned to them and not yet handled): the colleague becomes the
  assignee, with the card in their direct room and the step in the copy's log;
- 传阅 not yet read: the colleague takes their place in the reading queue (or, already in it,
  the person simply leaves it), and the next reader gets the card when it was theirs.
"""

from __future__ import annotations

from typing import Any

from bots import clock, decisions
from bots.documents import cards, chain, services
from bots.documents.common import doc_bot, summary
from bots.documents.models import (
    ChainDecision,
    ChainStep,
    Circulation,
    Delivery,
    DeliveryStep,
    Document,
)
from hub.org import handover


def _decisions(user: Any) -> Any:
    return ChainDecision.objects.filter(user=user, decision="", step__state=ChainStep.State.ACTIVE,
                                        step__document__state__in=["reviewing",
                                                                   "awaiting_signoff"])


def _assigned(user: Any) -> Any:
    return Delivery.objects.filter(assignee=user, state=Delivery.State.ASSIGNED)


def _unread(user: Any) -> Any:
    return Circulation.objects.filter(reader=user, read_at__isnull=True)


def pending(user: Any) -> int:
    return _decisions(user).count() + _assigned(user).count() + _unread(user).count()


def transfer(*, source: Any, target: Any, actor: Any) -> int:
    now = clock.now()
    moved = 0
    places = list(_decisions(source).select_related("step"))
    if places:
        decisions.standing_deputy(principal=source, deputy=target, now=now)
        for document_id in sorted({p.step.document_id for p in places}):
            document = Document.objects.select_for_update().get(id=document_id)
            step = next(p.step for p in places if p.step.document_id == document_id)
            chain._post(document, chain._step_targets(document, step, now=now), now=now)
            chain.refresh_cards(document, now=now)
        moved += len(places)
    for delivery_id in sorted(_assigned(source).values_list("id", flat=True)):
        delivery = Delivery.objects.select_for_update().select_related("unit").get(id=delivery_id)
        document = Document.objects.get(id=delivery.document_id)
        delivery.assignee = target
        message = doc_bot().direct(
            user=target, body=f"{source.name}的承办工作移交给您：{summary(document)}",
            card=cards.assignee_card(document, delivery))
        delivery.assignee_message_id = message["id"]
        delivery.save(update_fields=["assignee", "assignee_message"])
        services._log(delivery, DeliveryStep.Action.ASSIGN, actor=actor, comment="工作移交",
                      at=now, assignee=target.username, handover_from=source.username)
        services.refresh_delivery(document, delivery)
        moved += 1
    for circulation_id in sorted(_unread(source).values_list("id", flat=True)):
        row = Circulation.objects.select_for_update().select_related("delivery").get(
            id=circulation_id)
        delivery = Delivery.objects.select_related("unit").get(id=row.delivery_id)
        document = Document.objects.get(id=delivery.document_id)
        if Circulation.objects.filter(delivery=delivery, reader=target).exists():
            row.delete()
        else:
            row.reader, row.sent_at, row.message_id = target, None, None
            row.save(update_fields=["reader", "sent_at", "message"])
        services._send_next_reader(document, delivery, now=now)
        services.refresh_delivery(document, delivery)
        moved += 1
    return moved


def register() -> None:
    handover.register(kind="document", label="待办公文（核稿、签发、承办、传阅）",
                      pending=pending, transfer=transfer)
