"""Reads: what a user's rooms, a room's messages and a message's readers look like."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Max, Q

from hub.chat.models import Message, Room, RoomMember, TopicPreference
from hub.chat.serializers import (
    messages_dicts,
    messages_queryset,
    pinned_ids,
    room_dict,
    user_summary,
)
from hub.lib.times import iso

MAX_PAGE = 500


def direct_names(room_ids: list[int], viewer_id: int) -> dict[int, str]:
    """For direct rooms, the other person's name is the room's name for the viewer."""
    names: dict[int, str] = {}
    rows = (
        RoomMember.objects.filter(room_id__in=room_ids).exclude(user_id=viewer_id)
        .values_list("room_id", "user__display_name", "user__username")
    )
    for room_id, display_name, username in rows:
        names[room_id] = display_name or username
    return names


def preview(message: Message) -> dict[str, Any]:
    text = "" if message.deleted else message.body
    if len(text) > 80:
        text = text[:80] + "…"
    return {
        "id": message.id,
        "seq": message.seq,
        "sender": message.sender.name,
        "body": text,
        "kind": message.kind,
        "deleted": message.deleted,
        "created_at": iso(message.created_at),
    }


def rooms_for_user(*, user_id: int) -> list[dict[str, Any]]:
    """The caller's rooms, the one with the newest message first (empty rooms by age)."""
    members = list(
        RoomMember.objects.filter(user_id=user_id).select_related("room", "room__unit")
    )
    room_ids = [m.room_id for m in members]
    direct_ids = [m.room_id for m in members if m.room.kind == Room.Kind.DIRECT]
    names = direct_names(direct_ids, user_id) if direct_ids else {}
    last = {
        m.room_id: m
        for m in Message.objects.filter(room_id__in=room_ids, seq=F("room__last_seq"))
        .select_related("sender")
    }
    members.sort(key=lambda m: last[m.room_id].created_at if m.room_id in last
                 else m.room.created_at, reverse=True)
    pins = pinned_ids(room_ids)
    return [
        room_dict(
            m.room, last_read_seq=m.last_read_seq, name=names.get(m.room_id), role=m.role,
            last_message=preview(last[m.room_id]) if m.room_id in last else None,
            muted=m.muted, pinned=pins.get(m.room_id),
        )
        for m in members
    ]


def room_for_user(*, member: RoomMember) -> dict[str, Any]:
    room = member.room
    names = direct_names([room.id], member.user_id) if room.kind == Room.Kind.DIRECT else {}
    last = Message.objects.filter(room_id=room.id, seq=room.last_seq).select_related("sender").first()
    return room_dict(room, last_read_seq=member.last_read_seq, name=names.get(room.id),
                     role=member.role, last_message=preview(last) if last else None,
                     muted=member.muted, pinned=pinned_ids([room.id]).get(room.id))


def pinned_messages(*, room_id: int) -> list[dict[str, Any]]:
    """The room's pinned messages, the latest pinned first."""
    order = pinned_ids([room_id]).get(room_id, [])
    found = {m.id: m for m in messages_queryset().filter(id__in=order, room_id=room_id)}
    rows = [found[i] for i in order if i in found]
    by_id = {d["id"]: d for d in messages_dicts(room_id, rows)}
    return [by_id[m.id] for m in rows]


def messages_page(*, room_id: int, after_seq: int | None, before_seq: int | None,
                  limit: int, topic: str | None = None) -> list[dict[str, Any]]:
    """Messages in seq order. With only `before_seq` (or nothing) the newest page is given;
    with `topic`, only that topic's messages (seqs then have gaps: the room's seq is
    per room)."""
    qs = messages_queryset().filter(room_id=room_id)
    if topic is not None:
        qs = qs.filter(topic=topic)
    if after_seq is not None:
        qs = qs.filter(seq__gt=after_seq)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    if after_seq is not None:
        rows = list(qs.order_by("seq")[:limit])
    else:
        rows = list(qs.order_by("-seq")[:limit])
        rows.reverse()
    return messages_dicts(room_id, rows)


def readers(*, message: Message) -> dict[str, Any]:
    members = (
        RoomMember.objects.filter(room_id=message.room_id, user__is_bot=False)
        .exclude(user_id=message.sender_id).select_related("user").order_by("user__username")
    )
    read: list[dict[str, Any]] = []
    unread: list[dict[str, Any]] = []
    for member in members:
        (read if member.last_read_seq >= message.seq else unread).append(user_summary(member.user))
    return {"message": message.id, "read": read, "unread": unread,
            "read_count": len(read), "unread_count": len(unread)}


