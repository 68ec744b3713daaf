"""The audit events of a document's life, one keyword-only function per kind. Each returns
an `audit.Event`; the service appends them all at the end of its transaction."""

from __future__ import annotations

from datetime import datetime

from bots.documents.models import ChainDecision, ChainStep, Circulation, Delivery, Document
from hub.org.models import User
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


def assigned(*, document: Document, delivery: Delivery, actor_id: int, at: datetime,
             comment: str = "") -> Event:
    """`comment`: the 拟办意见 typed with it."""
    return _event("assigned", document, actor_id, at, unit=delivery.unit.code,
                  assignee=delivery.assignee_id, comment=comment)


def handled(*, document: Document, delivery: Delivery, actor_id: int, at: datetime,
            files: list[str] | None = None) -> Event:
    """`files`: the SHA-256 of the result's files."""
    return _event("handled", document, actor_id, at, unit=delivery.unit.code,
                  reply=delivery.reply, **({"files": files} if files else {}))


def returned(*, document: Document, delivery: Delivery, actor_id: int, at: datetime) -> Event:
    return _event("returned", document, actor_id, at, unit=delivery.unit.code,
                  reason=delivery.return_reason)


def circulated(*, document: Document, delivery: Delivery, readers: list[User], actor_id: int,
               comment: str, at: datetime) -> Event:
    """传阅 to `readers`, in that order."""
    return _event("circulated", document, actor_id, at, unit=delivery.unit.code,
                  readers=[r.id for r in readers], comment=comment)


def read(*, document: Document, delivery: Delivery, circulation: Circulation,
         at: datetime) -> Event:
    """已阅, with the 阅示."""
    return _event("read", document, circulation.reader_id, at, unit=delivery.unit.code,
                  comment=circulation.comment)


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


# --- the outgoing chain ---------------------------------------------------------------------------
def drafted(*, document: Document, steps: list[list[User]], signer: User, at: datetime) -> Event:
    return _event("drafted", document, document.sender_id, at, unit=document.unit.code,
                  title=document.title, doc_type=document.doc_type,
                  reviewers=[[p.username for p in step] for step in steps],
                  signer=signer.username)


def decided(*, document: Document, step: ChainStep, place: ChainDecision, at: datetime) -> Event:
    signature = place.signature
    return _event("decided", document, place.decided_by_id, at, round=step.round,
                  step=step.index, role=step.role, approver=place.user.username,
                  decision=place.decision, comment=place.comment,
                  delegation=place.delegation_id,
                  key_id=signature.key.key_id if signature else None,
                  tbs_sha256=_sha256(signature.tbs) if signature else None)


def edited(*, document: Document, actor_id: int, fields: list[str], at: datetime) -> Event:
    return _event("edited", document, actor_id, at, fields=fields, round=document.round)


def resubmitted(*, document: Document, actor_id: int, note: str, at: datetime) -> Event:
    return _event("resubmitted", document, actor_id, at, round=document.round, note=note)


def issued(*, document: Document, actor_id: int, at: datetime) -> Event:
    return _event("issued", document, actor_id, at, unit=document.unit.code,
                  signer=document.signer)


# --- a recipient's steps with their comments --------------------------------------------------------
def step(*, document: Document, delivery: Delivery, name: str, actor_id: int | None,
         comment: str, at: datetime, **data: object) -> Event:
    """A handling step of one recipient unit with its comment (拟办, 批办, 阅示, 答复...)."""
    return _event(name, document, actor_id, at, unit=delivery.unit.code, comment=comment, **data)
