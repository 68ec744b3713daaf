"""The audit events of a document's life, one keyword-only function per kind. Each returns
an `audit.Event`; the service appends them all at the end of its transaction."""

from __future__ import annotations

from datetime import datetime

from bots.documents.models import Circulation, Delivery, Document
from hub.seals.audit import Event
from hub.seals.models import Signature


def _event(name: str, document: Document, actor_id: int | None, at: datetime,
           **data: object) -> Event:
    return Event(event=f"document.{name}", subject=document.subject, actor_id=actor_id,
                 data={"number": document.number, **data}, at=at)


def sent(*, document: Document, signature: Signature, at: datetime) -> Event:
    return _event("sent", document, document.sender_id, at, unit=document.unit.code,
                  title=document.title, doc_type=document.doc_type,
                  recipients=[d.unit.code for d in document.deliveries.all()],
                  seal_key=signature.key.key_id, tbs_sha256=_sha256(signature.tbs))


def delivered(*, document: Document, delivery: Delivery, at: datetime) -> Event:
    return _event("delivered", document, None, at, unit=delivery.unit.code, kind=delivery.kind,
                  message=delivery.message_id)


def signed(*, document: Document, delivery: Delivery, actor_id: int, at: datetime) -> Event:
    return _event("signed", document, actor_id, at, unit=delivery.unit.code)


def registered(*, document: Document, delivery: Delivery, actor_id: int, at: datetime) -> Event:
    return _event("registered", document, actor_id, at, unit=delivery.unit.code,
                  incoming_number=delivery.incoming_number)


def assigned(*, document: Document, delivery: Delivery, actor_id: int, at: datetime) -> Event:
    return _event("assigned", document, actor_id, at, unit=delivery.unit.code,
                  assignee=delivery.assignee_id)


def handled(*, document: Document, delivery: Delivery, actor_id: int, at: datetime) -> Event:
    return _event("handled", document, actor_id, at, unit=delivery.unit.code,
                  reply=delivery.reply)


def returned(*, document: Document, delivery: Delivery, actor_id: int, at: datetime) -> Event:
    return _event("returned", document, actor_id, at, unit=delivery.unit.code,
                  reason=delivery.return_reason)


def circulated(*, document: Document, delivery: Delivery, circulation: Circulation,
               actor_id: int, at: datetime) -> Event:
    return _event("circulated", document, actor_id, at, unit=delivery.unit.code,
                  reader=circulation.reader_id)


def read(*, document: Document, delivery: Delivery, circulation: Circulation,
         at: datetime) -> Event:
    return _event("read", document, circulation.reader_id, at, unit=delivery.unit.code)


def reminded(*, document: Document, delivery: Delivery, reason: str, round_: int,
             actor_id: int | None, at: datetime) -> Event:
    """`reason`: "sign" (not signed in time), "deadline" (deadline near or passed)."""
    return _event("reminded", document, actor_id, at, unit=delivery.unit.code, reason=reason,
                  round=round_)


def escalated(*, document: Document, delivery: Delivery, reason: str, leaders: list[int],
              at: datetime) -> Event:
    return _event("escalated", document, None, at, unit=delivery.unit.code, reason=reason,
                  to=leaders)


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
