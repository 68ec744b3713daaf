"""Announcement channels: only a channel's admins (and bots) post in an announce-only
channel; everyone else reads, reacts and is told why their message was refused."""

from __future__ import annotations

from typing import Any

import pytest

from hub.chat.models import Message, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(api: Any) -> dict[str, Any]:
    response = api("clerk").post("/rooms", {"name": "区政府公告", "kind": "channel",
                                            "members": ["staff1", "staff2"],
                                            "announce_only": True})
    assert response.status_code == 201, response.content
    return response.json()


def test_only_admins_post_in_an_announce_only_channel(api: Any, channel: dict[str, Any]) -> None:
    assert channel["announce_only"] is True
    refused = api("staff1").send(channel["id"], "收到")
    assert refused.status_code == 403
    assert refused.json()["error"] == {"code": "forbidden", "detail": "本频道仅管理员可以发言"}
    assert not Message.objects.filter(room_id=channel["id"]).exists()
    assert Room.objects.get(id=channel["id"]).last_seq == 0, "a refused send spent a seq"
    posted = api("clerk").send(channel["id"], "关于元旦放假的通知")
    assert posted.status_code == 201
    # Members still read it and react to it.
    assert api("staff1").post(f"/messages/{posted.json()['id']}/reactions",
                              {"emoji": "👍"}).status_code == 200
    assert api("staff1").get(f"/rooms/{channel['id']}").json()["announce_only"] is True


def test_admins_open_and_close_the_channel(api: Any, channel: dict[str, Any]) -> None:
    path = f"/rooms/{channel['id']}/settings"
    denied = api("staff1").post(path, {"announce_only": False})
    assert denied.status_code == 403
    opened = api("clerk").post(path, {"announce_only": False})
    assert opened.status_code == 200 and opened.json()["announce_only"] is False
    assert api("staff1").send(channel["id"], "大家好").status_code == 201
    assert api("clerk").post(path, {"announce_only": True}).json()["announce_only"] is True
    assert api("staff1").send(channel["id"], "再说一句").status_code == 403


def test_only_channels_can_be_announce_only(api: Any, demo: Any) -> None:
    group = api("clerk").post("/rooms", {"name": "专班", "kind": "group", "members": ["staff1"],
                                         "announce_only": True})
    assert group.status_code == 400
    made = api("clerk").post("/rooms", {"name": "专班", "kind": "group",
                                        "members": ["staff1"]}).json()
    assert made["announce_only"] is False
    assert api("clerk").post(f"/rooms/{made['id']}/settings",
                             {"announce_only": True}).status_code == 400
    unit_room = demo["rooms"]["zfb"].id
    assert api("clerk").post(f"/rooms/{unit_room}/settings",
                             {"announce_only": True}).status_code == 400


@pytest.mark.django_db(transaction=True)
async def test_a_refused_frame_answers_an_error_and_the_socket_stays(
        api: Any, channel: dict[str, Any], connect: Any) -> None:
    from channels.db import database_sync_to_async

    ws = await connect(token=await database_sync_to_async(lambda: api("staff1").token)())
    await ws.send({"type": "send", "room": channel["id"], "client_id": "c1", "body": "收到"})
    error = await ws.recv_type("error")
    assert (error["code"], error["ref"]) == ("forbidden", "c1")
    await ws.send({"type": "ping"})
    assert (await ws.recv_type("pong"))["type"] == "pong"


def test_a_bot_posts_in_an_announce_only_channel(api: Any, channel: dict[str, Any]) -> None:
    from bots.runtime import get_bot

    bot = get_bot("gongwen").context()
    message = bot.post(room_id=channel["id"], body="机器人公告")
    assert message["seq"] == 1


@pytest.mark.django_db(transaction=True)
async def test_every_member_hears_that_the_channel_changed(api: Any, connect: Any) -> None:
    """A member's client learns at once that it may no longer post (and may again)."""
    from channels.db import database_sync_to_async

    def setup() -> tuple[int, dict[str, str]]:
        made = api("clerk").post("/rooms", {"name": "区政府公告", "kind": "channel",
                                            "members": ["staff1"]}).json()
        return made["id"], {n: api(n).token for n in ("clerk", "staff1", "staff2")}

    room, tokens = await database_sync_to_async(setup)()
    clerk = await connect(token=tokens["clerk"])
    staff1 = await connect(token=tokens["staff1"])
    staff2 = await connect(token=tokens["staff2"])
    path = f"/rooms/{room}/settings"
    await database_sync_to_async(lambda: api("clerk").post(path, {"announce_only": True}))()
    for sock in (clerk, staff1):
        frame = await sock.recv_type("room_updated")
        assert frame["room"]["id"] == room and frame["room"]["announce_only"] is True
        assert "role" not in frame["room"] and "unread" not in frame["room"]
    await staff2.nothing(timeout=0.3)
    # Setting it to what it already is tells nobody anything.
    await database_sync_to_async(lambda: api("clerk").post(path, {"announce_only": True}))()
    await staff1.nothing(timeout=0.3)
    await database_sync_to_async(lambda: api("clerk").post(path, {"announce_only": False}))()
    assert (await staff1.recv_type("room_updated"))["room"]["announce_only"] is False
