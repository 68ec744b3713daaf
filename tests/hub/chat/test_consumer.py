"""The WebSocket endpoint through the whole ASGI stack, against PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from channels.db import database_sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


async def tokens(api: Any, *names: str) -> list[str]:
    return [await database_sync_to_async(lambda n=n: api(n).token)() for n in names]


async def test_unauthenticated_socket_is_closed_with_4401(demo: Any, connect: Any) -> None:
    ws = await connect(token="not-a-token", expect_accept=False)
    assert ws.accepted
    out = await ws.comm.receive_output(timeout=2)
    assert out == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_refused_and_own_origin_accepted(
        demo: Any, api: Any, connect: Any) -> None:
    (token,) = await tokens(api, "clerk")
    refused = await connect(token=token, origin="https://evil.example.com", expect_accept=False)
    assert refused.accepted is False
    ok = await connect(token=token, origin="http://127.0.0.1:8000")
    await ok.send({"type": "ping"})
    assert (await ok.recv_type("pong"))["type"] == "pong"


async def test_send_is_acked_and_reaches_every_member_live(
        demo: Any, api: Any, connect: Any) -> None:
    clerk, staff1, staff2 = await tokens(api, "clerk", "staff1", "staff2")
    room = demo["rooms"]["general"].id
    a = await connect(token=clerk)
    b = await connect(token=staff1)
    c = await connect(token=staff2)
    await a.send({"type": "send", "room": room, "client_id": "m-1", "body": "大家好，**今天**开会"})
    ack = await a.recv_type("ack")
    assert ack["client_id"] == "m-1"
    message = ack["message"]
    assert message["seq"] == 1 and message["room"] == room
    assert message["html"] == "<p>大家好，<strong>今天</strong>开会</p>"
    for sock in (a, b, c):
        frame = await sock.recv_type("message")
        assert frame["message"]["id"] == message["id"]
        assert frame["message"]["member_count"] == demo["rooms"]["general"].member_count - 1


async def test_same_client_id_twice_stores_one_message(demo: Any, api: Any, connect: Any) -> None:
    (clerk,) = await tokens(api, "clerk")
    room = demo["rooms"]["general"].id
    a = await connect(token=clerk)
    for _ in range(2):
        await a.send({"type": "send", "room": room, "client_id": "dup", "body": "一次"})
    first = (await a.recv_type("ack"))["message"]
    second = (await a.recv_type("ack"))["message"]
    assert first["id"] == second["id"]
    from hub.chat.models import Message

    assert await database_sync_to_async(Message.objects.filter(room_id=room).count)() == 1


@pytest.mark.parametrize("frame, code", [
    ("not json", "bad_request"),
    ("[1, 2]", "bad_request"),
    ({"type": "teleport"}, "bad_request"),
    ({"type": "send", "room": "x", "client_id": "a", "body": "hi"}, "bad_request"),
    ({"type": "send", "client_id": "a", "body": "hi"}, "bad_request"),
    ({"type": "send", "room": 1, "client_id": "", "body": "hi"}, "bad_request"),
    ({"type": "read", "room": 1, "seq": -1}, "bad_request"),
])
async def test_bad_frames_answer_an_error_and_keep_the_socket(
        demo: Any, api: Any, connect: Any, frame: Any, code: str) -> None:
    (clerk,) = await tokens(api, "clerk")
    a = await connect(token=clerk)
    await a.send(frame)
    error = await a.recv_type("error")
    assert error["code"] == code
    await a.send({"type": "ping"})
    assert (await a.recv_type("pong"))["type"] == "pong"


async def test_body_over_the_limit_is_refused_and_nothing_stored(
        demo: Any, api: Any, connect: Any, settings: Any) -> None:
    (clerk,) = await tokens(api, "clerk")
    room = demo["rooms"]["general"].id
    a = await connect(token=clerk)
    await a.send({"type": "send", "room": room, "client_id": "big", "body": "长" * 10_001})
    error = await a.recv_type("error")
    assert error["code"] == "too_large" and error["ref"] == "big"
    from hub.chat.models import Message, Room

    assert await database_sync_to_async(Message.objects.count)() == 0
    assert (await database_sync_to_async(Room.objects.get)(id=room)).last_seq == 0


async def test_non_member_gets_not_found_for_every_room_frame(
        demo: Any, api: Any, connect: Any) -> None:
    (staff2,) = await tokens(api, "staff2")
    foreign = demo["rooms"]["zfb"].id  # staff2 is in wsj, not zfb
    a = await connect(token=staff2)
    for frame in (
        {"type": "send", "room": foreign, "client_id": "x1", "body": "hi"},
        {"type": "read", "room": foreign, "seq": 1},
        {"type": "typing", "room": foreign},
    ):
        await a.send(frame)
        error = await a.recv_type("error")
        assert error["code"] == "not_found", frame
    await a.send({"type": "sync", "rooms": {str(foreign): 0}})
    assert (await a.recv_type("error"))["code"] == "not_found"
    await a.recv_type("synced")


async def test_non_member_never_receives_a_rooms_messages(
        demo: Any, api: Any, connect: Any) -> None:
    clerk, staff2 = await tokens(api, "clerk", "staff2")
    zfb = demo["rooms"]["zfb"].id
    a = await connect(token=clerk)
    outsider = await connect(token=staff2)
    await a.send({"type": "send", "room": zfb, "client_id": "secret", "body": "内部事项"})
    await a.recv_type("ack")
    await outsider.nothing(timeout=0.5)


async def test_sync_replays_after_the_given_seq_then_goes_live(
        demo: Any, api: Any, connect: Any) -> None:
    room = demo["rooms"]["general"].id
    clerk = await database_sync_to_async(api)("clerk")
    for i in range(5):
        await database_sync_to_async(clerk.send)(room, f"第{i + 1}条")
    (token,) = await tokens(api, "staff1")
    b = await connect(token=token, sync=False)
    replay = await b.sync({room: 2})
    assert [m["seq"] for m in replay] == [3, 4, 5]
    await database_sync_to_async(clerk.send)(room, "第6条")
    live = await b.recv_type("message")
    assert live["message"]["seq"] == 6


async def test_edit_delete_and_reactions_reach_everyone_live(
        demo: Any, api: Any, connect: Any) -> None:
    clerk, staff1 = await tokens(api, "clerk", "staff1")
    room = demo["rooms"]["general"].id
    a = await connect(token=clerk)
    b = await connect(token=staff1)
    await a.send({"type": "send", "room": room, "client_id": "e1", "body": "初稿"})
    message = (await a.recv_type("ack"))["message"]
    await b.recv_type("message")
    edited = await database_sync_to_async(api("clerk").patch)(
        f"/messages/{message['id']}", {"body": "定稿"})
    assert edited.status_code == 200
    update = await b.updated(lambda m: m["body"] == "定稿")
    assert update["edited_at"] is not None and update["html"] == "<p>定稿</p>"
    await database_sync_to_async(api("staff1").post)(f"/messages/{message['id']}/reactions",
                                                     {"emoji": "👍"})
    update = await a.updated(lambda m: bool(m["reactions"]))
    assert update["reactions"] == [{"emoji": "👍", "count": 1, "users": [api("staff1").user["id"]]}]
    await database_sync_to_async(api("clerk").delete)(f"/messages/{message['id']}")
    update = await b.updated(lambda m: m["deleted"])
    assert update["body"] == "" and update["html"] == ""


async def test_read_sends_receipt_and_new_read_count(demo: Any, api: Any, connect: Any) -> None:
    clerk, staff1 = await tokens(api, "clerk", "staff1")
    room = demo["rooms"]["general"].id
    a = await connect(token=clerk)
    b = await connect(token=staff1)
    await a.send({"type": "send", "room": room, "client_id": "r1", "body": "请阅"})
    message = (await a.recv_type("ack"))["message"]
    assert message["read_count"] == 0
    await b.recv_type("message")
    await b.send({"type": "read", "room": room, "seq": message["seq"]})
    receipt = await a.recv_type("receipt")
    assert receipt == {"type": "receipt", "room": room, "user": api("staff1").user["id"],
                       "seq": 1, "from_seq": 0}
    update = (await a.recv_type("message_updated"))["message"]
    assert update["id"] == message["id"] and update["read_count"] == 1


async def test_typing_reaches_others_not_the_typist(demo: Any, api: Any, connect: Any) -> None:
    clerk, staff1 = await tokens(api, "clerk", "staff1")
    room = demo["rooms"]["general"].id
    a = await connect(token=clerk)
    b = await connect(token=staff1)
    await a.send({"type": "typing", "room": room})
    frame = await b.recv_type("typing")
    assert frame["room"] == room and frame["user"] == api("clerk").user["id"]
    await a.nothing(timeout=0.3)


async def test_presence_online_then_offline(demo: Any, api: Any, connect: Any) -> None:
    clerk, leader = await tokens(api, "clerk", "leader")  # both in the zfb unit room
    a = await connect(token=clerk)
    b = await connect(token=leader)
    frame = await a.recv_type("presence")
    assert frame == {"type": "presence", "user": api("leader").user["id"], "status": "online"}
    await b.close()
    frame = await a.recv_type("presence")
    assert frame == {"type": "presence", "user": api("leader").user["id"], "status": "offline"}


async def test_new_group_appears_live_with_room_joined(demo: Any, api: Any, connect: Any) -> None:
    _, staff1 = await tokens(api, "clerk", "staff1")
    b = await connect(token=staff1)
    response = await database_sync_to_async(api("clerk").post)(
        "/rooms", {"name": "防汛工作组", "kind": "group", "members": ["staff1"]})
    assert response.status_code == 201
    joined = await b.recv_type("room_joined")
    assert joined["room"]["name"] == "防汛工作组" and joined["room"]["members_count"] == 2
    room = joined["room"]["id"]
    await database_sync_to_async(api("clerk").send)(room, "请各位做好准备")
    frame = await b.recv_type("message")
    assert frame["message"]["room"] == room and frame["message"]["seq"] == 1


async def test_socket_without_sync_still_goes_live(demo: Any, api: Any, connect: Any) -> None:
    _, staff1 = await tokens(api, "clerk", "staff1")
    room = demo["rooms"]["general"].id
    b = await connect(token=staff1, sync=False)
    await asyncio.sleep(0.1)
    await database_sync_to_async(api("clerk").send)(room, "无需同步也能收到")
    frame = await b.recv_type("message", timeout=6)
    assert frame["message"]["body"] == "无需同步也能收到"


async def test_card_actions_reach_only_the_people_who_may_take_them(
        demo: Any, api: Any, connect: Any) -> None:
    """A card names who may press each button: they see it live, in history and over HTTP;
    everyone else sees the card without it."""
    clerk, staff1 = await tokens(api, "clerk", "staff1")
    room = demo["rooms"]["general"].id
    staff1_id = api("staff1").user["id"]
    a = await connect(token=clerk)
    b = await connect(token=staff1)
    card = {"card_type": "test", "ref": 1, "title": "请签收", "state": "delivered",
            "fields": [{"label": "文号", "value": "区府办〔2026〕1号"}],
            "actions": [{"action": "sign", "label": "签收", "style": "primary",
                         "users": [staff1_id]},
                        {"action": "view", "label": "查看", "style": "default"}]}
    from hub.chat import actions

    await database_sync_to_async(actions.send_message)(
        sender=demo["users"]["clerk"], room_id=room, body="", kind="card", card=card)
    seen_by_b = (await b.recv_type("message"))["message"]["card"]["actions"]
    seen_by_a = (await a.recv_type("message"))["message"]["card"]["actions"]
    assert [x["action"] for x in seen_by_b] == ["sign", "view"]
    assert [x["action"] for x in seen_by_a] == ["view"]
    assert all("users" not in x for x in seen_by_a + seen_by_b)
    history = await a.sync({room: 0})
    assert [x["action"] for x in history[-1]["card"]["actions"]] == ["view"]
    page = await database_sync_to_async(api("staff1").get)(f"/rooms/{room}/messages")
    assert [x["action"] for x in page.json()[-1]["card"]["actions"]] == ["sign", "view"]


async def test_a_second_sync_for_one_room_loses_nothing_in_the_others(
        demo: Any, api: Any, connect: Any, monkeypatch: Any) -> None:
    """A client that resyncs one room (after seeing a seq gap) still gets every message of
    its other rooms exactly once, even one whose live event never came."""
    clerk, leader = await tokens(api, "clerk", "leader")
    general, zfb = demo["rooms"]["general"].id, demo["rooms"]["zfb"].id
    b = await connect(token=leader)
    clerk_api = api("clerk")
    await database_sync_to_async(clerk_api.send)(zfb, "单位群第一条")
    assert (await b.recv_type("message"))["message"]["body"] == "单位群第一条"
    from hub.chat import actions

    with monkeypatch.context() as patch:  # stored, but its live event is lost
        patch.setattr(actions, "publish_on_commit", lambda envelope: None)
        await database_sync_to_async(clerk_api.send)(zfb, "单位群第二条")
    await b.send({"type": "sync", "rooms": {str(general): 0}})
    bodies = []
    while True:
        frame = await b.recv_type("message", "synced")
        if frame["type"] == "synced":
            break
        bodies.append(frame["message"]["body"])
    await database_sync_to_async(clerk_api.send)(zfb, "单位群第三条")
    while len(bodies) < 2:
        bodies.append((await b.recv_type("message"))["message"]["body"])
    assert bodies == ["单位群第二条", "单位群第三条"]
    await b.nothing(timeout=0.3)


async def test_topics_over_the_socket_send_rename_and_follow(
        demo: Any, api: Any, connect: Any) -> None:
    """A send frame carries a topic; a rename reaches the room as one `topic_renamed` frame;
    following reaches the follower's own sockets only; a v1 send has `topic` null."""
    staff1, staff2 = await tokens(api, "staff1", "staff2")
    room = demo["rooms"]["general"].id
    a = await connect(token=staff1)
    b = await connect(token=staff2)
    await a.send({"type": "send", "room": room, "client_id": "t-1", "body": "值班表",
                  "topic": "元旦值班"})
    ack = await a.recv_type("ack")
    assert ack["message"]["topic"] == "元旦值班"
    assert (await b.recv_type("message"))["message"]["topic"] == "元旦值班"
    await a.send({"type": "send", "room": room, "client_id": "t-2", "body": "没有话题"})
    assert (await a.recv_type("ack"))["message"]["topic"] is None
    await a.send({"type": "send", "room": room, "client_id": "t-3", "body": "跟帖",
                  "thread": ack["message"]["id"]})
    reply = (await a.recv_type("ack"))["message"]
    assert reply["thread"] == ack["message"]["id"] and reply["topic"] == "元旦值班"
    root = await b.updated(lambda m: m["id"] == ack["message"]["id"])
    assert root["thread_count"] == 1
    renamed = await database_sync_to_async(lambda: api("staff1").post(
        f"/rooms/{room}/topics/rename", {"name": "元旦值班", "to": "节日值班"}))()
    assert renamed.status_code == 200
    frame = await b.recv_type("topic_renamed")
    assert (frame["room"], frame["from"], frame["to"], frame["count"]) == (
        room, "元旦值班", "节日值班", 2)
    await database_sync_to_async(lambda: api("staff2").post(
        f"/rooms/{room}/topics/follow", {"name": "节日值班", "state": "follow"}))()
    state = await b.recv_type("topic_state")
    assert (state["name"], state["state"]) == ("节日值班", "follow")
    await a.nothing(timeout=0.3, ignore=("presence", "typing", "message", "message_updated",
                                         "receipt", "topic_renamed"))


