"""Per-room mute (免打扰) and pinned messages (置顶): who may pin where, the Room's `pinned`
and `muted`, and the `room_updated` frame to the room's members."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from tests.hub.chat.test_api import error_code, make_group, room_of, sent


@pytest.mark.django_db
def test_mute_is_the_callers_own(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    assert room_of(api, "clerk", general)["muted"] is False
    answer = api("clerk").post(f"/rooms/{general}/mute", {"muted": True})
    assert answer.status_code == 200 and answer.json()["muted"] is True
    assert room_of(api, "clerk", general)["muted"] is True
    assert api("clerk").get(f"/rooms/{general}").json()["muted"] is True
    assert room_of(api, "staff1", general)["muted"] is False
    assert api("clerk").post(f"/rooms/{general}/mute", {"muted": False}).json()["muted"] is False
    assert api("clerk").post(f"/rooms/{general}/mute", {"muted": "yes"}).status_code == 400


@pytest.mark.django_db
def test_members_of_a_group_pin_and_unpin_newest_first(demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1")["id"]
    first, second = sent(api, "clerk", group, "第一条"), sent(api, "staff1", group, "第二条")
    assert api("staff1").post(f"/rooms/{group}/pins", {"message": first["id"]}).status_code == 201
    answer = api("clerk").post(f"/rooms/{group}/pins", {"message": second["id"]})
    assert answer.status_code == 201 and answer.json()["pinned"] == [second["id"], first["id"]]
    # Pinning again changes nothing.
    assert api("clerk").post(f"/rooms/{group}/pins", {"message": first["id"]}).json()[
        "pinned"] == [second["id"], first["id"]]
    pins = api("staff1").get(f"/rooms/{group}/pins").json()
    assert [m["body"] for m in pins] == ["第二条", "第一条"]
    assert room_of(api, "staff1", group)["pinned"] == [second["id"], first["id"]]
    assert api("staff1").delete(f"/rooms/{group}/pins/{second['id']}").status_code == 204
    assert api("staff1").delete(f"/rooms/{group}/pins/{second['id']}").status_code == 204
    assert room_of(api, "clerk", group)["pinned"] == [first["id"]]
    # A deleted message leaves the pins.
    api("clerk").delete(f"/messages/{first['id']}")
    assert room_of(api, "clerk", group)["pinned"] == []
    assert api("clerk").get(f"/rooms/{group}/pins").json() == []


@pytest.mark.django_db
def test_only_admins_pin_in_unit_rooms_and_channels(demo: Any, api: Any) -> None:
    zfb = demo["rooms"]["zfb"].id
    message = sent(api, "clerk", zfb, "请各科室注意")
    refused = api("clerk").post(f"/rooms/{zfb}/pins", {"message": message["id"]})
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    # The unit's leader administers its room.
    assert api("leader").post(f"/rooms/{zfb}/pins", {"message": message["id"]}).status_code == 201
    assert api("clerk").delete(f"/rooms/{zfb}/pins/{message['id']}").status_code == 403


@pytest.mark.django_db
def test_a_message_of_another_room_cannot_be_pinned(demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1")["id"]
    elsewhere = sent(api, "clerk", demo["rooms"]["general"].id, "别处的消息")
    response = api("clerk").post(f"/rooms/{group}/pins", {"message": elsewhere["id"]})
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
async def test_pins_reach_the_rooms_members_and_mute_only_the_callers_sockets(
        demo: Any, api: Any, connect: Any) -> None:
    def setup() -> tuple[int, int, dict[str, str]]:
        group = make_group(api, "clerk", "staff1")["id"]
        message = sent(api, "clerk", group, "置顶我")
        return group, message["id"], {n: api(n).token for n in ("clerk", "staff1", "staff2")}

    group, message, tokens = await database_sync_to_async(setup)()
    clerk = await connect(token=tokens["clerk"])
    staff1 = await connect(token=tokens["staff1"])
    staff2 = await connect(token=tokens["staff2"])
    await database_sync_to_async(
        lambda: api("staff1").post(f"/rooms/{group}/pins", {"message": message}))()
    for sock in (clerk, staff1):
        frame = await sock.recv_type("room_updated")
        assert frame["room"]["id"] == group and frame["room"]["pinned"] == [message]
        assert "muted" not in frame["room"] and "unread" not in frame["room"]
    await staff2.nothing(timeout=0.3)

    await database_sync_to_async(
        lambda: api("clerk").post(f"/rooms/{group}/mute", {"muted": True}))()
    frame = await clerk.recv_type("room_updated")
    assert frame["room"]["muted"] is True and frame["room"]["pinned"] == [message]
    await staff1.nothing(timeout=0.3)
