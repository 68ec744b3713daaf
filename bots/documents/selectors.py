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
from bots.documents import cards, drafts, groups, sealing
from bots.documents.models import (
    DOC_TYPES,
    ChainDecision,
    Circulation,
    Delivery,
    DeliveryFile,
    DeliveryStep,
    Document,
    UnitDocumentSettings,
)
from hub.chat.serializers import attachment_dict, user_summary
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.access import managed_unit_ids
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
    """The document and what of it the caller may see; `not_found` if nothing. A draft (not
    yet issued) is seen by its drafter, the people of its chain (and their active deputies)
    and the issuing unit's clerks, leaders and admins; an issued document by the issuing
    unit's members and people of its chain, and each recipient unit's members (with its
    handlers and readers) for their own copy."""
    doc_id = as_id(document_id)
    document = (Document.objects.select_related("unit", "sender", "signature", "signature__key")
                .filter(id=doc_id).first()) if doc_id else None
    if document is None:
        raise not_found("公文")
    if not document.issued:
        if not drafts.may_see_draft(user=user, document=document, now=clock.now()):
            raise not_found("公文")
        return document, Access(issuer=True, units=set())
    mine = _unit_ids(user)
    issuer = document.unit_id in mine or ChainDecision.objects.filter(
        step__document=document).filter(Q(user=user) | Q(decided_by=user)).exists()
    units = set(Delivery.objects.filter(document=document).filter(
        Q(unit_id__in=mine) | Q(assignee=user) | Q(co_assignees=user)
        | Q(circulations__reader=user, circulations__sent_at__isnull=False))
        .values_list("unit_id", flat=True))
    if not issuer and not units:
        raise not_found("公文")
    return document, Access(issuer=issuer, units=units)


def _person(user: User | None) -> dict[str, Any] | None:
    return user_summary(user) if user is not None else None


def step_dicts(steps: list[DeliveryStep]) -> list[dict[str, Any]]:
    """A recipient's log: every step with its comment (拟办意见, 批示, 阅示, 办结 result ...)."""
    return [{"action": s.action, "label": s.get_action_display(), "by": _person(s.actor),
             "comment": s.comment or None, "at": iso(s.at),
             **({"data": s.data} if s.data else {})} for s in steps]


def recipient_dict(document: Document, delivery: Delivery, circulations: list[Circulation],
                   now: datetime, steps: list[DeliveryStep] | None = None,
                   files: list[Any] | None = None) -> dict[str, Any]:
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
        "circulation": [{"user": user_summary(c.reader), "position": c.position,
                         "queued_at": iso(c.queued_at), "sent_at": iso(c.sent_at),
                         "read_at": iso(c.read_at), "comment": c.comment or None,
                         "note": c.note or None} for c in circulations],
        "proposal": delivery.proposal or None,
        "instruction": delivery.instruction or None,
        "instructed_at": iso(delivery.instructed_at),
        "instructed_by": _person(delivery.instructed_by),
        "co_assignees": [user_summary(u) for u in delivery.co_assignees.all()],
        "handle_by": iso(delivery.handle_by),
        "result_files": [attachment_dict(f.attachment) for f in files or []],
        "resent_as": delivery.resent_as_id,
        "message": delivery.message_id,
        "log": step_dicts(steps or []),
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


