"""Approvals in the archive: the kind 审批, registered with archive/registry.py. A settled
request (approved or rejected) is filed in its requester's first unit with its decisions and
the result of checking their signatures; its requester, approvers and deciders see the entry,
as do the unit's clerks, leaders and admins."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from archive.registry import ArchivableKind, Filing, Logged, register
from bots import clock
from bots.approvals.models import Approval, ApprovalFile, StepApprover
from bots.approvals.selectors import verify
from hub.lib.times import iso
from hub.org.models import Unit, UnitMembership, User
from hub.seals.signing import precise_iso

SETTLED = [Approval.State.APPROVED, Approval.State.REJECTED]
EVENT_LABELS = {"approval.submitted": "提交申请", "approval.decided": "审批",
                "approval.settled": "审批结束", "approval.resubmitted": "修改后重新提交",
                "approval.reminded": "催办", "approval.archived": "归档"}
METADATA_ORDER = ("申请单位", "申请时间", "审批结果", "轮次", "内容", "附件数", "审批记录")


def requester_unit(approval: Approval) -> Unit | None:
    membership = (UnitMembership.objects.filter(user_id=approval.requester_id)
                  .select_related("unit").order_by("id").first())
    return membership.unit if membership else None


def prepare(approval_id: int, actor: User | None, retention: str | None) -> Filing | None:
    approval = (Approval.objects.select_for_update(of=("self",)).select_related("requester")
                .filter(id=approval_id).first())
    if approval is None or approval.state not in SETTLED:
        return None
    unit = requester_unit(approval)
    if unit is None:
        return None
    settled = timezone.localtime(approval.settled_at or clock.now())
    check = verify(approval)
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
    return Filing(unit=unit, year=settled.year, retention=retention or "10y",
                  title=approval.title, number=number, doc_type="", day=settled.date(),
                  responsible=approval.requester.name, secrecy="非密", metadata=metadata,
                  files=files, verified=bool(check["valid"]), detail=check["reason"],
                  object_id=approval.id)


def pending(filed: QuerySet[Any], limit: int) -> list[int]:
    return list(Approval.objects.filter(state__in=SETTLED, requester__unit_memberships__isnull=False)
                .exclude(id__in=filed).order_by("settled_at", "id")
                .values_list("id", flat=True).distinct()[:limit])


def settled(rows: list[Logged]) -> list[int]:
    return [row.object_id for row in rows if row.object_id is not None]


def involved(user: User) -> QuerySet[Any]:
    """The requests the user asked for, decides in or decided: their entries are theirs."""
    return Approval.objects.filter(
        Q(requester=user) | Q(steps__approvers__user=user)
        | Q(steps__approvers__decided_by=user)).values("id")


def verify_now(approval_id: int, hashes: dict[int, str]) -> tuple[bool, str]:
    approval = Approval.objects.select_related("requester").filter(id=approval_id).first()
    if approval is None:
        return False, "审批已不存在"
    result = verify(approval)
    return bool(result["valid"]), str(result["reason"])


def signatures(approval_id: int) -> list[dict[str, Any]]:
    out = []
    for place in (StepApprover.objects.filter(step__approval_id=approval_id)
                  .exclude(decision="").select_related("step", "user", "signature",
                                                      "signature__key", "signature__key__user")
                  .order_by("step__round", "step__index", "position")):
        signature = place.signature
        if signature is None:
            continue
        key = signature.key
        out.append({"type": "decision", "subject": signature.subject, "round": place.step.round,
                    "step": place.step.index + 1, "approver": place.user.username,
                    "signer": key.user.username, "key_id": key.key_id, "alg": signature.alg,
                    "public_key": key.public_key, "signed_at": precise_iso(signature.signed_at),
                    "tbs": signature.tbs, "value": signature.value})
    return out


def register_kind() -> None:
    register(ArchivableKind(
        kind="approval", label="审批", class_code="SP", source_type="approval",
        object_type="approval", object_label="审批", prepare=prepare, pending=pending,
        events={"approval.settled": settled}, verify=verify_now, signatures=signatures,
        audience="managers", involved=involved, event_labels=EVENT_LABELS,
        metadata_order=METADATA_ORDER))
