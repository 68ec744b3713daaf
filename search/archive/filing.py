"""Filing (归档): what was handled becomes an archive entry, once.

What is filed: deliveries handled by their unit (收文), documents whose every delivery is
handled or returned (发文), approvals approved or rejected (审批). The worker finds them two
ways. Every two seconds `file_recent` reads the audit log past its cursor for the events that
can make something fileable (`document.handled`, `document.returned`, `approval.settled`):
the log's seq grows in commit order, so nothing committed is passed over, and the cost follows
what happened since the last turn, not the size of the archive. Every ten minutes (and in
`manage.py archive_file`) `file_pending` looks for everything handled and not filed, which
catches what predates the archive and any item whose filing failed. Each item is filed in a transaction of its own that locks its source row, takes the
next 件号 of its series under the counter's row lock, checks the seal or the signatures,
and ends with the filing's entries in the audit log; the unique constraints make a second
filing of the same item fail instead of happening. A failure files nothing and is logged;
the next sweep tries again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from bots import clock
from bots.approvals import selectors as approval_selectors
from bots.approvals.models import Approval, ApprovalFile, StepApprover
from bots.documents import sealing
from bots.documents.models import Delivery, Document
from hub.lib.errors import ApiError, bad_request, not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.actions import ensure_password
from hub.org.models import Unit, UnitMembership, User
from hub.seals import audit
from hub.seals.canonical import canonical_json
from hub.seals.models import AuditEntry
from search.archive import rules
from search.archive.models import ArchiveCounter, ArchiveCursor, ArchiveEntry

logger = logging.getLogger("search.archive")

Kind = ArchiveEntry.Kind
Retention = ArchiveEntry.Retention
OPEN_STATES = [Delivery.State.DELIVERED, Delivery.State.SIGNED, Delivery.State.REGISTERED,
               Delivery.State.ASSIGNED]
SETTLED_APPROVALS = [Approval.State.APPROVED, Approval.State.REJECTED]
MANAGER_ROLES = [UnitMembership.Role.CLERK, UnitMembership.Role.LEADER, UnitMembership.Role.ADMIN]


# --- the sweep -----------------------------------------------------------------------------------
def pending_deliveries() -> list[int]:
    return list(Delivery.objects.filter(state=Delivery.State.HANDLED, archive_entry__isnull=True)
                .order_by("handled_at", "id").values_list("id", flat=True))


def pending_documents() -> list[int]:
    return list(Document.objects.filter(deliveries__isnull=False)
                .exclude(deliveries__state__in=OPEN_STATES)
                .exclude(archive_entries__kind=Kind.OUTGOING)
                .order_by("sent_at", "id").values_list("id", flat=True).distinct())


def pending_approvals() -> list[int]:
    return list(Approval.objects.filter(state__in=SETTLED_APPROVALS, archive_entry__isnull=True,
                                        requester__unit_memberships__isnull=False)
                .order_by("settled_at", "id").values_list("id", flat=True).distinct())


def file_pending(*, limit: int = 200) -> int:
    """File what is waiting, at most `limit` items of each class; the number filed."""
    return _file_all([(file_delivery, i) for i in pending_deliveries()[:limit]]
                     + [(file_outgoing, i) for i in pending_documents()[:limit]]
                     + [(file_approval, i) for i in pending_approvals()[:limit]])


EVENTS = ("document.handled", "document.returned", "approval.settled")


def file_recent(*, batch: int = 500) -> int:
    """File what the audit log's newest handling events made fileable; the number filed."""
    cursor, _ = ArchiveCursor.objects.get_or_create(id=1)
    # Every entry past the cursor, not only the events wanted: the cursor then moves past
    # everything read, and an idle turn is one lookup on the seq index.
    rows = list(AuditEntry.objects.filter(seq__gt=cursor.seq).order_by("seq")
                .values_list("seq", "event", "subject")[:batch])
    if not rows:
        return 0
    wanted = [seq for seq, event, _ in rows if event in EVENTS]
    data_of = dict(AuditEntry.objects.filter(seq__in=wanted).values_list("seq", "data"))
    handled = {int(subject.partition(":")[2]) for _, event, subject in rows
               if event == "document.handled" and subject.partition(":")[2].isdigit()}
    deliveries = {(doc, code): delivery for delivery, doc, code in Delivery.objects.filter(
        document_id__in=handled).values_list("id", "document_id", "unit__code")}
    work: list[tuple[Any, int]] = []
    for seq, event, subject in rows:
        kind, _, raw = subject.partition(":")
        if event not in EVENTS or not raw.isdigit():
            continue
        if event == "approval.settled":
            work.append((file_approval, int(raw)))
            continue
        if event == "document.handled":
            delivery = deliveries.get((int(raw), str((data_of.get(seq) or {}).get("unit"))))
            if delivery is not None:
                work.append((file_delivery, delivery))
        work.append((file_outgoing, int(raw)))
    filed = _file_all(list(dict.fromkeys(work)))
    ArchiveCursor.objects.filter(id=1, seq=cursor.seq).update(seq=rows[-1][0])
    return filed


