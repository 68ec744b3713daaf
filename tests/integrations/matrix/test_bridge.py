"""Each mapping across the bridge, both ways, against a real Synapse and the bridge process."""

from __future__ import annotations

from typing import Any

from hub.chat import actions
from hub.chat.models import Message, RoomMember
from hub.org.models import User
from tests.integrations.matrix.conftest import Bridged, wait_for


def matrix_messages(b: Bridged, sender: str | None = None) -> list[dict[str, Any]]:
    return [e for e in b.alice.events(b.matrix_room)
            if e["type"] == "m.room.message" and (sender is None or e["sender"] == sender)]


def huitong_messages(b: Bridged) -> list[Message]:
    return list(Message.objects.filter(room=b.room).select_related("sender").order_by("seq"))


def test_bridging_brings_people_across(bridged: Bridged) -> None:
    """Matrix people in the room become external members; Huitong members' ghosts join the
    Matrix room with 姓名（单位简称）."""
    b = bridged
    alice = User.objects.get(matrix__mxid=b.alice.user_id)
    assert alice.is_external and not alice.has_usable_password()
    assert RoomMember.objects.filter(room=b.room, user=alice).exists()
    joined = wait_for(lambda: (m := b.alice.members(b.matrix_room)) and b.ghost("li") in m and m,
                      what="ghosts to join")
    assert joined[b.ghost("zhang")]["display_name"] == "张伟（卫健委）"
    assert joined[b.ghost("li")]["display_name"] == "李娜（卫健委）"


def test_text_both_ways_exactly_once(bridged: Bridged) -> None:
    b = bridged
    sent = actions.send_message(sender=b.zhang, room_id=b.room.id, body="请 **今天** 下班前报数",
                                client_id="c1").message
    event = wait_for(lambda: matrix_messages(b, b.ghost("zhang")), what="text on Matrix")[0]
    assert event["content"]["body"] == "请 **今天** 下班前报数"
    assert "<strong>今天</strong>" in event["content"]["formatted_body"]
    reply_id = b.alice.text(b.matrix_room, "收到", **{
        "m.relates_to": {"m.in_reply_to": {"event_id": event["event_id"]}}})
    reply = wait_for(lambda: Message.objects.filter(room=b.room, sender__is_external=True).first(),
                     what="reply in Huitong")
    assert reply.body == "收到" and reply.reply_to_id == sent["id"]
    assert reply.client_id == reply_id
    # Nothing came back as an echo, on either side.
    wait_for(lambda: len(huitong_messages(b)) == 2)
    assert [e["content"]["body"] for e in matrix_messages(b)] == ["请 **今天** 下班前报数", "收到"]
