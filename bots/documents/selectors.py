"""Reads: who may see a document, and documents as the protocol writes them.

Members of the issuing unit see a document with every recipient's state; members of a
recipient unit (and its assignee and circulation readers) see it with their own unit's
copy only. Anyone else gets `not_found`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from bots import clock
from bots.documents import cards, groups
from bots.documents.models import DOC_TYPES, Circulation, Delivery, Document
from hub.chat.serializers import attachment_dict, user_summary
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit
from hub.seals.image import seal_data_url


@dataclass
class Access:
    issuer: bool
    # Recipient units whose copy the viewer may see.
    units: set[int] = field(default_factory=set)



def _unit_ids(user: User) -> set[int]:
    return set(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True))


def access_document(*, user: User, document_id: Any) -> tuple[Document, Access]:
    """The document and what of it the caller may see; `not_found` if nothing."""
    doc_id = as_id(document_id)
    document = (Document.objects.select_related("unit", "sender", "signature", "signature__key")
                .filter(id=doc_id).first()) if doc_id else None
    if document is None:
        raise not_found("公文")
    mine = _unit_ids(user)
    issuer = document.unit_id in mine
    units = set(Delivery.objects.filter(document=document).filter(
        Q(unit_id__in=mine) | Q(assignee=user) | Q(circulations__reader=user))
        .values_list("unit_id", flat=True))
    if not issuer and not units:
        raise not_found("公文")
    return document, Access(issuer=issuer, units=units)


def _person(user: User | None) -> dict[str, Any] | None:
    return user_summary(user) if user is not None else None


def recipient_dict(document: Document, delivery: Delivery, circulations: list[Circulation],
                   now: datetime) -> dict[str, Any]:
    return {
        "unit": {"id": delivery.unit.id, "code": delivery.unit.code, "name": delivery.unit.name},
        "kind": delivery.kind,
        "state": delivery.state,
        "state_label": delivery.get_state_display(),
        "delivered_at": iso(delivery.delivered_at),
        "signed_at": iso(delivery.signed_at), "signed_by": _person(delivery.signed_by),
        "registered_at": iso(delivery.registered_at),
        "registered_by": _person(delivery.registered_by),
        "incoming_number": delivery.incoming_number or None,
        "assigned_at": iso(delivery.assigned_at), "assigned_by": _person(delivery.assigned_by),
        "assignee": _person(delivery.assignee),
        "handled_at": iso(delivery.handled_at), "handled_by": _person(delivery.handled_by),
        "reply": delivery.reply or None,
        "returned_at": iso(delivery.returned_at), "returned_by": _person(delivery.returned_by),
        "return_reason": delivery.return_reason or None,
        "overdue": cards.is_overdue(delivery, document, now),
        "reminders": {"sign": delivery.sign_reminders, "deadline": delivery.deadline_reminders},
        "last_reminded_at": iso(delivery.last_reminded_at),
        "escalated_at": iso(delivery.escalated_at),
        "circulation": [{"user": user_summary(c.reader), "sent_at": iso(c.sent_at),
                         "read_at": iso(c.read_at)} for c in circulations],
        "message": delivery.message_id,
    }


def seal_dict(document: Document) -> dict[str, Any] | None:
    signature = document.signature
    if signature is None:
        return None
    key = signature.key
    return {"unit": document.unit.code, "unit_name": key.seal_name, "key_id": key.key_id,
            "alg": signature.alg, "signed_at": iso(signature.signed_at),
            "image": seal_data_url(key.seal_name)}


def log_dicts(document: Document, access: Access) -> list[dict[str, Any]]:
    codes = set(Unit.objects.filter(id__in=access.units).values_list("code", flat=True))
    out = []
    for entry in audit.entries_for(subjects=[document.subject]):
        unit = entry.data.get("unit")
        if not access.issuer and unit not in codes:
            continue
        out.append({"seq": entry.seq, "at": iso(entry.at), "event": entry.event,
                    "actor": _person(entry.actor), "unit": unit,
                    "data": {k: v for k, v in entry.data.items() if k not in ("unit", "number")}})
    return out


def document_dict(document: Document, access: Access, *, with_log: bool = True) -> dict[str, Any]:
    now = clock.now()
    deliveries = list(
        Delivery.objects.filter(document=document).select_related(
            "unit", "signed_by", "registered_by", "assigned_by", "assignee", "handled_by",
            "returned_by").order_by("unit__sort_order", "unit__code"))
    circulations: dict[int, list[Circulation]] = {}
    for c in (Circulation.objects.filter(delivery__document=document).select_related("reader")
              .order_by("id")):
        circulations.setdefault(c.delivery_id, []).append(c)
    visible = [d for d in deliveries if access.issuer or d.unit_id in access.units]
    files = list(document.files.select_related("attachment").order_by("position"))
    totals = cards.totals(document, deliveries, now) if access.issuer else None
    return {
        "id": document.id,
        "doc_type": document.doc_type,
        "number": document.number,
        "title": document.title,
        "body": document.body,
        "urgency": document.urgency,
        "urgency_label": document.get_urgency_display(),
        "secrecy": document.secrecy,
        "signer": document.signer,
        "notes": document.notes,
        "date": document.issued_on.isoformat(),
        "deadline": iso(document.deadline),
        "reply_required": document.reply_required,
        "sign_within_minutes": document.sign_within_minutes,
        "unit": {"id": document.unit.id, "code": document.unit.code, "name": document.unit.name},
        "sender": user_summary(document.sender),
        "sent_at": iso(document.sent_at),
        "state": ("completed" if totals and totals["handled"] + totals["returned"]
                  == totals["recipients"] else "sent") if access.issuer else None,
        "recipients": [recipient_dict(document, d, circulations.get(d.id, []), now)
                       for d in visible],
        "cc": [d.unit.code for d in deliveries if d.kind == Delivery.Kind.CC],
        "main": [d.unit.code for d in deliveries if d.kind == Delivery.Kind.MAIN],
        "totals": totals,
        "attachments": [attachment_dict(f.attachment) for f in files],
        "seal": seal_dict(document),
        "tracking_message": document.tracking_message_id if access.issuer else None,
        "viewer": {"issuer": access.issuer,
                   "units": sorted(d.unit.code for d in visible if d.unit_id in access.units)},
        "log": log_dicts(document, access) if with_log else None,
    }


def _summary_dict(document: Document, user_units: set[int], user: User,
                  now: datetime) -> dict[str, Any]:
    deliveries = list(document.deliveries.all())
    issuer = document.unit_id in user_units
    mine = [d for d in deliveries
            if d.unit_id in user_units or d.assignee_id == user.id]
    return {
        "id": document.id, "doc_type": document.doc_type, "number": document.number,
        "title": document.title, "urgency": document.urgency,
        "unit": {"code": document.unit.code, "name": document.unit.name},
        "sent_at": iso(document.sent_at), "deadline": iso(document.deadline),
        "box": "sent" if issuer else "received",
        "totals": cards.totals(document, deliveries, now) if issuer else None,
        "mine": [{"unit": d.unit.code, "state": d.state, "message": d.message_id,
                  "overdue": cards.is_overdue(d, document, now)} for d in mine],
    }


def documents_for(*, user: User, box: str, q: str, limit: int, offset: int) -> dict[str, Any]:
    """The documents the caller's units sent or received, newest first."""
    units = _unit_ids(user)
    sent = Q(unit_id__in=units)
    received = (Q(deliveries__unit_id__in=units) | Q(deliveries__assignee=user)
                | Q(deliveries__circulations__reader=user))
    condition = {"sent": sent, "received": received}.get(box, sent | received)
    qs: QuerySet[Document] = Document.objects.filter(condition)
    if box == "received":
        qs = qs.exclude(unit_id__in=units)
    if q.strip():
        qs = qs.filter(Q(title__icontains=q.strip()) | Q(number__icontains=q.strip()))
    ids = list(qs.order_by("-sent_at", "-id").values_list("id", flat=True).distinct())
    page = ids[offset:offset + limit]
    documents = {d.id: d for d in Document.objects.filter(id__in=page).select_related("unit")
                 .prefetch_related("deliveries__unit")}
    now = clock.now()
    return {"total": len(ids),
            "results": [_summary_dict(documents[i], units, user, now) for i in page]}


