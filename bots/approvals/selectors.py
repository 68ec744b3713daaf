"""Reads: who may see a request, requests as the protocol writes them, and verifying the
signed decisions.

The requester, every approver named in it, whoever decided in it, their deputies, and the
members of the room where it was asked see it; anyone else gets `not_found`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from bots import clock
from bots.approvals import cards
from bots.approvals.common import card_for, decision_content, rounds_of
from bots.approvals.models import Approval, ApprovalMessage, Delegation, Revision, StepApprover
from hub.chat.models import RoomMember
from hub.chat.serializers import attachment_dict, user_summary
from hub.lib.errors import not_found
from hub.lib.ids import as_id
from hub.lib.times import iso
from hub.org.models import User
from hub.seals import audit, personal

FIELD_LABELS = {"title": "标题", "body_sha256": "申请内容", "files": "附件", "requester": "申请人",
                "round": "轮次", "step": "步骤", "mode": "审批方式", "approver": "审批人",
                "decided_by": "签批人", "delegation": "委托", "decision": "审批决定",
                "comment": "审批意见", "decided_at": "审批时间", "approval": "审批编号"}



def may_see(*, user: User, approval: Approval) -> bool:
    if approval.requester_id == user.id:
        return True
    places = StepApprover.objects.filter(step__approval=approval)
    if places.filter(Q(user=user) | Q(decided_by=user)).exists():
        return True
    if approval.room_id and RoomMember.objects.filter(room_id=approval.room_id,
                                                      user=user).exists():
        return True
    principals = places.values_list("user_id", flat=True)
    return Delegation.objects.filter(deputy=user, principal_id__in=principals,
                                     revoked_at__isnull=True).exists()


def access_approval(*, user: User, approval_id: Any) -> Approval:
    aid = as_id(approval_id)
    approval = (Approval.objects.select_related("requester").filter(id=aid).first()
                if aid else None)
    if approval is None or not may_see(user=user, approval=approval):
        raise not_found("审批")
    return approval


def access_delegation(*, user: User, delegation_id: Any) -> Delegation:
    did = as_id(delegation_id)
    delegation = (Delegation.objects.select_related("principal", "deputy")
                  .filter(id=did).filter(Q(principal=user) | Q(deputy=user)).first()
                  if did else None)
    if delegation is None:
        raise not_found("委托")
    return delegation


def delegation_dict(delegation: Delegation) -> dict[str, Any]:
    now = clock.now()
    active = (delegation.revoked_at is None and delegation.starts_at <= now < delegation.ends_at)
    return {"id": delegation.id, "principal": user_summary(delegation.principal),
            "deputy": user_summary(delegation.deputy), "start": iso(delegation.starts_at),
            "end": iso(delegation.ends_at), "note": delegation.note,
            "created_at": iso(delegation.created_at), "revoked_at": iso(delegation.revoked_at),
            "active": active}


def approval_dict(approval: Approval, *, viewer: User, with_log: bool = True) -> dict[str, Any]:
    now = clock.now()
    rounds = rounds_of(approval)
    revisions = {r.round: r for r in Revision.objects.filter(approval=approval)}
    card = card_for(approval, now=now)
    mine = [a["action"] for a in card["actions"] if viewer.id in a.get("users", [])]
    messages = ApprovalMessage.objects.filter(approval=approval).filter(
        Q(user=viewer) | Q(message__room__members__user=viewer)).order_by("-message_id")
    files = list(approval.files.select_related("attachment").order_by("position"))
    return {
        "id": approval.id, "title": approval.title, "body": approval.body,
        "state": approval.state, "state_label": card["state_label"],
        "round": approval.round, "current_step": approval.current_step,
        "requester": user_summary(approval.requester), "room": approval.room_id,
        "created_at": iso(approval.created_at), "updated_at": iso(approval.updated_at),
        "settled_at": iso(approval.settled_at),
        "attachments": [attachment_dict(f.attachment) for f in files],
        "steps": card["steps"],
        "rounds": [{"round": r, "title": revisions[r].title if r in revisions else "",
                    "body": revisions[r].body if r in revisions else "",
                    "note": revisions[r].note if r in revisions else "",
                    "submitted_at": iso(revisions[r].created_at) if r in revisions else None,
                    "steps": [cards.step_dict(s) for s in steps]}
                   for r, steps in sorted(rounds.items())],
        "phrases": cards.PHRASES,
        "viewer": {"requester": approval.requester_id == viewer.id, "actions": mine},
        "message": messages.values_list("message_id", flat=True).first(),
        "log": _log(approval) if with_log else None,
    }


def _log(approval: Approval) -> list[dict[str, Any]]:
    return [{"seq": e.seq, "at": iso(e.at), "event": e.event,
             "actor": user_summary(e.actor) if e.actor else None,
             "data": {k: v for k, v in e.data.items() if k not in ("title", "tbs_sha256")}}
            for e in audit.entries_for(subjects=[approval.subject])]


def approvals_for(*, user: User, box: str, limit: int, offset: int) -> dict[str, Any]:
    """`mine`: requested by the caller; `todo`: awaiting the caller's decision (or their
    deputy's, for those they stand in for); `done`: decided by the caller; `all`: any of
    these. Newest first."""
    now = clock.now()
    principals = list(Delegation.objects.filter(deputy=user, revoked_at__isnull=True,
                                                starts_at__lte=now, ends_at__gt=now)
                      .values_list("principal_id", flat=True))
    todo = Q(steps__state="active", steps__round=F("round"), steps__approvers__decision="",
             steps__approvers__user_id__in=[user.id, *principals], state="pending")
    mine = Q(requester=user)
    done = Q(steps__approvers__decided_by=user)
    involved = Q(steps__approvers__user=user)
    condition = {"mine": mine, "todo": todo, "done": done}.get(box, mine | todo | done | involved)
    ids = list(Approval.objects.filter(condition).order_by("-created_at", "-id")
               .values_list("id", flat=True).distinct())
    page = ids[offset:offset + limit]
    approvals = {a.id: a for a in Approval.objects.filter(id__in=page).select_related("requester")}
    todo_ids = set(Approval.objects.filter(todo, id__in=page).values_list("id", flat=True))
    return {"total": len(ids), "results": [{
        "id": a.id, "title": a.title, "state": a.state,
        "state_label": a.get_state_display(), "requester": user_summary(a.requester),
        "created_at": iso(a.created_at), "settled_at": iso(a.settled_at),
        "round": a.round, "current_step": a.current_step, "awaiting_me": a.id in todo_ids,
    } for a in (approvals[i] for i in page)]}


def verify(approval: Approval) -> dict[str, Any]:
    """Every signed decision checked against what the rows say now: {valid, decisions}."""
    places = list(StepApprover.objects.filter(step__approval=approval).exclude(decision="")
                  .select_related("step", "user", "decided_by", "signature", "signature__key",
                                  "signature__key__user")
                  .order_by("step__round", "step__index", "position"))
    decisions = []
    for place in places:
        content = decision_content(approval, place.step, place)
        result = personal.verify(signature=place.signature, subject=place.subject,
                                 content=content, describe=_describe)
        decisions.append({"id": place.id, "round": place.step.round, "step": place.step.index,
                          "approver": place.user.username,
                          "decided_by": place.decided_by.username if place.decided_by else None,
                          "decision": place.decision, **result.as_dict()})
    valid = all(d["valid"] for d in decisions)
    bad = next((d for d in decisions if not d["valid"]), None)
    reason = ("全部审批签名有效" if valid else
              f"第{bad['round']}轮第{bad['step'] + 1}步 {bad['approver']} 的审批：{bad['reason']}"
              if bad else "")
    return {"valid": valid, "reason": reason, "decisions": decisions}


def _describe(path: tuple[Any, ...]) -> str:
    if not path:
        return "签名内容"
    return f"“{FIELD_LABELS.get(str(path[0]), str(path[0]))}”"
