"""The envelopes of live events, built in one place (see hub/lib/realtime.py).

Each carries its audience and the wire frame serialised once.
"""

from __future__ import annotations

from typing import Any

from hub.chat import cards
from hub.chat.serializers import dumps
from hub.lib.realtime import Envelope


def _texts(frame_type: str, message: dict[str, Any]) -> dict[str, Any]:
    """The frame for everyone, and for each person who sees more of a card than others."""
    out: dict[str, Any] = {
        "text": dumps({"type": frame_type, "message": cards.for_viewer(message, None)})}
    viewers = cards.restricted_viewers(message)
    if viewers:
        out["per_user"] = {
            str(uid): dumps({"type": frame_type, "message": cards.for_viewer(message, uid)})
            for uid in viewers
        }
    return out


def message_created(message: dict[str, Any]) -> Envelope:
    return {"k": "message", "room": message["room"], "seq": message["seq"],
            **_texts("message", message)}


def message_updated(message: dict[str, Any], *, users: list[int] | None = None) -> Envelope:
    env: Envelope = {"k": "update", **_texts("message_updated", message)}
    if users is None:
        env["room"] = message["room"]
    else:
        env["users"] = users
    return env


def room_joined(*, user_id: int, room: dict[str, Any]) -> Envelope:
    return {"k": "join", "room": room["id"], "seq": room["last_seq"], "users": [user_id],
            "text": dumps({"type": "room_joined", "room": room})}


def room_updated(*, room: dict[str, Any], users: list[int] | None = None) -> Envelope:
    """A room's shared fields changed (pins, name, topic): to its members, or to `users`
    (a member's own sockets, with their own fields such as `muted`)."""
    env: Envelope = {"k": "room_updated", "text": dumps({"type": "room_updated", "room": room})}
    if users is None:
        env["room"] = room["id"]
    else:
        env["users"] = users
    return env


def topic_renamed(*, room_id: int, old: str, new: str, by: dict[str, Any],
                  count: int) -> Envelope:
    """A topic of the room was renamed: clients move what they hold of it, with no frame
    per message."""
    return {"k": "topic_renamed", "room": room_id, "text": dumps(
        {"type": "topic_renamed", "room": room_id, "from": old, "to": new, "by": by,
         "count": count})}


def topic_state(*, user_id: int, room_id: int, name: str, state: str) -> Envelope:
    """The caller followed or muted a topic: to their own sockets."""
    return {"k": "topic_state", "users": [user_id], "text": dumps(
        {"type": "topic_state", "room": room_id, "name": name, "state": state})}


def room_left(*, user_ids: list[int], room_id: int) -> Envelope:
    return {"k": "leave", "room": room_id, "users": user_ids,
            "text": dumps({"type": "room_left", "room": room_id})}


def _receipt_text(room_id: int, user_id: int, seq: int, from_seq: int) -> str:
    return dumps({"type": "receipt", "room": room_id, "user": user_id, "seq": seq,
                  "from_seq": from_seq})


def receipt(*, room_id: int, user_id: int, seq: int, from_seq: int) -> Envelope:
    """A reader's receipt to everyone in the room (a small room; see `own_receipts`)."""
    return {"k": "receipt", "room": room_id,
            "text": _receipt_text(room_id, user_id, seq, from_seq)}


def typing(*, room_id: int, user: dict[str, Any]) -> Envelope:
    return {"k": "typing", "room": room_id, "exclude": user["id"],
            "text": dumps({"type": "typing", "room": room_id, "user": user["id"],
                           "display_name": user["display_name"]})}


def presence(*, user_id: int, status: str, users: list[int]) -> Envelope:
    return {"k": "presence", "users": users,
            "text": dumps({"type": "presence", "user": user_id, "status": status})}


def own_receipts(room_id: int, reads: list[tuple[int, int, int]]) -> Envelope:
    """Readers' receipts `(user, from_seq, seq)` each to the reader's own sockets only (a
    large room, where nobody else hears of a read), many readers in one envelope."""
    return {"k": "receipt", "users": [user for user, _, _ in reads], "text": "", "per_user": {
        str(user): _receipt_text(room_id, user, seq, from_seq) for user, from_seq, seq in reads}}


def updates_to_senders(updates: list[tuple[int, dict[str, Any]]]) -> list[Envelope]:
    """Messages' new read counts `(sender, message)` each to its sender only (a large room):
    one envelope for many senders, as many as the most messages one sender has."""
    rounds: list[dict[int, str]] = []
    for sender, message in updates:
        text = dumps({"type": "message_updated", "message": cards.for_viewer(message, sender)})
        for batch in rounds:
            if sender not in batch:
                batch[sender] = text
                break
        else:
            rounds.append({sender: text})
    return [{"k": "update", "users": list(batch), "text": "",
             "per_user": {str(user): text for user, text in batch.items()}} for batch in rounds]


def todo(counts: dict[int, dict[str, int]]) -> Envelope:
    """Each person's to-do counts, to their own sockets (one envelope for many people)."""
    return {"k": "todo", "users": list(counts), "text": "", "per_user": {
        str(uid): dumps({"type": "todo", "counts": per_kind, "total": sum(per_kind.values())})
        for uid, per_kind in counts.items()}}