def _file_all(work: list[tuple[Any, int]]) -> int:
    filed = 0
    for action, source_id in work:
        try:
            if action(source_id) is not None:
                filed += 1
        except IntegrityError:
            pass  # filed meanwhile by someone else
        except ApiError as exc:
            logger.info("not filed: %s %s: %s", action.__name__, source_id, exc.detail)
        except Exception:
            logger.exception("filing %s %s failed", action.__name__, source_id)
    return filed


# --- filing one item ------------------------------------------------------------------------------
def _next_item_no(unit: Unit, year: int, retention: str, kind: str) -> int:
    ArchiveCounter.objects.get_or_create(unit=unit, year=year, retention=retention, kind=kind)
    counter = ArchiveCounter.objects.select_for_update().get(
        unit=unit, year=year, retention=retention, kind=kind)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _content_sha256(metadata: dict[str, Any], files: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json({"metadata": metadata, "files": files})).hexdigest()


def _create(*, unit: Unit, kind: str, year: int, retention: str, title: str, number: str,
            doc_type: str, day: date, responsible: str, secrecy: str,
            metadata: dict[str, Any], files: list[dict[str, Any]], verified: bool,
            detail: str, actor: User | None, now: datetime, source: str,
            **links: Any) -> ArchiveEntry:
    item_no = _next_item_no(unit, year, retention, kind)
    archive_no = rules.archive_number(unit_code=unit.code, year=year, retention=retention,
                                      kind=kind, item_no=item_no)
    labels = {"档号": archive_no, "全宗号": rules.fonds_code(unit.code), "门类": "文书",
              "年度": str(year), "保管期限": Retention(retention).label,
              "机构（问题）": Kind(kind).label, "件号": f"{item_no:04d}",
              "归档时间": iso(now), "归档人": actor.name if actor else "系统自动归档",
              "真实性与完整性检测": "通过" if verified else f"未通过：{detail}"}
    metadata = {**labels, **metadata}
    entry = ArchiveEntry.objects.create(
        unit=unit, kind=kind, year=year, retention=retention, item_no=item_no,
        archive_no=archive_no, title=title[:200], number=number, doc_type=doc_type,
        date=day, responsible=responsible[:200], secrecy=secrecy, metadata=metadata,
        files=files, verified=verified, verify_detail=detail[:300],
        content_sha256=_content_sha256(metadata, files), filed_at=now, filed_by=actor,
        **links)
    data = {"archive_no": archive_no, "unit": unit.code, "source": source,
            "retention": retention, "content_sha256": entry.content_sha256}
    event = f"{source.split(':')[0]}.archived"
    logged = audit.append([
        audit.Event(event="archive.filed", subject=entry.subject,
                    actor_id=actor.id if actor else None, data=data, at=now),
        audit.Event(event=event, subject=source, actor_id=actor.id if actor else None,
                    data={"unit": unit.code, "archive_no": archive_no}, at=now),
    ])
    entry.seq = logged[0].seq
    entry.save(update_fields=["seq"])
    return entry


def _document_files(document: Document) -> list[dict[str, Any]]:
    return [{"name": f.name, "size": f.size, "sha256": f.sha256, "attachment": f.attachment_id}
            for f in document.files.order_by("position")]


