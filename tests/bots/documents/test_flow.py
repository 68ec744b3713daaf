"""The whole flow against PostgreSQL and Redis, watched over the WebSocket: send → a card in
each unit room, live → sign → assign (the handler's card arrives live) → complete → the
sender's tracking card counts it all, live."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from tests.bots.conftest import document_body

pytestmark = pytest.mark.django_db(transaction=True)


async def test_send_sign_assign_complete_seen_live(demo: Any, api: Any, connect: Any,
                                                   person: Any) -> None:
    await database_sync_to_async(person)("town1_handler", "town1", "staff", "刘承办")
    tokens = {}
    for name in ("clerk", "staff4", "staff5", "town1_handler"):
        tokens[name] = await database_sync_to_async(lambda n=name: api(n).token)()
    sender = await connect(token=tokens["clerk"])
    town1 = await connect(token=tokens["staff4"])
    town2 = await connect(token=tokens["staff5"])
    handler = await connect(token=tokens["town1_handler"])

    response = await database_sync_to_async(api("clerk").post)("/documents", document_body())
    assert response.status_code == 201
    document = response.json()

    # Each recipient unit's clerk sees the card arrive, with the buttons meant for them.
    for sock, room in ((town1, "town1"), (town2, "town2")):
        frame = await sock.recv_type("message")
        card = frame["message"]["card"]
        assert frame["message"]["room"] == demo["rooms"][room].id
        assert (card["card_type"], card["ref"], card["state"]) == ("document", document["id"],
                                                                   "delivered")
        assert [a["action"] for a in card["actions"]] == ["sign", "return"]
    # The handler (plain staff of town1) sees the same card without buttons.
    staff_view = (await handler.recv_type("message"))["message"]["card"]
    assert staff_view["actions"] == []
    tracking = (await sender.recv_type("message"))["message"]
    assert tracking["card"]["card_type"] == "document_tracking"
    assert tracking["card"]["totals"]["delivered"] == 3

    # 签收 over the socket: the clerk's ack and everyone's update; the sender's totals move.
    card_message = next(r["message"] for r in document["recipients"]
                        if r["unit"]["code"] == "town1")
    await town1.send({"type": "action", "message": card_message, "action": "sign",
                      "client_id": "sign-1"})
    ack = await town1.recv_type("ack")
    assert ack["client_id"] == "sign-1" and ack["message"]["card"]["state"] == "signed"
    update = await sender.updated(lambda m: m["id"] == tracking["id"])
    assert update["card"]["totals"]["signed"] == 1

    # 指派承办: the handler's card arrives in their direct room with the bot.
    await town1.send({"type": "action", "message": card_message, "action": "assign",
                      "assignee": "town1_handler"})
    joined = await handler.recv_type("room_joined")
    assert joined["room"]["kind"] == "direct"
    assigned = (await handler.recv_type("message"))["message"]
    assert assigned["room"] == joined["room"]["id"] and assigned["sender"]["username"] == "gongwen"
    assert [a["action"] for a in assigned["card"]["actions"]] == ["complete"]
    update = await sender.updated(lambda m: m["id"] == tracking["id"]
                                  and m["card"]["totals"]["assigned"] == 1)

    # 办结 by the handler: the unit's card and the sender's tracking card follow.
    await handler.send({"type": "action", "message": assigned["id"], "action": "complete",
                        "comment": "已按要求部署落实"})
    done = await town1.updated(lambda m: m["id"] == card_message and m["card"]["state"] == "handled")
    assert {"label": "办理结果", "value": "已按要求部署落实"} in done["card"]["fields"]
    update = await sender.updated(lambda m: m["id"] == tracking["id"]
                                  and m["card"]["totals"]["handled"] == 1)
    totals = update["card"]["totals"]
    assert (totals["delivered"], totals["signed"], totals["assigned"], totals["handled"],
            totals["unsigned"]) == (3, 1, 1, 1, 2)
    # town2 saw none of town1's handling.
    await town2.nothing(timeout=0.3, ignore=("presence", "typing", "todo"))

    detail = await database_sync_to_async(api("clerk").get)(f"/documents/{document['id']}")
    states = {r["unit"]["code"]: r["state"] for r in detail.json()["recipients"]}
    assert states == {"town1": "handled", "town2": "delivered", "town3": "delivered"}
