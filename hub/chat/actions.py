"""Writes to rooms and messages. Only these functions change chat rows, and each announces
its change with a live event after the transaction commits."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from hub.chat import commands, events
from hub.chat.access import access_message, access_room
from hub.chat.models import (
    Attachment,
    Mention,
    Message,
    Pin,
    Reaction,
    Room,
    RoomMember,
    TopicPreference,
)
from hub.chat.selectors import direct_names, room_for_user
from hub.chat.serializers import (
    ReadPositions,
    message_dict,
    messages_dicts,
    messages_queryset,
    pinned_ids,
    room_dict,
    room_shared,
    user_summary,
)
from hub.core.changes import record as record_change
from hub.core.models import IndexQueue
from hub.lib import markdown, ratelimit, secrecy
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.lib.realtime import publish, publish_on_commit
from hub.lib.times import iso
from hub.org.models import Unit, UnitMembership, User

MAX_EMOJI_CHARS = 32


@dataclass
class SendResult:
    message: dict[str, Any]
    created: bool


# --- change hooks ------------------------------------------------------------------------------
# Integrations that must hear of a change in the transaction that makes it (the Matrix
# bridge's outbox) register a hook here. The actions below call every hook inside their
# transaction, so whatever a hook writes commits with the change or not at all; the core
# imports none of them. New messages need no hook: they carry a gap-free seq per room.
ChangeKind = Literal["edit", "delete", "reaction", "read", "card", "typing", "join", "leave"]


@dataclass(frozen=True)
class Change:
    """`actor_id` made the change (None for a bot's card update); `data` holds the details:
    `emoji` and `on` for a reaction, `seq` for a read, `users` for a join or leave."""

    kind: ChangeKind
    room_id: int
    actor_id: int | None
    message_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


ChangeHook = Callable[[Change], None]
_change_hooks: list[ChangeHook] = []


def register_change_hook(hook: ChangeHook) -> None:
    if hook not in _change_hooks:
        _change_hooks.append(hook)


def unregister_change_hook(hook: ChangeHook) -> None:
    if hook in _change_hooks:
        _change_hooks.remove(hook)


def _changed(change: Change) -> None:
    for hook in _change_hooks:
        hook(change)


# --- rooms -------------------------------------------------------------------------------------
def _room_payload(room: Room, user_id: int, role: str, last_read_seq: int,
                  pinned: list[int] | None = None) -> dict[str, Any]:
    name = None
    if room.kind == Room.Kind.DIRECT:
        name = direct_names([room.id], user_id).get(room.id)
    return room_dict(room, last_read_seq=last_read_seq, name=name, role=role, pinned=pinned)


def add_members(*, room: Room, users: list[User], role: str = RoomMember.Role.MEMBER) -> int:
    """Add people to a room (those already in stay as they are); returns how many joined.
    Each newcomer's sockets start receiving the room at once."""
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(id=room.id)
        existing = set(
            RoomMember.objects.filter(room=locked, user__in=users).values_list("user_id", flat=True)
        )
        new = [u for u in users if u.id not in existing]
        if not new:
            return 0
        RoomMember.objects.bulk_create(
            [RoomMember(room=locked, user=u, role=role, last_read_seq=locked.last_seq) for u in new]
        )
        Room.objects.filter(id=locked.id).update(member_count=F("member_count") + len(new))
        locked.member_count += len(new)
        pinned = pinned_ids([locked.id]).get(locked.id)
        for user in new:
            payload = _room_payload(locked, user.id, role, locked.last_seq, pinned)
            publish_on_commit(events.room_joined(user_id=user.id, room=payload))
        _changed(Change("join", locked.id, None, data={"users": [u.id for u in new]}))
    room.member_count = locked.member_count
    return len(new)


def remove_members(*, room: Room, user_ids: list[int]) -> int:
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(id=room.id)
        gone = list(
            RoomMember.objects.filter(room=locked, user_id__in=user_ids)
            .values_list("user_id", flat=True)
        )
        if not gone:
            return 0
        RoomMember.objects.filter(room=locked, user_id__in=gone).delete()
        Room.objects.filter(id=locked.id).update(member_count=F("member_count") - len(gone))
        publish_on_commit(events.room_left(user_ids=gone, room_id=locked.id))
        _changed(Change("leave", locked.id, None, data={"users": gone}))
    return len(gone)


def set_muted(*, user: User, room_id: Any, muted: bool) -> dict[str, Any]:
    """免打扰 on or off for the caller in one room; their other sockets hear of it."""
    member = access_room(user_id=user.id, room_id=room_id)
    with transaction.atomic():
        RoomMember.objects.filter(id=member.id).update(muted=muted)
        member.muted = muted
        payload = room_for_user(member=member)
        publish_on_commit(events.room_updated(room=payload, users=[user.id]))
    return payload


# --- pins (置顶) -----------------------------------------------------------------------------------
MAX_PINS = 50


def _may_pin(member: RoomMember) -> None:
    """Anyone in a direct room or group; the admins of a unit room or channel."""
    if member.room.kind in (Room.Kind.DIRECT, Room.Kind.GROUP):
        return
    if member.role != RoomMember.Role.ADMIN:
        raise forbidden("只有会话管理员可以置顶或取消置顶消息")


def _announce_pins(room: Room) -> None:
    """The room's members hear its new pins (after commit)."""
    fresh = Room.objects.select_related("unit").get(id=room.id)
    pinned = pinned_ids([room.id]).get(room.id, [])
    publish_on_commit(events.room_updated(room=room_shared(fresh, pinned=pinned)))


def pin_message(*, user: User, room_id: Any, message_id: Any) -> dict[str, Any]:
    """Pin a message of the room for everyone in it; pinning it again changes nothing.
    Returns the Room as the caller sees it."""
    member = access_room(user_id=user.id, room_id=room_id)
    message, _ = access_message(user_id=user.id, message_id=message_id)
    if message.room_id != member.room_id:
        raise bad_request("只能置顶本会话中的消息")
    _may_pin(member)
    if message.deleted:
        raise ApiError("conflict", "消息已删除，不能置顶")
    with transaction.atomic():
        room = Room.objects.select_for_update().get(id=member.room_id)
        if not Pin.objects.filter(room=room, message=message).exists():
            if Pin.objects.filter(room=room).count() >= MAX_PINS:
                raise ApiError("conflict", f"每个会话最多置顶 {MAX_PINS} 条消息，请先取消一些")
            Pin.objects.create(room=room, message=message, pinned_by=user,
                               pinned_at=timezone.now())
            _announce_pins(room)
    return room_for_user(member=member)


def unpin_message(*, user: User, room_id: Any, message_id: Any) -> None:
    """Take a message off the room's pins (nothing happens if it was not pinned)."""
    member = access_room(user_id=user.id, room_id=room_id)
    message, _ = access_message(user_id=user.id, message_id=message_id)
    if message.room_id != member.room_id:
        raise not_found("消息")
    _may_pin(member)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(id=member.room_id)
        if Pin.objects.filter(room=room, message=message).delete()[0]:
            _announce_pins(room)


def users_by_username(usernames: list[str]) -> list[User]:
    """People of the organisation by username. People on Matrix are not among them: the
    bridge alone puts them in (bridged) rooms."""
    wanted = {u.strip() for u in usernames if isinstance(u, str) and u.strip()}
    found = list(User.objects.filter(username__in=wanted, is_active=True, is_external=False))
    missing = wanted - {u.username for u in found}
    if missing:
        raise bad_request("找不到这些人员：" + "、".join(sorted(missing)))
    return found


def create_room(*, creator: User, name: str, kind: str, members: list[str],
                topic: str = "", announce_only: bool = False) -> tuple[dict[str, Any], bool]:
    """Make a group or channel with the creator and the named members, or find or make the
    direct room with one person. Returns (Room as the creator sees it, created)."""
    if announce_only and kind != Room.Kind.CHANNEL:
        raise bad_request("只有频道可以设为仅管理员发言")
    if kind == Room.Kind.DIRECT:
        others = users_by_username(members)
        if len(others) != 1 or others[0].id == creator.id:
            raise bad_request("私聊需要且只能指定一位其他人员")
        other = others[0]
        low, high = sorted((creator.id, other.id))
        key = f"{low}:{high}"
        room = Room.objects.filter(direct_key=key).first()
        created = False
        if room is None:
            try:
                with transaction.atomic():
                    room = Room.objects.create(kind=kind, direct_key=key, created_by=creator)
                    add_members(room=room, users=[creator, other])
                created = True
            except IntegrityError:
                room = Room.objects.get(direct_key=key)
        member = RoomMember.objects.select_related("room").get(room=room, user=creator)
        return _room_payload(member.room, creator.id, member.role, member.last_read_seq), created
    if kind not in (Room.Kind.GROUP, Room.Kind.CHANNEL):
        raise bad_request("只能创建 group、channel 或 direct 类型的会话")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise bad_request("会话名称不能为空，且不超过 100 个字符")
    if len(topic) > 500:
        raise bad_request("主题不超过 500 个字符")
    others = [u for u in users_by_username(members) if u.id != creator.id]
    with transaction.atomic():
        room = Room.objects.create(name=name, kind=kind, topic=topic, created_by=creator,
                                   announce_only=announce_only)
        add_members(room=room, users=[creator], role=RoomMember.Role.ADMIN)
        add_members(room=room, users=others)
    room.refresh_from_db()
    return _room_payload(room, creator.id, RoomMember.Role.ADMIN, 0), True


def set_room_settings(*, user: User, room_id: Any, announce_only: bool) -> dict[str, Any]:
    """A channel's admins make it an announcement channel (only admins post) or open it
    again; answers the Room as the caller sees it. Every member's sockets hear of it
    (`room_updated`), so that their clients offer or withdraw the composer at once."""
    member = access_room(user_id=user.id, room_id=room_id)
    if member.room.kind != Room.Kind.CHANNEL:
        raise bad_request("只有频道可以设为仅管理员发言")
    if member.role != RoomMember.Role.ADMIN:
        raise forbidden("只有频道管理员可以更改频道设置")
    with transaction.atomic():
        changed = Room.objects.filter(id=member.room_id).exclude(
            announce_only=announce_only).update(announce_only=announce_only)
        member.room.announce_only = announce_only
        if changed:
            fresh = Room.objects.select_related("unit").get(id=member.room_id)
            pinned = pinned_ids([fresh.id]).get(fresh.id, [])
            publish_on_commit(events.room_updated(room=room_shared(fresh, pinned=pinned)))
    return _room_payload(member.room, user.id, member.role, member.last_read_seq)


def join_channel(*, user: User, room: Room) -> dict[str, Any]:
    add_members(room=room, users=[user])
    member = RoomMember.objects.select_related("room").get(room=room, user=user)
    return _room_payload(member.room, user.id, member.role, member.last_read_seq)


def leave_room(*, user: User, room_id: Any) -> None:
    member = access_room(user_id=user.id, room_id=room_id)
    if member.room.kind in (Room.Kind.UNIT, Room.Kind.DIRECT):
        raise forbidden("单位群和私聊不能退出")
    remove_members(room=member.room, user_ids=[user.id])


def sync_unit_room(*, unit: Unit) -> Room:
    """Make the unit's room follow its membership: every member of the unit is in it with
    the room role their unit role gives, and nobody else."""
    room, _ = Room.objects.get_or_create(
        unit=unit, defaults={"name": unit.name, "kind": Room.Kind.UNIT}
    )
    if room.name != unit.name:
        Room.objects.filter(id=room.id).update(name=unit.name)
    wanted = {m.user_id: m for m in UnitMembership.objects.filter(unit=unit).select_related("user")}
    # The unit's leaders and admins administer its room; everyone else is a plain member.
    roles = {
        uid: RoomMember.Role.ADMIN
        if m.role in (UnitMembership.Role.ADMIN, UnitMembership.Role.LEADER)
        else RoomMember.Role.MEMBER
        for uid, m in wanted.items()
    }
    present = dict(RoomMember.objects.filter(room=room).values_list("user_id", "role"))
    for role in (RoomMember.Role.ADMIN, RoomMember.Role.MEMBER):
        new = [wanted[uid].user for uid, r in roles.items() if r == role and uid not in present]
        if new:
            add_members(room=room, users=new, role=role)
        changed = [uid for uid, r in roles.items() if r == role and present.get(uid, r) != r]
        if changed:
            RoomMember.objects.filter(room=room, user_id__in=changed).update(role=role)
    # Bots that post into the room (documents, notices) stay: they are not unit members.
    bots = set(User.objects.filter(id__in=list(present), is_bot=True).values_list("id", flat=True))
    gone = [uid for uid in present if uid not in wanted and uid not in bots]
    if gone:
        remove_members(room=room, user_ids=gone)
    return room


# --- messages ----------------------------------------------------------------------------------
def _resolver(room_id: int):
    cache: dict[str, markdown.MentionTarget | None] = {}

    def resolve(token: str) -> markdown.MentionTarget | None:
        if token in cache:
            return cache[token]
        target: markdown.MentionTarget | None = None
        user = (User.objects.filter(username__iexact=token, is_active=True).first()
                or User.objects.filter(display_name=token, is_active=True).first())
        if user is not None:
            target = markdown.MentionTarget("user", user.id, user.name)
        else:
            unit = (Unit.objects.filter(code__iexact=token).first()
                    or Unit.objects.filter(name=token).first()
                    or Unit.objects.filter(short_name=token).exclude(short_name="").first())
            if unit is not None:
                target = markdown.MentionTarget("unit", unit.id, unit.name)
        cache[token] = target
        return target

    return resolve


def _check_body(body: Any, *, allow_empty: bool) -> str:
    if not isinstance(body, str):
        raise bad_request("body 必须是字符串")
    if len(body) > settings.HUITONG_MAX_MESSAGE_CHARS:
        raise ApiError("too_large", f"消息不能超过 {settings.HUITONG_MAX_MESSAGE_CHARS} 个字符")
    if not body.strip() and not allow_empty:
        raise bad_request("消息内容不能为空")
    return body


def _mentioned_users(room_id: int, rendered: markdown.Rendered) -> set[int]:
    users = set(rendered.users)
    if rendered.units:
        users |= set(
            UnitMembership.objects.filter(unit_id__in=rendered.units).values_list("user_id", flat=True)
        )
    if not users:
        return set()
    return set(
        RoomMember.objects.filter(room_id=room_id, user_id__in=users).values_list("user_id", flat=True)
    )


MAX_TOPIC_CHARS = 60


def clean_topic(raw: Any) -> str | None:
    """A topic as stored: white space folded, 1-60 characters; None or blank is no topic."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise bad_request("topic 必须是字符串")
    name = " ".join(raw.split())
    if not name:
        return None
    if len(name) > MAX_TOPIC_CHARS:
        raise bad_request(f"话题不能超过 {MAX_TOPIC_CHARS} 个字符")
    return name


def _serialize_one(message_id: int) -> dict[str, Any]:
    message = messages_queryset().get(id=message_id)
    return messages_dicts(message.room_id, [message])[0]


def send_message(*, sender: User, room_id: Any, body: Any, client_id: str | None = None,
                 reply_to: Any = None, attachment_ids: list[Any] | None = None,
                 kind: str = Message.Kind.TEXT, card: dict[str, Any] | None = None,
                 html: str | None = None, check_rate: bool = True,
                 forwarded: dict[str, Any] | None = None, remind_of: dict[str, Any] | None = None,
                 shared_attachments: list[Attachment] | None = None, topic: Any = None,
                 thread: Any = None) -> SendResult:
    """Store a message with the room's next seq and announce it.

    The same client_id from the same sender in the same room returns the first message
    again and stores nothing new. `shared_attachments` are files the caller has checked the
    sender may pass on (a forward); `attachment_ids` must be the sender's own uploads.
    `topic` puts it in a topic of the room; `thread` (a message of the room) puts it in that
    message's thread, under the thread's own root, in the root's topic unless another is
    given, and as a reply to the root unless `reply_to` says otherwise (so that a client
    that knows nothing of threads shows it as a quote-reply)."""
    member = access_room(user_id=sender.id, room_id=room_id)
    room_pk = member.room_id
    if (member.room.announce_only and member.role != RoomMember.Role.ADMIN
            and not sender.is_bot):
        raise forbidden("本频道仅管理员可以发言")
    if client_id is not None:
        existing = Message.objects.filter(room_id=room_pk, sender=sender, client_id=client_id)
        first = existing.values_list("id", flat=True).first()
        if first is not None:
            return SendResult(_serialize_one(first), created=False)
    attachment_ids = list(attachment_ids or [])
    body = _check_body(body, allow_empty=bool(attachment_ids or shared_attachments)
                       or kind != Message.Kind.TEXT)
    if check_rate:
        ratelimit.check(key="send", user_id=sender.id,
                        per_minute=settings.HUITONG_SEND_RATE_PER_MINUTE)
    topic = clean_topic(topic)
    root: Message | None = None
    if thread is not None:
        root, _ = access_message(user_id=sender.id, message_id=thread)
        if root.room_id != room_pk:
            raise bad_request("只能在同一会话的消息下跟帖")
        if root.thread_id is not None:
            root = Message.objects.get(id=root.thread_id)
        if root.deleted:
            raise ApiError("conflict", "原消息已删除，不能跟帖")
        if topic is None:
            topic = root.topic
        if reply_to is None:
            reply_to = root.id
    reply_pk = None
    if reply_to is not None:
        parent, _ = access_message(user_id=sender.id, message_id=reply_to)
        if parent.room_id != room_pk:
            raise bad_request("只能回复同一会话中的消息")
        reply_pk = parent.id
    attachments: list[Attachment] = []
    if attachment_ids:
        if len(attachment_ids) > 20:
            raise bad_request("一条消息最多 20 个附件")
        ids = {a for a in attachment_ids if isinstance(a, int) and not isinstance(a, bool)}
        attachments = list(Attachment.objects.filter(id__in=ids, uploader=sender))
        if len(attachments) != len(attachment_ids):
            raise not_found("附件")
    if shared_attachments:
        attachments = [*attachments, *shared_attachments][:20]
    if html is None:
        rendered = markdown.render(body, _resolver(room_pk))
        html = rendered.html
        mentioned = _mentioned_users(room_pk, rendered)
    else:
        html = markdown.sanitize(html)
        mentioned = set()

    # Readers are the people in the room other than the sender; bots read nothing.
    readers = (RoomMember.objects.filter(room_id=room_pk, user__is_bot=False)
               .exclude(user=sender).count())
    try:
        with transaction.atomic():
            # Everything that does not need the seq is written first, under a placeholder
            # seq: the room's row lock, which orders the room's senders, is then held only
            # for the statements that take the seq and for the commit. (A second send of
            # the same client_id waits on, then fails, the unique constraint.)
            now = timezone.now()
            message = Message.objects.create(
                room_id=room_pk, seq=_placeholder_seq(), sender=sender, kind=kind, body=body,
                html=html, card=card, reply_to_id=reply_pk, client_id=client_id,
                created_at=now, forwarded=forwarded, remind_of=remind_of, topic=topic,
                thread_id=root.id if root is not None else None,
            )
            if attachments:
                message.attachments.set(attachments)
            if mentioned:
                Mention.objects.bulk_create([Mention(message=message, user_id=u) for u in mentioned])
            record_change(kind="message", object_id=message.id)
            # Sending reads everything up to one's own message.
            message.seq = _take_seq(room_pk, message.id, sender.id)
            if root is not None:
                Message.objects.filter(id=root.id).update(thread_count=F("thread_count") + 1,
                                                          thread_last_seq=message.seq)
            message.sender = sender
            payload = message_dict(message, read_count=0, member_count=readers,
                                   attachments=attachments, mentions=mentioned, fresh=True)
            publish_on_commit(events.message_created(payload))
            if root is not None:
                # The root's reply count, after the reply itself (seq order on every socket).
                _announce_update(root.id)
            if kind == Message.Kind.TEXT and commands.command_name(body) is not None:
                # A bot command: its handler stores the work with the message (a job the
                # worker runs), so the command is answered after the sender has the ack.
                commands.dispatch(sender=sender, message=payload)
    except IntegrityError:
        # Another request stored the same client_id first.
        if client_id is None:
            raise
        first = (Message.objects.filter(room_id=room_pk, sender=sender, client_id=client_id)
                 .values_list("id", flat=True).first())
        if first is None:
            raise
        return SendResult(_serialize_one(first), created=False)
    return SendResult(payload, created=True)


def _placeholder_seq() -> int:
    """A message's seq until `_take_seq` gives it the room's next one, in the same
    transaction, so no other transaction ever sees it. Negative and random, so that two
    senders' placeholders in one room do not wait on each other in the unique index."""
    return -1 - secrets.randbelow(2**62)


def _take_seq(room_id: int, message_id: int, sender_id: int) -> int:
    """Raise the room's last_seq by one under its row lock, give it to the message and
    move the sender's read mark to it. The caller's transaction holds the lock until
    commit, so concurrent senders get consecutive seqs, and a rollback gives the number
    back. On PostgreSQL this is one statement: the lock is held for one round trip and the
    commit."""
    room_t, message_t, member_t = (Room._meta.db_table, Message._meta.db_table,
                                   RoomMember._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH r AS (UPDATE {room_t} SET last_seq = last_seq + 1 WHERE id = %s "  # noqa: S608 - table names from the models
                f"RETURNING last_seq), "
                f"m AS (UPDATE {message_t} SET seq = r.last_seq FROM r "
                f"WHERE {message_t}.id = %s RETURNING r.last_seq AS seq), "
                f"u AS (UPDATE {member_t} SET last_read_seq = m.seq FROM m "
                f"WHERE room_id = %s AND user_id = %s AND last_read_seq < m.seq) "
                f"SELECT seq FROM m",
                [room_id, message_id, room_id, sender_id],
            )
            row = cursor.fetchone()
            if row is None:
                raise not_found("会话")
            return int(row[0])
        cursor.execute(
            f"UPDATE {room_t} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",  # noqa: S608
            [room_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise not_found("会话")
    seq = int(row[0])
    Message.objects.filter(id=message_id).update(seq=seq)
    RoomMember.objects.filter(room_id=room_id, user_id=sender_id,
                              last_read_seq__lt=seq).update(last_read_seq=seq)
    return seq


def _announce_update(message_id: int) -> dict[str, Any]:
    payload = _serialize_one(message_id)
    publish_on_commit(events.message_updated(payload))
    return payload


def update_card(*, message_id: int, card: dict[str, Any]) -> dict[str, Any]:
    """Replace a card message's card (a bot, after applying an action) and announce it to the
    room; returns the updated Message. The caller decides who may change it."""
    with transaction.atomic():
        changed = Message.objects.filter(id=message_id, kind=Message.Kind.CARD).update(card=card)
        if not changed:
            raise not_found("卡片")
        payload = _announce_update(message_id)
        _changed(Change("card", payload["room"], None, message_id=message_id))
        return payload


def edit_message(*, user: User, message_id: Any, body: Any) -> dict[str, Any]:
    message, member = access_message(user_id=user.id, message_id=message_id)
    if message.sender_id != user.id:
        raise forbidden("只能编辑自己发送的消息")
    if message.deleted:
        raise ApiError("conflict", "消息已删除")
    if message.kind != Message.Kind.TEXT:
        raise forbidden("卡片和系统消息不能编辑")
    body = _check_body(body, allow_empty=message.attachments.exists())
    rendered = markdown.render(body, _resolver(message.room_id))
    with transaction.atomic():
        Message.objects.filter(id=message.id).update(
            body=body, html=rendered.html, edited_at=timezone.now()
        )
        mentioned = _mentioned_users(message.room_id, rendered)
        Mention.objects.filter(message=message).exclude(user_id__in=mentioned).delete()
        Mention.objects.bulk_create(
            [Mention(message=message, user_id=u) for u in mentioned], ignore_conflicts=True
        )
        record_change(kind="message", object_id=message.id)
        _changed(Change("edit", message.room_id, user.id, message_id=message.id))
        return _announce_update(message.id)


def delete_message(*, user: User, message_id: Any) -> dict[str, Any]:
    message, member = access_message(user_id=user.id, message_id=message_id)
    if message.sender_id != user.id and member.role != RoomMember.Role.ADMIN:
        raise forbidden("只能删除自己发送的消息")
    with transaction.atomic():
        if not message.deleted:
            Message.objects.filter(id=message.id).update(deleted=True, edited_at=timezone.now())
            Mention.objects.filter(message=message).delete()
            if Pin.objects.filter(message=message).delete()[0]:
                _announce_pins(message.room)
            record_change(kind="message", object_id=message.id, op="delete")
            _changed(Change("delete", message.room_id, user.id, message_id=message.id))
        return _announce_update(message.id)


def set_reaction(*, user: User, message_id: Any, emoji: Any, on: bool) -> dict[str, Any]:
    message, _ = access_message(user_id=user.id, message_id=message_id)
    if not isinstance(emoji, str) or not emoji.strip() or len(emoji) > MAX_EMOJI_CHARS:
        raise bad_request("emoji 必须是 1 到 32 个字符")
    if message.deleted:
        raise ApiError("conflict", "消息已删除")
    emoji = emoji.strip()
    with transaction.atomic():
        if on:
            _, changed = Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
        else:
            changed = bool(
                Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()[0])
        if changed:
            _changed(Change("reaction", message.room_id, user.id, message_id=message.id,
                            data={"emoji": emoji, "on": on}))
        return _announce_update(message.id)


# --- forwarding (转发) ---------------------------------------------------------------------------
FORWARD_REFUSED_CARDS = {"document", "document_tracking"}


def _check_forwardable(message: Message, attachments: list[Attachment]) -> None:
    if message.deleted:
        raise ApiError("conflict", "消息已删除，不能转发")
    card = message.card or {}
    if message.kind == Message.Kind.CARD and card.get("card_type") in FORWARD_REFUSED_CARDS:
        raise bad_request("公文卡片不能转发：公文只在收文单位内办理和传阅，请在公文页面查看。")
    texts = [message.body, str(card.get("title") or ""),
             *(str(f.get("value") or "") for f in card.get("fields") or [])]
    if (secrecy.is_marked(*texts) or secrecy.names_classified(*(a.name for a in attachments))
            or str(card.get("secrecy") or "none") not in ("none", "internal")):
        raise bad_request("带有密级标志（秘密、机密、绝密）的内容不能转发。")


def _room_name(room: Room, viewer_id: int) -> str:
    if room.kind == Room.Kind.DIRECT:
        return direct_names([room.id], viewer_id).get(room.id, "私聊")
    return room.name or str(room)


def forward_message(*, user: User, message_id: Any, room_id: Any,
                    comment: str = "") -> dict[str, Any]:
    """Send a copy of a message the caller can see into a room they are in, marked with where
    it came from; its files go along (and so become downloadable to the target room's
    members). A comment follows as the caller's reply to the copy. Document cards and
    anything classified are refused. Returns the copy."""
    source, _ = access_message(user_id=user.id, message_id=message_id)
    target = access_room(user_id=user.id, room_id=room_id)
    attachments = list(source.attachments.all())
    _check_forwardable(source, attachments)
    origin = source.forwarded or {
        "room_name": _room_name(source.room, user.id), "sender": user_summary(source.sender),
        "created_at": iso(source.created_at)}
    if source.kind == Message.Kind.TEXT:
        body, html = source.body, source.html
    else:  # a card travels as its text: its buttons act only where it was sent
        body = source.body or str((source.card or {}).get("title") or "")
        html = markdown.render(body).html
    comment = (comment or "").strip()
    with transaction.atomic():
        copy = send_message(sender=user, room_id=target.room_id, body=body, html=html,
                            forwarded=origin, shared_attachments=attachments).message
        if comment:
            send_message(sender=user, room_id=target.room_id, body=comment,
                         reply_to=copy["id"], check_rate=False)
    return copy


# --- 加急提醒 -------------------------------------------------------------------------------------
REMIND_EVERY = timedelta(minutes=10)
REMIND_MAX_PEOPLE = 200


class RemindTooSoon(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate_limited",
                         f"每条消息 10 分钟内只能加急提醒一次，请 {max(1, retry_after // 60)} 分钟后再试",
                         retry_after=retry_after)
        self.retry_after = retry_after


def _excerpt(message: Message) -> str:
    text = " ".join((message.body or "").split())
    if not text and message.kind == Message.Kind.CARD:
        text = str((message.card or {}).get("title") or "")
    if not text:
        names = list(message.attachments.values_list("name", flat=True)[:3])
        text = "[文件] " + "、".join(names) if names else "（无文字）"
    return text if len(text) <= 60 else text[:60] + "…"


def remind_unread(*, user: User, message_id: Any) -> int:
    """加急提醒 by the sender of a message: everyone in its room who has not read it gets,
    in their direct room with the sender, a 【加急】 message that mentions them and points
    to the original. Once per ten minutes per message (`rate_limited` with the seconds to
    wait); returns how many were reminded."""
    message, member = access_message(user_id=user.id, message_id=message_id)
    if message.sender_id != user.id:
        raise forbidden("只有消息的发送者可以加急提醒")
    if message.deleted:
        raise ApiError("conflict", "消息已删除")
    now = timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(id=message.id)
        if locked.reminded_at is not None and now - locked.reminded_at < REMIND_EVERY:
            left = REMIND_EVERY - (now - locked.reminded_at)
            raise RemindTooSoon(int(left.total_seconds()) + 1)
        unread = list(RoomMember.objects.filter(
            room_id=message.room_id, last_read_seq__lt=message.seq, user__is_bot=False,
            user__is_active=True).exclude(user=user).select_related("user").order_by("user_id"))
        if not unread:
            return 0
        if len(unread) > REMIND_MAX_PEOPLE:
            raise bad_request(f"未读人数超过 {REMIND_MAX_PEOPLE} 人，请改用 @ 提及或通知公告")
        Message.objects.filter(id=message.id).update(reminded_at=now)
        where = _room_name(member.room, user.id)
        excerpt = _excerpt(message)
        link = {"room": message.room_id, "message": message.id, "seq": message.seq}
        for other in unread:
            room, _ = create_room(creator=user, name="", kind=Room.Kind.DIRECT,
                                  members=[other.user.username])
            body = f"【加急】@{other.user.username} 请尽快查看“{where}”中的消息：{excerpt}"
            send_message(sender=user, room_id=room["id"], body=body, remind_of=link,
                         check_rate=False)
    return len(unread)


# --- topics (话题) ---------------------------------------------------------------------------------
RENAME_BATCH = 1000


def _may_rename(member: RoomMember, name: str) -> None:
    """Anyone in a direct room or group; in a unit room or channel its admins and whoever
    started the topic."""
    if member.room.kind in (Room.Kind.DIRECT, Room.Kind.GROUP):
        return
    if member.role == RoomMember.Role.ADMIN:
        return
    starter = (Message.objects.filter(room_id=member.room_id, topic=name).order_by("seq")
               .values_list("sender_id", flat=True).first())
    if starter != member.user_id:
        raise forbidden("只有会话管理员和话题发起人可以重命名话题")


def rename_topic(*, user: User, room_id: Any, name: Any, to: Any) -> dict[str, Any]:
    """Rename a topic of a room (into another topic's name merges the two). Its messages
    are rewritten in batches, each its own transaction, without the room's row lock, so
    people keep sending meanwhile; only the last batch (with whatever was sent to the old
    name during the others) runs under the lock, which also carries the preferences over
    and announces `topic_renamed` to the room once. Returns {"room", "from", "to", "count"}."""
    member = access_room(user_id=user.id, room_id=room_id)
    old, new = clean_topic(name), clean_topic(to)
    if old is None or new is None:
        raise bad_request("请给出原话题和新话题的名称")
    if old == new:
        raise bad_request("新话题名称与原名称相同")
    room_pk = member.room_id
    if not Message.objects.filter(room_id=room_pk, topic=old).exists():
        raise not_found("话题")
    _may_rename(member, old)
    moved = 0
    while True:
        with transaction.atomic():
            ids = list(Message.objects.filter(room_id=room_pk, topic=old).order_by("id")
                       .values_list("id", flat=True)[:RENAME_BATCH])
            if len(ids) < RENAME_BATCH:
                break
            moved += _retopic(ids, old, new)
    with transaction.atomic():
        Room.objects.select_for_update().filter(id=room_pk).values_list("id", flat=True).get()
        ids = list(Message.objects.filter(room_id=room_pk, topic=old)
                   .values_list("id", flat=True))
        moved += _retopic(ids, old, new)
        # The preferences follow the topic; someone who had one for both keeps the new name's.
        taken = TopicPreference.objects.filter(room_id=room_pk, name=new).values_list(
            "user_id", flat=True)
        TopicPreference.objects.filter(room_id=room_pk, name=old, user_id__in=list(taken)).delete()
        TopicPreference.objects.filter(room_id=room_pk, name=old).update(name=new)
        publish_on_commit(events.topic_renamed(room_id=room_pk, old=old, new=new,
                                               by=user_summary(user), count=moved))
    return {"room": room_pk, "from": old, "to": new, "count": moved}


def _retopic(ids: list[int], old: str, new: str) -> int:
    """Move these messages from topic `old` to `new` and queue them for the index."""
    if not ids:
        return 0
    changed = list(Message.objects.filter(id__in=ids, topic=old).values_list("id", flat=True))
    Message.objects.filter(id__in=changed).update(topic=new)
    IndexQueue.objects.bulk_create([IndexQueue(kind="message", object_id=i) for i in changed])
    return len(changed)


def set_topic_state(*, user: User, room_id: Any, name: Any, state: str) -> dict[str, Any]:
    """Follow (关注) or mute (免打扰) a topic of a room for the caller, or neither (`none`);
    their other sockets hear of it as `topic_state`."""
    member = access_room(user_id=user.id, room_id=room_id)
    topic = clean_topic(name)
    if topic is None:
        raise bad_request("请给出话题名称")
    if state not in ("follow", "mute", "none"):
        raise bad_request("state 必须是 follow、mute 或 none")
    with transaction.atomic():
        if state == "none":
            TopicPreference.objects.filter(room_id=member.room_id, user=user, name=topic).delete()
        else:
            TopicPreference.objects.update_or_create(
                room_id=member.room_id, user=user, name=topic,
                defaults={"state": state, "updated_at": timezone.now()})
        publish_on_commit(events.topic_state(user_id=user.id, room_id=member.room_id,
                                             name=topic, state=state))
    return {"room": member.room_id, "name": topic, "state": state}


# --- moving a topic ------------------------------------------------------------------------------------
MOVE_MAX_MESSAGES = 500


def move_topic(*, user: User, room_id: Any, name: Any, to_room: Any,
               to: Any = None) -> dict[str, Any]:
    """Move a topic into another room (under its name, or `to`). Seqs are per room and
    gap-free, so the messages cannot change rooms: each is sent again in the target room by
    the caller, marked with where and whom it came from (as a forward, its files along), in
    seq order and with its thread kept, and the original is deleted; a note in the old room
    says where the topic went. The caller must be allowed to rename the topic and to post in
    the target room; cards stay where they are; anything classified refuses the whole move.
    All or nothing. Returns {"room", "to_room", "from", "to", "count"}."""
    member = access_room(user_id=user.id, room_id=room_id)
    target = access_room(user_id=user.id, room_id=to_room)
    old = clean_topic(name)
    new = clean_topic(to) or old
    if old is None or new is None:
        raise bad_request("请给出要移动的话题名称")
    if target.room_id == member.room_id:
        raise bad_request("目标会话与原会话相同；在同一会话内请用重命名")
    originals = list(messages_queryset().filter(room_id=member.room_id, topic=old, deleted=False)
                     .exclude(kind=Message.Kind.CARD).order_by("seq"))
    if not originals:
        raise not_found("话题")
    _may_rename(member, old)
    if len(originals) > MOVE_MAX_MESSAGES:
        raise bad_request(f"一次最多移动 {MOVE_MAX_MESSAGES} 条消息")
    files = {m.id: list(m.attachments.all()) for m in originals}
    for message in originals:
        _check_forwardable(message, files[message.id])
    where = _room_name(member.room, user.id)
    copies: dict[int, int] = {}
    with transaction.atomic():
        for message in originals:
            origin = message.forwarded or {
                "room_name": where, "sender": user_summary(message.sender),
                "created_at": iso(message.created_at)}
            thread = copies.get(message.thread_id) if message.thread_id else None
            copy = send_message(sender=user, room_id=target.room_id, body=message.body,
                                html=message.html, forwarded=origin,
                                shared_attachments=files[message.id], topic=new,
                                thread=thread, check_rate=False).message
            copies[message.id] = copy["id"]
            Message.objects.filter(id=message.id).update(deleted=True, edited_at=timezone.now())
            Mention.objects.filter(message=message).delete()
            if Pin.objects.filter(message=message).delete()[0]:
                _announce_pins(member.room)
            record_change(kind="message", object_id=message.id, op="delete")
            _changed(Change("delete", member.room_id, user.id, message_id=message.id))
            _announce_update(message.id)
        TopicPreference.objects.filter(room_id=member.room_id, name=old).delete()
        there = _room_name(target.room, user.id)
        send_message(sender=user, room_id=member.room_id, check_rate=False,
                     body=f"话题“{old}”的 {len(originals)} 条消息已由{user.name}移至“{there}”。")
    return {"room": member.room_id, "to_room": target.room_id, "from": old, "to": new,
            "count": len(originals)}


# --- receipts ----------------------------------------------------------------------------------
def mark_read(*, user: User, room_id: Any, seq: Any) -> dict[str, Any]:
    """Move the caller's read position forward to `seq` (capped at the room's last seq), as
    one read of `mark_reads`. Answers the position now held."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise bad_request("seq 必须是非负整数")
    member = access_room(user_id=user.id, room_id=room_id)
    with transaction.atomic():
        mark_reads([(user.id, member.room_id, seq)])
        position = (RoomMember.objects.filter(id=member.id)
                    .values_list("last_read_seq", flat=True)[0])
    return {"room": member.room_id, "seq": position}


def mark_reads(reads: Iterable[tuple[int, int, int]]) -> int:
    """Read positions `(user_id, room_id, seq)`: one (`mark_read`), or the WebSocket `read`
    frames of one tick in this process (hub/chat/consumers.py: ReadBatcher). Each position
    moves forward only, capped at the room's last seq, and only a member's. Each reader's
    receipt goes to everyone in a small room (up to HUITONG_RECEIPT_FANOUT_MAX members) and
    to the reader alone in a larger one. The read counts are worked out once per room for
    the whole batch: one `message_updated` per message someone other than its sender has
    just read (the newest 50 per room), to everyone in a small room and to its sender in a
    larger one, however many people read it in the tick. In a storm of replies that is what
    keeps reading from costing a message's worth of work per reader.
    Returns how many positions moved."""
    wanted: dict[tuple[int, int], int] = {}
    for user_id, room_id, seq in reads:
        key = (room_id, user_id)
        wanted[key] = max(wanted.get(key, 0), seq)
    if not wanted:
        return 0
    room_ids = {room for room, _ in wanted}
    user_ids = {user for _, user in wanted}
    moved: dict[int, list[tuple[int, int, int]]] = {}  # room -> [(user, from, to)]
    with transaction.atomic():
        rooms = {rid: (last_seq, count) for rid, last_seq, count in
                 Room.objects.filter(id__in=room_ids).values_list("id", "last_seq", "member_count")}
        # Rows locked in id order, so two processes' batches cannot deadlock.
        members = list(RoomMember.objects.select_for_update()
                       .filter(room_id__in=room_ids, user_id__in=user_ids).order_by("id"))
        changed = []
        for member in members:
            asked = wanted.get((member.room_id, member.user_id))
            if asked is None or member.room_id not in rooms:
                continue
            target = min(asked, rooms[member.room_id][0])
            if target <= member.last_read_seq:
                continue
            moved.setdefault(member.room_id, []).append(
                (member.user_id, member.last_read_seq, target))
            member.last_read_seq = target
            changed.append(member)
        if not changed:
            return 0
        RoomMember.objects.bulk_update(changed, ["last_read_seq"])
        for room_id, readers in moved.items():
            small = rooms[room_id][1] <= settings.HUITONG_RECEIPT_FANOUT_MAX
            for user_id, _previous, target in readers:
                _changed(Change("read", room_id, user_id, data={"seq": target}))
            if small:
                for user_id, previous, target in readers:
                    publish_on_commit(events.receipt(room_id=room_id, user_id=user_id,
                                                     seq=target, from_seq=previous))
            else:  # each reader hears only of their own read: one envelope for them all
                publish_on_commit(events.own_receipts(room_id, readers))
            # Messages someone other than their sender has just read, newest 50.
            low = min(previous for _, previous, _ in readers)
            high = max(target for _, _, target in readers)
            candidates = (messages_queryset().filter(room_id=room_id, seq__gt=low, seq__lte=high)
                          .order_by("-seq")[:50])
            newly_read = [m for m in candidates
                          if any(previous < m.seq <= target and user_id != m.sender_id
                                 for user_id, previous, target in readers)]
            if not newly_read:
                continue
            positions = ReadPositions.of_room(room_id)
            updates = []
            for message in newly_read:
                read, count = positions.counts(message)
                updates.append((message.sender_id,
                                message_dict(message, read_count=read, member_count=count)))
            if small:
                for _sender, payload in updates:
                    publish_on_commit(events.message_updated(payload))
            else:  # each count to its sender only: one envelope for many senders
                for envelope in events.updates_to_senders(updates):
                    publish_on_commit(envelope)
    return len(changed)


def typing(*, user: User, room_id: Any) -> None:
    member = access_room(user_id=user.id, room_id=room_id)
    publish(events.typing(room_id=member.room_id, user=user_summary(user)))
    _changed(Change("typing", member.room_id, user.id))


# --- attachments -------------------------------------------------------------------------------
def store_attachment(*, uploader: User, name: str, chunks: Any, declared_mime: str = "") -> Attachment:
    """Write an upload to a random path while hashing it. The caller has checked the size."""
    name = Path(name or "file").name.strip()[:255] or "file"
    storage_name = secrets.token_hex(20)
    folder = Path(settings.MEDIA_ROOT) / "attachments" / storage_name[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / storage_name
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.HUITONG_MAX_UPLOAD_BYTES:
                    raise ApiError("too_large",
                                   f"文件不能超过 {settings.HUITONG_MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
                digest.update(chunk)
                out.write(chunk)
        mime = mimetypes.guess_type(name)[0] or declared_mime or "application/octet-stream"
        return Attachment.objects.create(
            uploader=uploader, name=name, size=size, mime=mime[:127],
            sha256=digest.hexdigest(), storage_name=f"{storage_name[:2]}/{storage_name}",
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.MEDIA_ROOT) / "attachments" / attachment.storage_name


def messages_after(*, room_id: int, after_seq: int, upto_seq: int | None = None,
                   limit: int = 500) -> list[dict[str, Any]]:
    qs = messages_queryset().filter(room_id=room_id, seq__gt=after_seq)
    if upto_seq is not None:
        qs = qs.filter(seq__lte=upto_seq)
    return messages_dicts(room_id, list(qs.order_by("seq")[:limit]))
