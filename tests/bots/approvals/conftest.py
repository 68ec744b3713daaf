"""Approval helpers: the requester is the government office's clerk; the cards are found
through the requests' copies."""

from __future__ import annotations

from typing import Any

from bots.approvals.models import ApprovalMessage
from hub.chat.models import Message


def card_message(approval_id: int, username: str, kind: str = "approver") -> int:
    """The newest copy of the card in that person's direct room with the bot."""
    found = (ApprovalMessage.objects.filter(approval_id=approval_id, kind=kind,
                                            user__username=username)
             .order_by("-message_id").values_list("message_id", flat=True).first())
    assert found is not None, f"no {kind} card for {username}"
    return found


def room_card(approval_id: int) -> int:
    return ApprovalMessage.objects.get(approval_id=approval_id, kind="room").message_id


def told(username: str) -> list[str]:
    """Texts the approval bot sent to a person directly."""
    return list(Message.objects.filter(sender__username="shenpi", kind="text",
                                       room__kind="direct",
                                       room__members__user__username=username)
                .order_by("id").values_list("body", flat=True))


def three_steps(**overrides: Any) -> dict[str, Any]:
    """staff1, then a countersign of leader and staff2, then staff3."""
    body = {"title": "关于购置应急物资的请示", "body": "为做好冬季应急准备，拟购置应急物资一批，预算 8 万元。",
            "steps": [["staff1"], ["leader", "staff2"], ["staff3"]]}
    body.update(overrides)
    return body
