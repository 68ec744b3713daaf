"""Reads shared by the approval services, selectors and reminders: the bot, the request's
rounds and steps, the active deputies (代批), the living card, and what a decision's signature
covers. Nothing here writes; the services import it, and so do the selectors and reminders,
which import no service."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from bots.approvals import cards
from bots.approvals.models import Approval, ApprovalFile, Revision, Step, StepApprover
from bots.decisions import active_delegations
from bots.runtime import BotContext, get_bot
from hub.seals.signing import precise_iso

APPROVAL_BOT = "shenpi"


def approval_bot() -> BotContext:
    return get_bot(APPROVAL_BOT).context()


def summary(approval: Approval) -> str:
    return f"【审批】{approval.title}（{approval.requester.name}）"


def rounds_of(approval: Approval) -> dict[int, list[Step]]:
    steps = (Step.objects.filter(approval=approval)
             .prefetch_related("approvers__user", "approvers__decided_by").order_by("round", "index"))
    out: dict[int, list[Step]] = {}
    for step in steps:
        out.setdefault(step.round, []).append(step)
    return out


def card_for(approval: Approval, *, now: datetime) -> dict[str, Any]:
    rounds = rounds_of(approval)
    approver_ids = [p.user_id for s in rounds.get(approval.round, []) for p in s.approvers.all()]
    deputies: dict[int, list[int]] = {}
    for delegation in active_delegations(approver_ids, now=now):
        deputies.setdefault(delegation.principal_id, []).append(delegation.deputy_id)
    return cards.approval_card(approval, rounds, deputies)


def decision_content(approval: Approval, step: Step, place: StepApprover) -> dict[str, Any]:
    """What a decision's signature covers: the request as it read in that round (title, a
    digest of the body and of each file), the step, who decided for whom, what and when."""
    revision = Revision.objects.get(approval=approval, round=step.round)
    files = list(ApprovalFile.objects.filter(approval=approval).order_by("position")
                 .values_list("name", "sha256"))
    return {
        "approval": approval.id, "title": revision.title,
        "body_sha256": hashlib.sha256(revision.body.encode("utf-8")).hexdigest(),
        "files": [{"name": name, "sha256": digest} for name, digest in files],
        "requester": approval.requester.username, "round": step.round, "step": step.index,
        "mode": step.mode, "approver": place.user.username,
        "decided_by": place.decided_by.username if place.decided_by else None,
        "delegation": place.delegation_id, "decision": place.decision, "comment": place.comment,
        "decided_at": precise_iso(place.decided_at) if place.decided_at else None,
    }
