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


def test_edits_and_deletions_both_ways(bridged: Bridged) -> None:
    b = bridged
    mine = actions.send_message(sender=b.zhang, room_id=b.room.id, body="周五开会",
                                client_id="e1").message
    event = wait_for(lambda: matrix_messages(b, b.ghost("zhang")), what="sent")[0]
    actions.edit_message(user=b.zhang, message_id=mine["id"], body="周六开会")
    edit = wait_for(lambda: [e for e in matrix_messages(b, b.ghost("zhang"))
                             if e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"],
                    what="edit on Matrix")
    assert edit[0]["content"]["m.relates_to"]["event_id"] == event["event_id"]
    assert edit[0]["content"]["m.new_content"]["body"] == "周六开会"
    actions.delete_message(user=b.zhang, message_id=mine["id"])
    wait_for(lambda: any(e["event_id"] == event["event_id"] and not e["content"]
                         for e in b.alice.events(b.matrix_room)), what="redaction on Matrix")

    theirs = b.alice.text(b.matrix_room, "明天交表")
    stored = wait_for(lambda: Message.objects.filter(client_id=theirs).first(), what="stored")
    b.alice.send(b.matrix_room, {"msgtype": "m.text", "body": "* 后天交表",
                                 "m.new_content": {"msgtype": "m.text", "body": "后天交表"},
                                 "m.relates_to": {"rel_type": "m.replace", "event_id": theirs}})
    wait_for(lambda: Message.objects.get(id=stored.id).body == "后天交表", what="edit in Huitong")
    b.alice.redact(b.matrix_room, theirs)
    wait_for(lambda: Message.objects.get(id=stored.id).deleted, what="deletion in Huitong")
    # Exactly once: one edit event from the ghost, no message echoed back.
    ghost_events = matrix_messages(b, b.ghost("zhang"))
    assert len(ghost_events) == 2
    assert Message.objects.filter(room=b.room).count() == 2


def test_reactions_both_ways(bridged: Bridged) -> None:
    b = bridged
    mine = actions.send_message(sender=b.zhang, room_id=b.room.id, body="方案见附件",
                                client_id="r1").message
    event = wait_for(lambda: matrix_messages(b, b.ghost("zhang")), what="sent")[0]
    actions.set_reaction(user=b.li, message_id=mine["id"], emoji="👍", on=True)

    def reactions() -> list[dict[str, Any]]:
        return [e for e in b.alice.events(b.matrix_room)
                if e["type"] == "m.reaction" and e.get("content")]

    found = wait_for(reactions, what="reaction on Matrix")
    assert found[0]["sender"] == b.ghost("li")
    assert found[0]["content"]["m.relates_to"] == {
        "rel_type": "m.annotation", "event_id": event["event_id"], "key": "👍"}
    actions.set_reaction(user=b.li, message_id=mine["id"], emoji="👍", on=False)
    wait_for(lambda: not reactions(), what="reaction taken back on Matrix")

    their = b.alice.send(b.matrix_room, {"m.relates_to": {
        "rel_type": "m.annotation", "event_id": event["event_id"], "key": "🎉"}}, "m.reaction")
    wait_for(lambda: Message.objects.get(id=mine["id"]).reactions.filter(emoji="🎉").exists(),
             what="reaction in Huitong")
    b.alice.redact(b.matrix_room, their)
    wait_for(lambda: not Message.objects.get(id=mine["id"]).reactions.exists(),
             what="reaction removed in Huitong")
    # The Matrix reaction did not come back as a second one from a ghost.
    assert [e["sender"] for e in b.alice.events(b.matrix_room) if e["type"] == "m.reaction"] \
        == [b.ghost("li"), b.alice.user_id]


def test_read_positions_and_typing_both_ways(bridged: Bridged) -> None:
    from integrations.matrix.models import InboundEvent

    b = bridged
    actions.send_message(sender=b.zhang, room_id=b.room.id, body="第一条", client_id="p1")
    second = actions.send_message(sender=b.zhang, room_id=b.room.id, body="第二条",
                                  client_id="p2").message
    events = wait_for(lambda: len(m := matrix_messages(b, b.ghost("zhang"))) == 2 and m,
                      what="both sent")
    b.alice.receipt(b.matrix_room, events[1]["event_id"])
    alice = User.objects.get(matrix__mxid=b.alice.user_id)
    wait_for(lambda: RoomMember.objects.get(room=b.room, user=alice).last_read_seq
             == second["seq"], what="read position in Huitong")

    actions.mark_read(user=b.li, room_id=b.room.id, seq=second["seq"])
    wait_for(lambda: b.ghost("li") in b.alice.receipts_of(b.matrix_room).get(
        events[1]["event_id"], {}), what="receipt on Matrix")

    b.alice.typing(b.matrix_room)
    wait_for(lambda: InboundEvent.objects.filter(result="typing").exists(),
             what="typing applied in Huitong")
    actions.typing(user=b.li, room_id=b.room.id)

    wait_for(lambda: b.ghost("li") in b.alice.typing_users(b.matrix_room), what="typing on Matrix")


def test_files_both_ways_with_size_limits(bridged: Bridged, settings: Any) -> None:
    import hashlib

    b = bridged
    png = b"\\x89PNG\\r\\n\\x1a\\n" + bytes(range(256)) * 40
    attachment = actions.store_attachment(uploader=b.zhang, name="现场照片.png", chunks=[png])
    actions.send_message(sender=b.zhang, room_id=b.room.id, body="", client_id="f1",
                         attachment_ids=[attachment.id])
    image = wait_for(lambda: [e for e in matrix_messages(b, b.ghost("zhang"))
                              if e["content"].get("msgtype") == "m.image"], what="image")[0]
    assert image["content"]["body"] == "现场照片.png"
    assert b.alice.download(image["content"]["url"]) == png

    data = "第一季度数据\\n".encode() * 100
    url = b.alice.upload("报表.txt", data, "text/plain")
    event_id = b.alice.send(b.matrix_room, {"msgtype": "m.file", "body": "报表.txt", "url": url,
                                            "info": {"size": len(data), "mimetype": "text/plain"}})
    stored = wait_for(lambda: Message.objects.filter(client_id=event_id).first(), what="file")
    files = list(stored.attachments.all())
    assert [f.name for f in files] == ["报表.txt"]
    assert files[0].sha256 == hashlib.sha256(data).hexdigest()

    # Over Huitong's limit (announced): refused before a byte is read, and said so.
    big = b.alice.send(b.matrix_room, {"msgtype": "m.file", "body": "大文件.zip", "url": url,
                                       "info": {"size": 10**10, "mimetype": "application/zip"}})
    wait_for(lambda: any(e["sender"] == b.bot_mxid and "大小限制" in e["content"].get("body", "")
                         for e in matrix_messages(b)), what="size notice")
    assert not Message.objects.filter(client_id=big).exists()


def test_joins_and_leaves_both_ways(bridged: Bridged, matrix_settings: Any) -> None:
    b = bridged
    bob = matrix_settings.person("bob")
    bob.join(b.matrix_room)
    wait_for(lambda: RoomMember.objects.filter(room=b.room, user__matrix__mxid=bob.user_id)
             .exists(), what="bob in Huitong")
    bob.leave(b.matrix_room)
    wait_for(lambda: not RoomMember.objects.filter(room=b.room, user__matrix__mxid=bob.user_id)
             .exists(), what="bob gone from Huitong")

    wang = User.objects.get(username="wang")
    actions.add_members(room=b.room, users=[wang])
    wait_for(lambda: b.ghost("wang") in b.alice.members(b.matrix_room), what="wang's ghost")
    actions.remove_members(room=b.room, user_ids=[wang.id])
    wait_for(lambda: b.ghost("wang") not in b.alice.members(b.matrix_room),
             what="wang's ghost left")


def test_cards_are_read_only_summaries_edited_in_place(bridged: Bridged) -> None:
    b = bridged
    card = {"card_type": "approval", "ref": 42, "title": "采购办公桌椅", "state": "pending",
            "state_label": "审批中（第1步，共2步）",
            "fields": [{"label": "申请人", "value": "张伟"}, {"label": "金额", "value": "3<000元"}],
            "actions": [{"action": "approve", "label": "同意", "style": "primary",
                         "users": [b.li.id]}]}
    sent = actions.send_message(sender=b.zhang, room_id=b.room.id, body="", kind="card",
                                card=card, client_id="card1").message
    notice = wait_for(lambda: [e for e in matrix_messages(b, b.ghost("zhang"))
                               if e["content"].get("msgtype") == "m.notice"], what="card")[0]
    html = notice["content"]["formatted_body"]
    assert "【审批】采购办公桌椅" in html and "<table>" in html and "3&lt;000元" in html
    assert 'href="https://hub.example.gov.cn/#approval/42"' in html
    assert "同意" not in notice["content"]["body"]  # no buttons: decisions are taken in Huitong
    actions.update_card(message_id=sent["id"], card={**card, "state": "approved",
                                                     "state_label": "已同意", "actions": []})
    edit = wait_for(lambda: [e for e in matrix_messages(b, b.ghost("zhang"))
                             if e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"],
                    what="card edited in place")[0]
    assert edit["content"]["m.relates_to"]["event_id"] == notice["event_id"]
    assert "已同意" in edit["content"]["m.new_content"]["body"]
