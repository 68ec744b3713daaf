"""The living card over the WebSocket: the requester, watching, sees the card change as the
approver decides, without asking again."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from tests.bots.approvals.conftest import card_message, three_steps

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_requester_sees_each_decision_live(demo: Any, api: Any, connect: Any) -> None:
    tokens = {}
    for name in ("clerk", "staff1"):
        tokens[name] = await database_sync_to_async(lambda n=name: api(n).token)()
    requester = await connect(token=tokens["clerk"])
    approver = await connect(token=tokens["staff1"])
    response = await database_sync_to_async(api("clerk").post)(
        "/approvals", three_steps(steps=[["staff1"]]))
    assert response.status_code == 201
    approval = response.json()
    mine = (await requester.recv_type("message"))["message"]
    assert mine["card"]["card_type"] == "approval" and mine["card"]["actions"] == []
    card = (await approver.recv_type("message"))["message"]
    assert [a["action"] for a in card["card"]["actions"]] == ["approve", "return", "reject"]
    assert card["id"] == await database_sync_to_async(card_message)(approval["id"], "staff1")

    await approver.send({"type": "action", "message": card["id"], "action": "approve",
                         "comment": "同意。", "client_id": "ok-1"})
    ack = await approver.recv_type("ack")
    assert ack["message"]["card"]["state"] == "approved" and ack["message"]["card"]["actions"] == []
    live = await requester.updated(lambda m: m["id"] == mine["id"])
    assert live["card"]["state"] == "approved"
    assert any("同意“同意。”" in f["value"] for f in live["card"]["fields"])
    told = await requester.recv_type("message")
    assert "同意了您的申请" in told["message"]["body"]