def _document_metadata(document: Document, files: list[dict[str, Any]]) -> dict[str, Any]:
    deliveries = list(document.deliveries.select_related("unit").order_by("unit__sort_order",
                                                                          "unit__code"))
    seal = document.signature
    return {
        "题名": document.title, "责任者": document.unit.name, "文件编号": document.number,
        "日期": document.issued_on.isoformat(), "文种": document.doc_type,
        "密级": document.get_secrecy_display(), "紧急程度": document.get_urgency_display(),
        "签发人": document.signer, "附注": document.notes,
        "主送": "、".join(d.unit.name for d in deliveries if d.kind == Delivery.Kind.MAIN),
        "抄送": "、".join(d.unit.name for d in deliveries if d.kind == Delivery.Kind.CC),
        "附件数": len(files),
        "电子签章": ({"印章": seal.key.seal_name, "密钥标识": seal.key.key_id,
                      "算法": seal.alg, "签章时间": iso(seal.signed_at)} if seal else None),
    }


def file_delivery(delivery_id: int, *, actor: User | None = None) -> ArchiveEntry | None:
    """A handled delivery filed in its unit (收文)."""
    now = clock.now()
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",))
                    .select_related("unit", "document", "document__unit", "assignee",
                                    "handled_by").filter(id=delivery_id).first())
        if (delivery is None or delivery.state != Delivery.State.HANDLED
                or ArchiveEntry.objects.filter(delivery=delivery).exists()):
            return None
        document = delivery.document
        check = sealing.verify(document)
        retention = rules.incoming_retention(assigned=delivery.assignee_id is not None,
                                             reply_required=document.reply_required)
        files = _document_files(document)
        metadata = _document_metadata(document, files) | {
            "收文编号": delivery.incoming_number, "收文类别": delivery.get_kind_display(),
            "承办人": delivery.assignee.name if delivery.assignee else "",
            "办结人": delivery.handled_by.name if delivery.handled_by else "",
            "办结时间": iso(delivery.handled_at), "办理结果": delivery.reply,
        }
        return _create(unit=delivery.unit, kind=Kind.INCOMING, year=document.issued_on.year,
                       retention=retention, title=document.title, number=document.number,
                       doc_type=document.doc_type, day=document.issued_on,
                       responsible=document.unit.name, secrecy=document.get_secrecy_display(),
                       metadata=metadata, files=files,
                       verified=check.valid, detail=check.reason, actor=actor, now=now,
                       source=document.subject, document=document, delivery=delivery)


def file_outgoing(document_id: int, *, actor: User | None = None,
                  retention: str | None = None) -> ArchiveEntry | None:
    """A document filed in its issuing unit (发文): by the sweep once every delivery is
    settled, or earlier by `actor`."""
    now = clock.now()
    with transaction.atomic():
        document = (Document.objects.select_for_update(of=("self",))
                    .select_related("unit", "signature", "signature__key")
                    .filter(id=document_id).first())
        if document is None:
            return None
        if ArchiveEntry.objects.filter(document=document, kind=Kind.OUTGOING).exists():
            if actor is not None:
                raise ApiError("conflict", "该公文已归档")
            return None
        if actor is None and (not document.deliveries.exists() or document.deliveries.filter(
                state__in=OPEN_STATES).exists()):
            return None
        check = sealing.verify(document)
        states = list(document.deliveries.values_list("state", flat=True))
        files = _document_files(document)
        metadata = _document_metadata(document, files) | {
            "发文人": document.sender.name,
            "办理情况": f"共 {len(states)} 个单位，已办结 "
                        f"{states.count(Delivery.State.HANDLED)}，退回 "
                        f"{states.count(Delivery.State.RETURNED)}",
        }
        return _create(unit=document.unit, kind=Kind.OUTGOING, year=document.issued_on.year,
                       retention=retention or rules.outgoing_retention(document.doc_type),
                       title=document.title, number=document.number,
                       doc_type=document.doc_type, day=document.issued_on,
                       responsible=document.unit.name, secrecy=document.get_secrecy_display(),
                       metadata=metadata, files=files,
                       verified=check.valid, detail=check.reason, actor=actor, now=now,
                       source=document.subject, document=document)


