"""What a page of hits needs from the database: where each hit opens for the caller.

A message opens in its room. A document, meeting or approval opens at a card of it in a room
the caller is in (their unit's copy, their own copy, the tracking or roster card), or at
none (`room` and `message` null) when no such card is theirs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hub.chat.models import Message, Room, RoomMember
from hub.chat.selectors import direct_names
from hub.org.models import User
from search import registry


def _cards(kind: str, ids: list[int]) -> dict[int, list[int]]:
    """Card message ids of each object, best first (the kind's registered `cards`)."""
    source = registry.source(kind)
    if not ids or source is None or source.cards is None:
        return {}
    return source.cards(ids)


def complete(*, user: User, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill `room`, `message` and (for messages) `title` for the caller; a few queries per
    page, none per hit."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for r in results:
        if r["type"] != "message":
            by_kind[r["type"]].append(r["id"])
    cards = {kind: _cards(kind, ids) for kind, ids in by_kind.items()}
    wanted = {m for per in cards.values() for ms in per.values() for m in ms}
    mine = set(RoomMember.objects.filter(user=user).values_list("room_id", flat=True))
    rooms_of = dict(Message.objects.filter(id__in=wanted, room_id__in=mine)
                    .values_list("id", "room_id"))
    room_ids = {r["room"] for r in results if r["type"] == "message" and r["room"]}
    rooms = {room.id: room for room in Room.objects.filter(id__in=room_ids)}
    direct = direct_names([i for i, room in rooms.items() if room.kind == Room.Kind.DIRECT],
                          user.id)
    out = []
    for r in results:
        r = {k: v for k, v in r.items() if not k.startswith("_")}
        if r["type"] == "message":
            r["message"] = r["id"]
            room = rooms.get(r["room"])
            r["title"] = (direct.get(room.id) or room.name or str(room)) if room else ""
        else:
            r["message"] = None
            r["room"] = None
            for message_id in cards.get(r["type"], {}).get(r["id"], []):
                if message_id in rooms_of:
                    r["message"], r["room"] = message_id, rooms_of[message_id]
                    break
        out.append(r)
    return out