def room_members(*, room_id: int) -> list[dict[str, Any]]:
    rows = (
        RoomMember.objects.filter(room_id=room_id).select_related("user")
        .order_by("user__username")
    )
    return [{**user_summary(m.user), "role": m.role, "last_read_seq": m.last_read_seq}
            for m in rows]


def channels_directory(*, user_id: int) -> list[dict[str, Any]]:
    mine = set(RoomMember.objects.filter(user_id=user_id).values_list("room_id", flat=True))
    return [
        {"id": r.id, "name": r.name, "topic": r.topic, "members_count": r.member_count,
         "joined": r.id in mine}
        for r in Room.objects.filter(kind=Room.Kind.CHANNEL).order_by("name")
    ]


# --- topics and threads ----------------------------------------------------------------------------
def room_topics(*, member: RoomMember) -> list[dict[str, Any]]:
    """The room's topics, the one with the newest message first: how many messages, the
    newest seq and time, how many the member has not read (others' messages past their read
    position), and whether they follow or muted it. One query plus the preferences."""
    position = member.last_read_seq
    rows = (Message.objects.filter(room_id=member.room_id, topic__isnull=False, deleted=False)
            .values("topic")
            .annotate(count=Count("id"), last_seq=Max("seq"), last_at=Max("created_at"),
                      unread=Count("id", filter=Q(seq__gt=position)
                                   & ~Q(sender_id=member.user_id)))
            .order_by("-last_seq"))
    states: dict[str | None, str] = dict(
        TopicPreference.objects.filter(room_id=member.room_id, user_id=member.user_id)
        .values_list("name", "state"))
    return [{"name": r["topic"], "count": r["count"], "last_seq": r["last_seq"],
             "last_at": iso(r["last_at"]), "unread": r["unread"],
             "state": states.get(r["topic"], "none")} for r in rows]


def followed_topics(*, user_id: int) -> list[dict[str, Any]]:
    """The topics the caller follows or muted in their rooms, with counts as `room_topics`
    gives them, the newest first: two queries whatever the number of topics."""
    prefs = list(TopicPreference.objects.filter(user_id=user_id, room__members__user_id=user_id)
                 .select_related("room"))
    if not prefs:
        return []
    positions = dict(RoomMember.objects.filter(
        user_id=user_id, room_id__in={p.room_id for p in prefs}).values_list("room_id",
                                                                              "last_read_seq"))
    wanted = Q()
    unread = Q()
    for pref in prefs:
        wanted |= Q(room_id=pref.room_id, topic=pref.name)
    for room_id, position in positions.items():
        unread |= Q(room_id=room_id, seq__gt=position)
    counts: dict[tuple[int, str | None], dict[str, Any]] = {(r["room_id"], r["topic"]): dict(r) for r in (
        Message.objects.filter(wanted, deleted=False).values("room_id", "topic")
        .annotate(count=Count("id"), last_seq=Max("seq"), last_at=Max("created_at"),
                  unread=Count("id", filter=unread & ~Q(sender_id=user_id))))}
    names = direct_names([p.room_id for p in prefs if p.room.kind == Room.Kind.DIRECT], user_id)
    out = []
    for pref in prefs:
        agg = counts.get((pref.room_id, pref.name), {})
        out.append({"room": pref.room_id, "room_name": names.get(pref.room_id) or pref.room.name,
                    "name": pref.name, "state": pref.state, "count": agg.get("count", 0),
                    "last_seq": agg.get("last_seq"), "last_at": iso(agg.get("last_at")),
                    "unread": agg.get("unread", 0)})
    out.sort(key=lambda t: t["last_at"] or "", reverse=True)
    return out


def thread(*, root: Message, limit: int = MAX_PAGE) -> dict[str, Any]:
    """A thread: its root and its replies in seq order (the first `limit`)."""
    rows = list(messages_queryset().filter(thread_id=root.id).order_by("seq")[:limit])
    first = list(messages_queryset().filter(id=root.id))
    dicts = messages_dicts(root.room_id, first + rows)
    return {"root": dicts[0], "replies": dicts[1:], "count": root.thread_count}
