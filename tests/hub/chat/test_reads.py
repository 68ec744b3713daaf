"""Read positions written in batches (`actions.mark_reads`, the WebSocket `read` frames of
one tick): positions, receipts and read counts as one reader at a time would have them, with
the counts worked out once per message for the whole batch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.chat import actions
from hub.chat.models import RoomMember


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The live events the batch announces (on commit), in order."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(actions, "publish_on_commit", sent.append)
    return sent


def frames(published: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    out = [json.loads(e["text"]) for e in published if e.get("text")]
    return [f for f in out if f["type"] == kind]


def position(user: Any, room: Any) -> int:
    return RoomMember.objects.get(user=user, room=room).last_read_seq


def test_positions_move_forward_only_capped_at_the_last_seq_and_only_for_members(
        demo: Any, published: list[dict[str, Any]]) -> None:
    users, zfb = demo["users"], demo["rooms"]["zfb"]
    clerk, leader, staff2 = users["clerk"], users["leader"], users["staff2"]
    for i in range(3):
        actions.send_message(sender=clerk, room_id=zfb.id, body=f"第{i + 1}件", client_id=f"m{i}")
    assert not RoomMember.objects.filter(room=zfb, user=staff2).exists()
    moved = actions.mark_reads([
        (leader.id, zfb.id, 2), (leader.id, zfb.id, 1),  # the higher of one person's wins
        (staff2.id, zfb.id, 3),  # not a member: nothing
    ])
    assert moved == 1 and position(leader, zfb) == 2
    assert actions.mark_reads([(leader.id, zfb.id, 1)]) == 0  # never backwards
    assert actions.mark_reads([(leader.id, zfb.id, 99)]) == 1
    assert position(leader, zfb) == 3  # capped at the room's last seq
    assert not RoomMember.objects.filter(room=zfb, user=staff2).exists()
    receipts = frames(published, "receipt")
    assert [(r["user"], r["from_seq"], r["seq"]) for r in receipts] == [
        (leader.id, 0, 2), (leader.id, 2, 3)]


def test_many_readers_in_one_batch_cost_one_update_per_message_with_the_final_count(
        demo: Any, published: list[dict[str, Any]], settings: Any) -> None:
    general = demo["rooms"]["general"]
    users = demo["users"]
    sender = users["clerk"]
    readers = [users[name] for name in ("leader", "staff1", "staff2")]
    settings.HUITONG_RECEIPT_FANOUT_MAX = general.member_count + 1  # everyone hears counts
    sent = [actions.send_message(sender=sender, room_id=general.id, body=f"收到{i}",
                                 client_id=f"g{i}").message for i in range(2)]
    published.clear()
    actions.mark_reads([(r.id, general.id, sent[-1]["seq"]) for r in readers])
    assert len(frames(published, "receipt")) == 3
    updates = frames(published, "message_updated")
    assert sorted(u["message"]["id"] for u in updates) == sorted(m["id"] for m in sent)
    for update in updates:
        assert update["message"]["read_count"] == 3


def test_in_a_large_room_each_hears_only_their_own_in_one_envelope_for_all(
        demo: Any, published: list[dict[str, Any]], settings: Any) -> None:
    general = demo["rooms"]["general"]
    users = demo["users"]
    senders = [users["clerk"], users["leader"]]
    readers = [users[name] for name in ("staff1", "staff2", "staff3")]
    settings.HUITONG_RECEIPT_FANOUT_MAX = 2
    sent = [actions.send_message(sender=s, room_id=general.id, body="请阅",
                                 client_id=f"big{i}").message for i, s in enumerate(senders)]
    published.clear()
    actions.mark_reads([(r.id, general.id, sent[-1]["seq"]) for r in readers])
    (receipts,) = [e for e in published if e["k"] == "receipt"]
    assert sorted(receipts["users"]) == sorted(r.id for r in readers)
    for reader in readers:  # each reader's own receipt, nobody else's
        own = json.loads(receipts["per_user"][str(reader.id)])
        assert (own["user"], own["seq"]) == (reader.id, sent[-1]["seq"])
    (updates,) = [e for e in published if e["k"] == "update"]
    assert sorted(updates["users"]) == sorted(s.id for s in senders)  # to the senders only
    # The clerk's message was read by the three and by the leader, whose own later message
    # moved their position past it.
    for sender, message, count in zip(senders, sent, (4, 3), strict=True):
        update = json.loads(updates["per_user"][str(sender.id)])["message"]
        assert (update["id"], update["read_count"]) == (message["id"], count)
