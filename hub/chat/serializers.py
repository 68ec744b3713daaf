"""Objects as the protocol writes them (see docs/protocol.md)."""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.db.models import Prefetch

from hub.chat.models import Attachment, Message, Pin, Reaction, Room, RoomMember
from hub.lib.times import iso
from hub.org.models import UnitMembership, User
from hub.org.pinyin import spell


def dumps(frame: dict[str, Any]) -> str:
    """The one JSON encoding of every frame and envelope text."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def user_summary(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.name,
        "title": user.title,
        "is_bot": user.is_bot,
        "is_external": user.is_external,
    }


def user_full(user: User, memberships: Iterable[UnitMembership] | None = None) -> dict[str, Any]:
    """A User with units, roles and the name in pinyin; `memberships` (with their units) when
    the caller read them already, else the user's prefetched ones."""
    units = [
        {"id": m.unit.id, "code": m.unit.code, "name": m.unit.name, "role": m.role}
        for m in (user.unit_memberships.all() if memberships is None else memberships)
    ]
    return {**user_summary(user), "units": units, "pinyin": spell(user.name).text}


def attachment_dict(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "name": attachment.name,
        "size": attachment.size,
        "mime": attachment.mime,
        "sha256": attachment.sha256,
        "url": f"/api/v1/attachments/{attachment.id}/{quote(attachment.name)}",
    }


class ReadPositions:
    """Members' read positions in one room, for `read_count` of many messages at once."""

    def __init__(self, positions: dict[int, int]) -> None:
        self.by_user = positions
        self.sorted = sorted(positions.values())

    @classmethod
    def of_room(cls, room_id: int) -> ReadPositions:
        rows = (RoomMember.objects.filter(room_id=room_id, user__is_bot=False)
                .values_list("user_id", "last_read_seq"))
        return cls(dict(rows))

    def counts(self, message: Message) -> tuple[int, int]:
        """(read_count, member_count) of a message, both leaving its sender out."""
        read = len(self.sorted) - bisect_left(self.sorted, message.seq)
        members = len(self.sorted)
        sender_pos = self.by_user.get(message.sender_id)
        if sender_pos is not None:
            members -= 1
            if sender_pos >= message.seq:
                read -= 1
        return read, members


def reactions_summary(reactions: Iterable[Reaction]) -> list[dict[str, Any]]:
    grouped: dict[str, list[int]] = {}
    for reaction in reactions:
        grouped.setdefault(reaction.emoji, []).append(reaction.user_id)
    return [{"emoji": e, "count": len(u), "users": u} for e, u in grouped.items()]


def message_dict(message: Message, *, read_count: int, member_count: int,
                 attachments: list[Attachment] | None = None,
                 mentions: Iterable[int] | None = None, fresh: bool = False) -> dict[str, Any]:
    """A Message. `fresh` says it was just created: no reactions yet, and the attachments and
    mentions are passed in, so serializing it costs no query."""
    deleted = message.deleted
    if attachments is None:
        attachments = [] if fresh else list(message.attachments.all())
    if mentions is None:
        mentions = [] if fresh else [m.user_id for m in message.mentions.all()]
    return {
        "id": message.id,
        "room": message.room_id,
        "seq": message.seq,
        "sender": user_summary(message.sender),
        "kind": message.kind,
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.html,
        "card": None if deleted else message.card,
        "reply_to": message.reply_to_id,
        "client_id": message.client_id,
        "attachments": [] if deleted else [attachment_dict(a) for a in attachments],
        "reactions": [] if deleted or fresh else reactions_summary(message.reactions.all()),
        "mentions": [] if deleted else sorted(mentions),
        "created_at": iso(message.created_at),
        "edited_at": iso(message.edited_at),
        "deleted": deleted,
        "read_count": read_count,
        "member_count": member_count,
        "forwarded": None if deleted else message.forwarded,
        "remind_of": message.remind_of,
        "topic": message.topic,
        "thread": message.thread_id,
        "thread_count": message.thread_count,
        "thread_last_seq": message.thread_last_seq,
    }


def message_prefetches() -> tuple[Any, ...]:
    """What `message_dict` reads of a message besides its row and sender."""
    return ("attachments", Prefetch("reactions", queryset=Reaction.objects.order_by("id")),
            "mentions")


def messages_queryset() -> Any:
    return Message.objects.select_related("sender").prefetch_related(*message_prefetches())


def messages_dicts(room_id: int, messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Serialize messages of one room with their read counts, in one extra query."""
    if not messages:
        return []
    positions = ReadPositions.of_room(room_id)
    out = []
    for message in messages:
        read, members = positions.counts(message)
        out.append(message_dict(message, read_count=read, member_count=members))
    return out


def room_shared(room: Room, *, pinned: list[int]) -> dict[str, Any]:
    """What of a Room is the same for every member (the `room_updated` frame): no unread,
    read position, role or mute, and no name for a direct room (each side sees the other)."""
    out = {"id": room.id, "kind": room.kind, "topic": room.topic, "last_seq": room.last_seq,
           "members_count": room.member_count,
           "unit": room.unit.code if room.unit_id and room.unit else None, "pinned": pinned,
           "announce_only": room.announce_only}
    if room.kind != Room.Kind.DIRECT:
        out["name"] = room.name
    return out


def room_dict(room: Room, *, last_read_seq: int, name: str | None = None,
              last_message: dict[str, Any] | None = None, role: str = "member",
              muted: bool = False, pinned: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": room.id,
        "name": name if name is not None else room.name,
        "kind": room.kind,
        "topic": room.topic,
        "last_seq": room.last_seq,
        "unread": max(0, room.last_seq - last_read_seq),
        "members_count": room.member_count,
        "last_read_seq": last_read_seq,
        "role": role,
        "unit": room.unit.code if room.unit_id and room.unit else None,
        "announce_only": room.announce_only,
        "last_message": last_message,
        "muted": muted,
        "pinned": pinned or [],
    }


def pinned_ids(room_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each room's pinned message ids, the latest pinned first: one query."""
    out: dict[int, list[int]] = {}
    for room_id, message_id in (Pin.objects.filter(room_id__in=list(room_ids))
                                .order_by("-pinned_at", "-id").values_list("room_id", "message_id")):
        out.setdefault(room_id, []).append(message_id)
    return out