def document_dict(document: Document, access: Access, *, with_log: bool = True,
                  viewer: User | None = None) -> dict[str, Any]:
    now = clock.now()
    deliveries = list(
        Delivery.objects.filter(document=document).select_related(
            "unit", "signed_by", "registered_by", "assigned_by", "assignee", "handled_by",
            "returned_by", "instructed_by").prefetch_related("co_assignees")
        .order_by("unit__sort_order", "unit__code"))
    circulations: dict[int, list[Circulation]] = {}
    for c in (Circulation.objects.filter(delivery__document=document).select_related("reader")
              .order_by("position", "id")):
        circulations.setdefault(c.delivery_id, []).append(c)
    visible = [d for d in deliveries if access.issuer or d.unit_id in access.units]
    steps: dict[int, list[DeliveryStep]] = {}
    for step in (DeliveryStep.objects.filter(delivery__in=visible).select_related("actor")
                 .order_by("at", "id")):
        steps.setdefault(step.delivery_id, []).append(step)
    results: dict[int, list[Any]] = {}
    for f in (DeliveryFile.objects.filter(delivery__in=visible).select_related("attachment")
              .order_by("position")):
        results.setdefault(f.delivery_id, []).append(f)
    files = list(document.files.select_related("attachment").order_by("position"))
    totals = (cards.totals(document, deliveries, now)
              if access.issuer and document.issued else None)
    view = drafts.chain_dicts(document, viewer=viewer, now=now) if viewer is not None else None
    planned = not document.issued
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
        "state": document.state,
        "state_label": document.get_state_display(),
        # The issuing unit's view of an issued document: every copy handled or returned.
        "progress": (("completed" if totals["handled"] + totals["returned"]
                      == totals["recipients"] else "sent") if totals else None),
        "round": document.round,
        "drafted_at": iso(document.drafted_at),
        "signed_off_at": iso(document.signed_off_at),
        "issued_by": _person(document.issued_by) if document.issued_by_id else None,
        "corrects": document.corrects_id,
        "chain": view.entries if view else [],
        "pdf": f"/api/v1/documents/{document.id}/pdf" if document.issued else None,
        "date": document.issued_on.isoformat(),
        "deadline": iso(document.deadline),
        "reply_required": document.reply_required,
        "sign_within_minutes": document.sign_within_minutes,
        "unit": {"id": document.unit.id, "code": document.unit.code, "name": document.unit.name},
        "sender": user_summary(document.sender),
        "sent_at": iso(document.sent_at),
        "recipients": [recipient_dict(document, d, circulations.get(d.id, []), now,
                                      steps.get(d.id, []), results.get(d.id, []))
                       for d in visible],
        "cc": (drafts.codes(document.planned_cc) if planned
               else [d.unit.code for d in deliveries if d.kind == Delivery.Kind.CC]),
        "main": (drafts.codes(document.planned_main) if planned
                 else [d.unit.code for d in deliveries if d.kind == Delivery.Kind.MAIN]),
        "totals": totals,
        "attachments": [attachment_dict(f.attachment) for f in files],
        "seal": seal_dict(document),
        "tracking_message": document.tracking_message_id if access.issuer else None,
        "viewer": {"issuer": access.issuer,
                   "units": sorted(d.unit.code for d in visible if d.unit_id in access.units),
                   "actions": view.actions if view else [],
                   "may_edit": bool(viewer and not document.issued
                                    and drafts.may_edit(user=viewer, document=document))},
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
        "box": "sent" if issuer else "received", "state": document.state,
        "totals": cards.totals(document, deliveries, now) if issuer else None,
        "mine": [{"unit": d.unit.code, "state": d.state, "message": d.message_id,
                  "overdue": cards.is_overdue(d, document, now)} for d in mine],
    }


def documents_for(*, user: User, box: str, q: str, limit: int, offset: int) -> dict[str, Any]:
    """The documents the caller's units sent or received, newest first; `drafts`: drafts the
    caller wrote or is in the chain of (newest first)."""
    units = _unit_ids(user)
    if box == "drafts":
        mine = (Q(sender=user) | Q(chain_steps__places__user=user)
                | Q(chain_steps__places__decided_by=user))
        qs: QuerySet[Document] = Document.objects.exclude(state=Document.State.ISSUED).filter(mine)
        ids = list(qs.order_by("-drafted_at", "-id").values_list("id", flat=True).distinct())
        page = ids[offset:offset + limit]
        drafts = {d.id: d for d in Document.objects.filter(id__in=page).select_related("unit")}
        return {"total": len(ids), "results": [{
            "id": d.id, "doc_type": d.doc_type, "number": d.number, "title": d.title,
            "urgency": d.urgency, "unit": {"code": d.unit.code, "name": d.unit.name},
            "state": d.state, "state_label": d.get_state_display(),
            "drafted_at": iso(d.drafted_at), "box": "drafts"} for d in (drafts[i] for i in page)]}
    sent = Q(unit_id__in=units)
    received = (Q(deliveries__unit_id__in=units) | Q(deliveries__assignee=user)
                | Q(deliveries__co_assignees=user)
                | Q(deliveries__circulations__reader=user,
                    deliveries__circulations__sent_at__isnull=False))
    condition = {"sent": sent, "received": received}.get(box, sent | received)
    qs = Document.objects.filter(condition, state=Document.State.ISSUED)
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
        "drafting_units": drafting_units(user=user),
        "max_attachment_bytes": min(settings.HUITONG_DOC_MAX_ATTACHMENT_BYTES,
                                    settings.HUITONG_MAX_UPLOAD_BYTES * 20),
        "max_file_bytes": settings.HUITONG_MAX_UPLOAD_BYTES,
        "sign_within_minutes": settings.HUITONG_DOC_SIGN_WITHIN_MINUTES,
    }