def requester_unit(approval: Approval) -> Unit | None:
    membership = (UnitMembership.objects.filter(user_id=approval.requester_id)
                  .select_related("unit").order_by("id").first())
    return membership.unit if membership else None


def file_approval(approval_id: int) -> ArchiveEntry | None:
    """A settled approval filed in its requester's first unit (审批)."""
    now = clock.now()
    with transaction.atomic():
        approval = (Approval.objects.select_for_update(of=("self",)).select_related("requester")
                    .filter(id=approval_id).first())
        if (approval is None or approval.state not in SETTLED_APPROVALS
                or ArchiveEntry.objects.filter(approval=approval).exists()):
            return None
        unit = requester_unit(approval)
        if unit is None:
            return None
        settled = timezone.localtime(approval.settled_at or now)
        check = approval_selectors.verify(approval)
        decisions = [
            {"轮次": p.step.round, "步骤": p.step.index + 1, "审批人": p.user.name,
             "决定": p.get_decision_display(), "意见": p.comment,
             "决定人": p.decided_by.name if p.decided_by else "",
             "时间": iso(p.decided_at)}
            for p in StepApprover.objects.filter(step__approval=approval).exclude(decision="")
            .select_related("step", "user", "decided_by")
            .order_by("step__round", "step__index", "position")]
        files = [{"name": f.name, "size": f.attachment.size, "sha256": f.sha256,
                  "attachment": f.attachment_id}
                 for f in ApprovalFile.objects.filter(approval=approval)
                 .select_related("attachment").order_by("position")]
        number = f"审批〔{settled.year}〕{approval.id}号"
        metadata = {
            "题名": approval.title, "责任者": approval.requester.name, "文件编号": number,
            "日期": settled.date().isoformat(), "文种": "审批单", "密级": "非密",
            "申请单位": unit.name, "申请时间": iso(approval.created_at),
            "审批结果": approval.get_state_display(), "轮次": approval.round,
            "内容": approval.body, "附件数": len(files), "审批记录": decisions,
        }
        return _create(unit=unit, kind=Kind.APPROVAL, year=settled.year,
                       retention=rules.approval_retention(), title=approval.title,
                       number=number, doc_type="", day=settled.date(),
                       responsible=approval.requester.name, secrecy="非密", metadata=metadata,
                       files=files, verified=bool(check["valid"]), detail=check["reason"],
                       actor=None, now=now, source=approval.subject, approval=approval)


def file_now(*, user: User, document_id: Any, retention: str | None) -> ArchiveEntry:
    """`POST /archive`: a clerk or leader of the issuing unit files an outgoing document."""
    doc_id = as_id(document_id)
    document = Document.objects.filter(id=doc_id).first() if doc_id else None
    if document is None:
        raise not_found("公文")
    roles = set(UnitMembership.objects.filter(user=user, unit_id=document.unit_id)
                .values_list("role", flat=True))
    if not roles:
        if not Delivery.objects.filter(document=document, unit__memberships__user=user).exists():
            raise not_found("公文")
        raise ApiError("forbidden", "只有发文单位的收发员或领导可以归档发文")
    if not roles & set(MANAGER_ROLES):
        raise ApiError("forbidden", "只有发文单位的收发员或领导可以归档发文")
    if retention is not None and retention not in Retention.values:
        raise bad_request("保管期限只能是 permanent（永久）、30y（定期30年）或 10y（定期10年）")
    entry = file_outgoing(document.id, actor=user, retention=retention)
    if entry is None:
        raise not_found("公文")
    return entry


# --- the demo's archive system account ----------------------------------------------------------
ARCHIVIST = "archivist"


def ensure_archivist(password: str) -> None:
    """The demo's account for an outside archive system (区档案馆), with the permission to
    read and export every unit's archive and the demo users' password (a `seed_demo` hook)."""
    user, _ = User.objects.update_or_create(username=ARCHIVIST,
                                            defaults={"display_name": "区档案馆（接口）"})
    ensure_password(user=user, password=password)
    user.user_permissions.add(Permission.objects.get(codename="view_all_archives",
                                                     content_type__app_label="archive"))