async def test_a_message_that_goes_by_while_a_socket_opens_is_replayed_once(
        demo: Any, api: Any, connect: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first sync goes by the rooms as read when the socket opened. A message committed
    and dispatched after that read, before the socket joined the process's index (no other
    socket of the room here to carry it), is read back for it, once."""
    from hub.chat import actions, consumers
    from hub.lib import realtime

    room = demo["rooms"]["general"].id
    clerk = demo["users"]["clerk"]
    first = await database_sync_to_async(actions.send_message)(
        sender=clerk, room_id=room, body="开门之前", client_id="before-open")
    opened = consumers._open_many

    def open_while_a_message_goes_by(**kwargs: Any) -> Any:
        results = opened(**kwargs)
        sent = actions.send_message(sender=clerk, room_id=room, body="开门途中",
                                    client_id="while-open")
        hub = realtime.current_hub()
        assert hub is not None
        deadline = time.monotonic() + 5
        while hub.newest_seq(room) < sent.message["seq"]:  # dispatched, to no socket yet
            assert time.monotonic() < deadline, "the message was never dispatched"
            time.sleep(0.01)
        return results

    monkeypatch.setattr(consumers, "_open_many", open_while_a_message_goes_by)
    (token,) = await tokens(api, "staff1")
    b = await connect(token=token, sync=False)
    replay = await b.sync({room: first.message["seq"]})
    assert [m["body"] for m in replay] == ["开门途中"]
    await database_sync_to_async(actions.send_message)(
        sender=clerk, room_id=room, body="开门之后", client_id="after-open")
    live = await b.recv_type("message")
    assert live["message"]["body"] == "开门之后"
    assert live["message"]["seq"] == first.message["seq"] + 2
    await b.nothing()