def meta_for(*, user: User) -> dict[str, Any]:
    """What the compose form needs: the 15 types, urgencies, groups, units, and the units the
    caller may send for."""
    memberships = UnitMembership.objects.filter(
        user=user, role__in=(UnitMembership.Role.CLERK, UnitMembership.Role.LEADER)
    ).select_related("unit")
    return {
        "doc_types": DOC_TYPES,
        "urgencies": [{"value": v, "label": str(label)} for v, label in Document.Urgency.choices],
        "secrecies": [{"value": v, "label": str(label)} for v, label in Document.Secrecy.choices],
        "groups": groups.groups_dicts(),
        "units": [{"id": u.id, "code": u.code, "name": u.name, "short_name": u.short_name,
                   "kind": u.kind} for u in Unit.objects.exclude(kind=Unit.Kind.DISTRICT)],
        "issuing_units": [{"code": m.unit.code, "name": m.unit.name,
                           "short_name": m.unit.short_name} for m in memberships],
        "max_attachment_bytes": min(settings.HUITONG_DOC_MAX_ATTACHMENT_BYTES,
                                    settings.HUITONG_MAX_UPLOAD_BYTES * 20),
        "max_file_bytes": settings.HUITONG_MAX_UPLOAD_BYTES,
        "sign_within_minutes": settings.HUITONG_DOC_SIGN_WITHIN_MINUTES,
    }
