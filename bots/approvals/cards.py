"""The approval card: one living card, the same in every place it is shown (the room where
it was asked, the requester's and each approver's direct room with the bot). Approvers of
the current step (and their deputies) see 同意 / 退回 / 不同意, each with an optional opinion
(`comment: "optional"`) and common phrases (`phrases`); the requester of a returned request
sees 重新提交; everyone else sees the status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from bots.approvals.models import Approval, Step, StepApprover
from hub.lib.times import iso

CARD_TYPE = "approval"
DECISION_LABELS = {"approve": "同意", "reject": "不同意", "return": "退回"}
STEP_OUTCOME = {"approve": Step.State.APPROVED, "reject": Step.State.REJECTED,
                "return": Step.State.RETURNED}
APPROVAL_OUTCOME = {"approve": Approval.State.APPROVED, "reject": Approval.State.REJECTED,
                    "return": Approval.State.RETURNED}
# 常用语: offered beside the opinion field.
PHRASES = {
    "approve": ["同意。", "同意，请按程序办理。", "同意，请抓紧落实。", "已阅，同意。"],
    "return": ["请补充材料后重新提交。", "请修改后再报。", "请进一步核实后再报。"],
    "reject": ["不同意。", "暂不同意，请进一步研究。"],
}
MAX_BODY = 300


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.name}


def signer_text(place: StepApprover) -> str:
    """"李明" or, for a deputy's decision, "张三（代李明批）"."""
    if place.decided_by_id and place.decided_by_id != place.user_id and place.decided_by:
        return f"{place.decided_by.name}（代{place.user.name}批）"
    return place.user.name


def place_text(place: StepApprover, step: Step) -> str:
    if not place.decision:
        if step.state == Step.State.ACTIVE:
            return f"{place.user.name}：待审批"
        if step.state == Step.State.WAITING:
            return f"{place.user.name}：未开始"
        return f"{place.user.name}：未审批"
    text = f"{signer_text(place)}：{DECISION_LABELS[place.decision]}"
    if place.comment:
        text += f"“{place.comment}”"
    return f"{text} {local_time(place.decided_at)}"


def step_label(step: Step) -> str:
    count = len(step.approvers.all())
    kind = f"（{step.get_mode_display()}）" if count > 1 else ""
    return f"第{step.index + 1}步{kind}"


def step_dict(step: Step) -> dict[str, Any]:
    return {
        "index": step.index, "round": step.round, "mode": step.mode,
        "mode_label": step.get_mode_display(), "state": step.state,
        "state_label": step.get_state_display(), "started_at": iso(step.started_at),
        "settled_at": iso(step.settled_at),
        "approvers": [{
            "user": _person(p.user), "decision": p.decision or None,
            "decision_label": DECISION_LABELS.get(p.decision, "待审批"),
            "comment": p.comment or None, "decided_at": iso(p.decided_at),
            "decided_by": _person(p.decided_by) if p.decided_by_id else None,
            "proxy": bool(p.decided_by_id and p.decided_by_id != p.user_id),
            "signed": p.signature_id is not None,
        } for p in step.approvers.all()],
    }


def state_label(approval: Approval, steps: Sequence[Step]) -> str:
    if approval.state == Approval.State.PENDING:
        return f"审批中（第{approval.current_step + 1}步，共{len(steps)}步）"
    return approval.get_state_display()


def _action(action: str, label: str, style: str, users: Sequence[int], **extra: Any) -> dict[str, Any]:
    return {"action": action, "label": label, "style": style, "users": sorted(set(users)), **extra}


def deciders(step: Step | None, deputies: dict[int, list[int]]) -> list[int]:
    """Who may decide now: the current step's approvers who have not, and their deputies."""
    if step is None or step.state != Step.State.ACTIVE:
        return []
    users: set[int] = set()
    for place in step.approvers.all():
        if not place.decision:
            users.add(place.user_id)
            users.update(deputies.get(place.user_id, []))
    return sorted(users)


def approval_card(approval: Approval, rounds: dict[int, list[Step]],
                  deputies: dict[int, list[int]]) -> dict[str, Any]:
    """`rounds`: each round's steps with their approvers; `deputies`: approvers' active
    deputies by approver id."""
    steps = rounds.get(approval.round, [])
    current = steps[approval.current_step] if approval.current_step < len(steps) else None
    body = approval.body if len(approval.body) <= MAX_BODY else approval.body[:MAX_BODY] + "……"
    fields = [{"label": "申请人", "value": approval.requester.name},
              {"label": "提交时间", "value": local_time(approval.created_at)}]
    if body:
        fields.append({"label": "内容", "value": body})
    fields.append({"label": "状态", "value": state_label(approval, steps)})
    for earlier in sorted(r for r in rounds if r < approval.round):
        settled = [p for s in rounds[earlier] for p in s.approvers.all()
                   if p.decision and p.decision != "approve"]
        text = "；".join(f"{step_label(p.step)} {place_text(p, p.step)}" for p in settled)
        fields.append({"label": f"第{earlier}轮", "value": text or "已退回"})
    for step in steps:
        fields.append({"label": step_label(step),
                       "value": "；".join(place_text(p, step) for p in step.approvers.all())})
    actions = []
    if approval.state == Approval.State.PENDING:
        users = deciders(current, deputies)
        if users:
            actions = [
                _action("approve", "同意", "primary", users, comment="optional",
                        phrases=PHRASES["approve"]),
                _action("return", "退回", "default", users, comment="optional",
                        phrases=PHRASES["return"]),
                _action("reject", "不同意", "danger", users, comment="optional",
                        phrases=PHRASES["reject"]),
            ]
    elif approval.state == Approval.State.RETURNED:
        actions = [_action("resubmit", "重新提交", "primary", [approval.requester_id],
                           comment="optional", hint="修改说明")]
    return {
        "card_type": CARD_TYPE, "ref": approval.id, "title": approval.title,
        "state": approval.state, "state_label": state_label(approval, steps),
        "round": approval.round, "current_step": approval.current_step,
        "requester": _person(approval.requester), "body": body,
        "steps": [step_dict(s) for s in steps],
        "phrases": PHRASES,
        "fields": fields, "actions": actions,
    }