def drafting_units(*, user: User) -> list[dict[str, Any]]:
    """The units the caller may draft for (any membership), each with its rules (whether it
    may send without the chain, its 机关代字) and its leaders, who may sign off (签发)."""
    units = [m.unit for m in UnitMembership.objects.filter(user=user).select_related("unit")
             .order_by("unit__sort_order", "unit__code")]
    found = {s.unit_id: s for s in UnitDocumentSettings.objects.filter(unit__in=units)}
    leaders: dict[int, list[User]] = {}
    for m in (UnitMembership.objects.filter(unit__in=units, role=UnitMembership.Role.LEADER,
                                            user__is_active=True)
              .select_related("user").order_by("id")):
        leaders.setdefault(m.unit_id, []).append(m.user)
    out = []
    for unit in units:
        row = found.get(unit.id)
        out.append({"code": unit.code, "name": unit.name, "short_name": unit.short_name,
                    "direct_issue": row.direct_issue if row else True,
                    "number_code": (row.number_code if row else "") or unit.short_name
                    or unit.name,
                    "leaders": [user_summary(u) for u in leaders.get(unit.id, [])
                                if u.id != user.id]})
    return out


def verification(document: Document) -> dict[str, Any]:
    """`GET /documents/{id}/verify`: the seal (for an issued document), and every decision
    signature of its chain; `valid` only when all hold."""
    decisions = drafts.verify_decisions(document)
    if document.issued:
        out = sealing.verify(document).as_dict()
    else:
        out = {"valid": True, "seal": None, "signed_at": None, "reason": "公文尚未印发，没有签章"}
    out["decisions"] = decisions["decisions"]
    if decisions["decisions"]:
        out["decisions_reason"] = decisions["reason"]
    if out["valid"] and not decisions["valid"]:
        out["valid"], out["reason"] = False, decisions["reason"]
    return out


# --- the unit's rules for its outgoing documents -----------------------------------------------
SETTINGS_ROLES = (UnitMembership.Role.LEADER, UnitMembership.Role.ADMIN)


def access_unit_settings(*, user: User, code: str) -> Unit:
    """A unit whose document settings the caller may read: its members (the admins and
    leaders may change them)."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not (user.is_superuser or unit.id in managed_unit_ids(user)
                            or UnitMembership.objects.filter(unit=unit, user=user).exists()):
        raise not_found("单位")
    return unit


def may_change_settings(*, user: User, unit: Unit) -> bool:
    """The unit's own leaders and administrators, and whoever administers a unit above it."""
    return (user.is_superuser or unit.id in managed_unit_ids(user)
            or UnitMembership.objects.filter(unit=unit, user=user, role__in=SETTINGS_ROLES).exists())


def unit_settings_dict(unit: Unit, *, user: User) -> dict[str, Any]:
    found = drafts.unit_settings(unit)
    return {"unit": {"code": unit.code, "name": unit.name},
            "number_code": drafts.number_code(unit), "masthead": drafts.masthead(unit),
            "direct_issue": found.direct_issue,
            "may_change": may_change_settings(user=user, unit=unit)}
