"""Documents in the archive: the kinds 收文 (a recipient unit's handled copy) and 发文 (an
issued document, in its issuing unit), registered with archive/registry.py.

A received copy is fileable once its unit has handled it; an outgoing document once every copy
is handled or returned, or earlier when a clerk or leader of the issuing unit files it by hand.
Each is filed with the DA/T 46 metadata, its files (the sealed attachments and the document's
GB/T 9704 PDF beside them), the result of checking the seal (and, for a document that went
through 核稿 and 签发, every decision signature), and, for a received copy, its handling log.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from archive.registry import ArchivableKind, Filing, Logged, register
from bots.documents import drafts, pdf, sealing
from bots.documents.models import Delivery, DeliveryStep, Document
from hub.lib.errors import ApiError, forbidden, not_found
from hub.lib.times import iso
from hub.org.models import UnitMembership, User
from hub.seals.signing import precise_iso

OPEN_STATES = [Delivery.State.DELIVERED, Delivery.State.SIGNED, Delivery.State.REGISTERED,
               Delivery.State.ASSIGNED]
MANAGER_ROLES = [UnitMembership.Role.CLERK, UnitMembership.Role.LEADER, UnitMembership.Role.ADMIN]

# Outgoing documents of these kinds set policy or make decisions: kept for good.
PERMANENT_TYPES = frozenset({"决议", "决定", "命令", "公报", "公告", "通告", "意见", "议案"})

EVENT_LABELS = {
    "document.drafted": "拟稿", "document.decided": "核稿签发", "document.resubmitted": "修改后重新送审",
    "document.edited": "修改", "document.issued": "用印分发",
    "document.sent": "发文", "document.delivered": "送达", "document.signed": "签收",
    "document.registered": "登记", "document.proposed": "拟办", "document.instructed": "批办",
    "document.assigned": "指派承办", "document.handled": "办结", "document.answered": "答复",
    "document.returned": "退回", "document.resent": "更正重发", "document.circulated": "传阅",
    "document.read": "阅读", "document.reminded": "催办", "document.escalated": "督办升级",
    "document.archived": "归档",
}
METADATA_ORDER = ("紧急程度", "签发人", "发文人", "主送", "抄送", "附注", "附件数", "收文编号",
                  "收文类别", "拟办意见", "批办意见", "承办人", "协办人", "办结人", "办结时间",
                  "办理结果", "办理记录", "办理情况", "核稿签发记录", "电子签章")


def outgoing_retention(doc_type: str) -> str:
    return "permanent" if doc_type in PERMANENT_TYPES else "30y"


def incoming_retention(*, assigned: bool, reply_required: bool) -> str:
    """A document the unit had to act on (承办件) is kept 30 years; one it only read (阅知件)
    10 years."""
    return "30y" if assigned or reply_required else "10y"


def _files(document: Document) -> list[dict[str, Any]]:
    out = [{"name": f.name, "size": f.size, "sha256": f.sha256, "attachment": f.attachment_id}
           for f in document.files.order_by("position")]
    rendition = pdf.stored(document)
    if rendition is not None:
        out.append({"name": rendition.name, "size": rendition.size,
                    "sha256": rendition.sha256, "attachment": rendition.id, "rendition": "pdf"})
    return out


def _metadata(document: Document, files: list[dict[str, Any]]) -> dict[str, Any]:
    deliveries = list(document.deliveries.select_related("unit").order_by("unit__sort_order",
                                                                          "unit__code"))
    seal = document.signature
    decisions = drafts.archive_record(document)
    out = {
        "题名": document.title, "责任者": document.unit.name, "文件编号": document.number,
        "日期": document.issued_on.isoformat(), "文种": document.doc_type,
        "密级": document.get_secrecy_display(), "紧急程度": document.get_urgency_display(),
        "签发人": document.signer, "附注": document.notes,
        "主送": "、".join(d.unit.name for d in deliveries if d.kind == Delivery.Kind.MAIN),
        "抄送": "、".join(d.unit.name for d in deliveries if d.kind == Delivery.Kind.CC),
        "附件数": len([f for f in files if not f.get("rendition")]),
        "电子签章": ({"印章": seal.key.seal_name, "密钥标识": seal.key.key_id,
                      "算法": seal.alg, "签章时间": iso(seal.signed_at)} if seal else None),
    }
    if decisions:
        out["核稿签发记录"] = decisions
    return out


def _check(document: Document, hashes: dict[int, str] | None = None) -> tuple[bool, str]:
    """The seal, and every decision signature of a document that went through the chain."""
    seal = sealing.verify(document, hashes=hashes)
    if not seal.valid:
        return False, seal.reason
    decisions = drafts.verify_decisions(document)
    if not decisions["valid"]:
        return False, decisions["reason"]
    return True, seal.reason + ("；" + decisions["reason"] if decisions["decisions"] else "")


# --- 收文 -------------------------------------------------------------------------------------------
def prepare_delivery(delivery_id: int, actor: User | None, retention: str | None
                     ) -> Filing | None:
    delivery = (Delivery.objects.select_for_update(of=("self",))
                .select_related("unit", "document", "document__unit", "assignee",
                                "handled_by").filter(id=delivery_id).first())
    if delivery is None or delivery.state != Delivery.State.HANDLED:
        return None
    document = delivery.document
    valid, detail = _check(document)
    files = _files(document)
    steps = [{"步骤": s.get_action_display(), "办理人": s.actor.name if s.actor else "",
              "意见": s.comment, "时间": iso(s.at)}
             for s in DeliveryStep.objects.filter(delivery=delivery).select_related("actor")
             .order_by("at", "id")]
    metadata = _metadata(document, files) | {
        "收文编号": delivery.incoming_number, "收文类别": delivery.get_kind_display(),
        "拟办意见": delivery.proposal, "批办意见": delivery.instruction,
        "承办人": delivery.assignee.name if delivery.assignee else "",
        "协办人": "、".join(u.name for u in delivery.co_assignees.all()),
        "办结人": delivery.handled_by.name if delivery.handled_by else "",
        "办结时间": iso(delivery.handled_at), "办理结果": delivery.reply,
        "办理记录": steps,
    }
    files += [{"name": f.name, "size": f.size, "sha256": f.sha256, "attachment": f.attachment_id,
               "role": "result"} for f in delivery.result_files.order_by("position")]
    steps_seen = [s["步骤"] for s in steps]
    if "拟办" not in steps_seen and delivery.proposal:
        metadata["办理记录"] = [{"步骤": "拟办", "办理人": "", "意见": delivery.proposal,
                              "时间": ""}, *steps]
    return Filing(unit=delivery.unit, year=document.issued_on.year,
                  retention=retention or incoming_retention(
                      assigned=delivery.assignee_id is not None,
                      reply_required=document.reply_required),
                  title=document.title, number=document.number, doc_type=document.doc_type,
                  day=document.issued_on, responsible=document.unit.name,
                  secrecy=document.get_secrecy_display(), metadata=metadata, files=files,
                  verified=valid, detail=detail, object_id=document.id)


def pending_deliveries(filed: QuerySet[Any], limit: int) -> list[int]:
    return list(Delivery.objects.filter(state=Delivery.State.HANDLED).exclude(id__in=filed)
                .order_by("handled_at", "id").values_list("id", flat=True)[:limit])


def handled_deliveries(rows: list[Logged]) -> list[int]:
    """The copies a `document.handled` event was about (its data names the unit)."""
    wanted = {(row.object_id, str(row.data.get("unit"))) for row in rows}
    found = Delivery.objects.filter(document_id__in={d for d, _ in wanted}).values_list(
        "id", "document_id", "unit__code")
    return [delivery for delivery, doc, code in found if (doc, code) in wanted]


def own_unit_only(entry: Any, logged: list[Any]) -> list[Any]:
    """A received copy's log: the sending and its own unit's steps."""
    return [e for e in logged if e.event in ("document.sent", "document.issued")
            or e.data.get("unit") == entry.unit.code]


# --- 发文 -------------------------------------------------------------------------------------------
def prepare_outgoing(document_id: int, actor: User | None, retention: str | None
                     ) -> Filing | None:
    document = (Document.objects.select_for_update(of=("self",))
                .select_related("unit", "signature", "signature__key", "sender")
                .filter(id=document_id, state=Document.State.ISSUED).first())
    if document is None:
        return None
    if actor is None and (not document.deliveries.exists() or document.deliveries.filter(
            state__in=OPEN_STATES).exists()):
        return None
    valid, detail = _check(document)
    states = list(document.deliveries.values_list("state", flat=True))
    files = _files(document)
    metadata = _metadata(document, files) | {
        "发文人": document.sender.name,
        "办理情况": f"共 {len(states)} 个单位，已办结 "
                    f"{states.count(Delivery.State.HANDLED)}，退回 "
                    f"{states.count(Delivery.State.RETURNED)}",
    }
    return Filing(unit=document.unit, year=document.issued_on.year,
                  retention=retention or outgoing_retention(document.doc_type),
                  title=document.title, number=document.number, doc_type=document.doc_type,
                  day=document.issued_on, responsible=document.unit.name,
                  secrecy=document.get_secrecy_display(), metadata=metadata, files=files,
                  verified=valid, detail=detail, object_id=document.id)


def pending_documents(filed: QuerySet[Any], limit: int) -> list[int]:
    return list(Document.objects.filter(state=Document.State.ISSUED, deliveries__isnull=False)
                .exclude(deliveries__state__in=OPEN_STATES).exclude(id__in=filed)
                .order_by("sent_at", "id").values_list("id", flat=True).distinct()[:limit])


def settled_documents(rows: list[Logged]) -> list[int]:
    return [row.object_id for row in rows if row.object_id is not None]


def manual_outgoing(user: User, document_id: int) -> int:
    """`POST /archive {"document": id}`: a clerk or leader of the issuing unit."""
    document = Document.objects.filter(id=document_id, state=Document.State.ISSUED).first()
    if document is None:
        raise not_found("公文")
    roles = set(UnitMembership.objects.filter(user=user, unit_id=document.unit_id)
                .values_list("role", flat=True))
    if not roles:
        if not Delivery.objects.filter(document=document, unit__memberships__user=user).exists():
            raise not_found("公文")
        raise forbidden("只有发文单位的收发员或领导可以归档发文")
    if not roles & set(MANAGER_ROLES):
        raise forbidden("只有发文单位的收发员或领导可以归档发文")
    if Document.objects.filter(id=document.id).filter(Q(deliveries__isnull=True)).exists():
        raise ApiError("conflict", "该公文尚未分发，不能归档")
    return document.id


# --- both ------------------------------------------------------------------------------------------
def verify_document(document_id: int, hashes: dict[int, str]) -> tuple[bool, str]:
    document = Document.objects.select_related("unit").filter(id=document_id).first()
    if document is None:
        return False, "公文已不存在"
    return _check(document, hashes)


def signatures(document_id: int) -> list[dict[str, Any]]:
    """The seal and the decision signatures, with the public keys and the signed bytes."""
    document = (Document.objects.select_related("signature", "signature__key",
                                                "signature__key__unit")
                .filter(id=document_id).first())
    if document is None:
        return []
    out = []
    signature = document.signature
    if signature is not None:
        key = signature.key
        out.append({"type": "seal", "subject": signature.subject, "unit": key.unit.code,
                    "seal_name": key.seal_name, "key_id": key.key_id, "alg": signature.alg,
                    "public_key": key.public_key, "signed_at": precise_iso(signature.signed_at),
                    "tbs": signature.tbs, "value": signature.value})
    return out + drafts.signature_records(document)


def register_kinds() -> None:
    common: dict[str, Any] = {"object_type": "document", "object_label": "公文", "verify": verify_document,
                              "signatures": signatures, "audience": "unit",
                              "event_labels": EVENT_LABELS, "metadata_order": METADATA_ORDER}
    register(ArchivableKind(
        kind="incoming", label="收文", class_code="SW", source_type="delivery",
        prepare=prepare_delivery, pending=pending_deliveries,
        events={"document.handled": handled_deliveries}, log_filter=own_unit_only, **common))
    register(ArchivableKind(
        kind="outgoing", label="发文", class_code="FW", source_type="document",
        prepare=prepare_outgoing, pending=pending_documents,
        events={"document.handled": settled_documents, "document.returned": settled_documents},
        manual_field="document", manual=manual_outgoing, **common))
