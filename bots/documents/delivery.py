"""Delivering a document, shared by sending it directly (services.py) and issuing a draft
(chain.py): the bot's copies of the files, the PDF, the seal, a card in each recipient unit's
room, the tracking card, the supervision jobs. Nothing here decides who may do it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings

from bots.documents import audit_events, cards, pdf, sealing, supervision
from bots.documents.common import actors_of, leader_ids_of, summary
from bots.documents.models import Delivery, Document, DocumentAttachment
from bots.runtime import BotContext
from hub.chat import actions as chat
from hub.chat import selectors as chat_selectors
from hub.chat.models import Attachment, Message, Room
from hub.core import todo
from hub.core.changes import record as record_change
from hub.lib.errors import ApiError, not_found
from hub.org.models import Unit, User
from hub.seals import audit, signing


def own_attachments(*, sender: User, ids: list[int]) -> list[Attachment]:
    wanted = list(dict.fromkeys(ids))
    found = {a.id: a for a in Attachment.objects.filter(id__in=wanted, uploader=sender)}
    if len(found) != len(wanted):
        raise not_found("附件")
    attachments = [found[i] for i in wanted]
    total = sum(a.size for a in attachments)
    limit = settings.HUITONG_DOC_MAX_ATTACHMENT_BYTES
    if total > limit:
        raise ApiError("too_large", f"公文附件合计不能超过 {limit // (1024 * 1024)} MB")
    return attachments


def chunks(attachment: Attachment) -> Iterator[bytes]:
    with open(chat.attachment_path(attachment), "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def unit_rooms(units: list[Unit]) -> dict[int, int]:
    """Each unit's room id, making the room of a unit that has none yet."""
    rooms = dict(Room.objects.filter(unit__in=units).values_list("unit_id", "id"))
    for unit in units:
        if unit.id not in rooms:
            rooms[unit.id] = chat.sync_unit_room(unit=unit).id
    return rooms


def discard(copies: list[Attachment]) -> None:
    for copy in copies:
        chat.attachment_path(copy).unlink(missing_ok=True)


def store_files(document: Document, originals: list[Attachment], *, bot: BotContext,
                copies: list[Attachment], start: int = 0) -> list[DocumentAttachment]:
    """The bot's own copies of the caller's uploads, as the document's files (sealed when it
    is issued, posted with every card, never changed). `copies` collects the stored files so
    that the caller can remove them if its transaction fails."""
    made = []
    for original in originals:
        copy = chat.store_attachment(uploader=bot.user, name=original.name,
                                     chunks=chunks(original), declared_mime=original.mime)
        copies.append(copy)
        made.append(copy)
    return DocumentAttachment.objects.bulk_create([
        DocumentAttachment(document=document, attachment=copy, position=start + index,
                           name=copy.name, size=copy.size, sha256=copy.sha256)
        for index, copy in enumerate(made)])


def deliver(document: Document, *, main: list[Unit], cc: list[Unit],
            files: list[DocumentAttachment], bot: BotContext, now: datetime,
            chain: list[dict[str, Any]] | None = None,
            copies: list[Attachment] | None = None) -> list[audit.Event]:
    """Seal a document that is ready (numbered, its files stored) and deliver it: a card in
    each recipient unit's room, the tracking card in the issuing unit's room, the supervision
    jobs. Returns the audit events for the caller to append last. `chain`: the signed
    decisions the seal covers (a document that went through 核稿 and 签发); `copies` collects
    the stored PDF, for the caller to remove if its transaction fails."""
    deliveries = Delivery.objects.bulk_create(
        [Delivery(document=document, unit=u, kind=Delivery.Kind.MAIN, delivered_at=now)
         for u in main]
        + [Delivery(document=document, unit=u, kind=Delivery.Kind.CC, delivered_at=now)
           for u in cc])
    hashes = {f.attachment_id: f.sha256 for f in files}
    rendition = pdf.store(document, bot=bot, main=main, cc=cc, files=files)
    if copies is not None:
        copies.append(rendition)
    document.pdf = rendition
    signature = signing.seal(
        unit=document.unit, subject=document.subject,
        content=sealing.content(document, files=files, hashes=hashes, chain=chain,
                                pdf_sha256=rendition.sha256 if rendition else None),
        at=now)
    document.signature = signature
    rooms = unit_rooms([*main, *cc, document.unit])
    bot.join(sorted(rooms.values()))
    actors = actors_of([*rooms])
    leaders = leader_ids_of([*rooms])
    copy_ids = [f.attachment_id for f in files] + ([rendition.id] if rendition else [])
    # Rooms in id order, so that two deliveries to overlapping units lock them in one order.
    for delivery in sorted(deliveries, key=lambda d: rooms[d.unit_id]):
        card = cards.unit_card(document, delivery, actors=actors[delivery.unit_id], circulations=(),
                               leaders=leaders[delivery.unit_id])
        message = bot.post(room_id=rooms[delivery.unit_id], body=summary(document), card=card,
                           attachment_ids=copy_ids, join=False)
        delivery.message_id = message["id"]
    Delivery.objects.bulk_update(deliveries, ["message"])
    tracking = bot.post(room_id=rooms[document.unit.id], body=f"【发文跟踪】{summary(document)}",
                        card=cards.tracking_card(document, deliveries, actors=actors[document.unit.id],
                                                 now=now),
                        attachment_ids=copy_ids, join=False)  # the issuing unit's copy of the files
    document.tracking_message_id = tracking["id"]
    document.save(update_fields=["signature", "tracking_message", "pdf"])
    supervision.schedule_for(document)
    record_change(kind="document", object_id=document.id)
    todo.changed_units(unit_ids=[u.id for u in [*main, *cc]])
    return [audit_events.sent(document=document, signature=signature, at=now),
            *(audit_events.delivered(document=document, delivery=d, at=now) for d in deliveries)]


def message_as_is(message: Message) -> dict[str, Any]:
    return chat_selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                        before_seq=message.seq + 1, limit=1)[0]
