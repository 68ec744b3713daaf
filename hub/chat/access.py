"""Every id that comes from a client passes through one of these functions.

What a user may not see answers `not_found`, never `forbidden`: the protocol promises that
a user learns nothing about rooms, messages or files outside what they may see.
"""

from __future__ import annotations

from typing import Any

from hub.chat.models import Attachment, Message, Room, RoomMember
from hub.lib.errors import not_found
from hub.lib.ids import as_id


def access_room(*, user_id: int, room_id: Any, for_update: bool = False) -> RoomMember:
    """The caller's membership of the room; `not_found` unless they are a member."""
    rid = as_id(room_id)
    if rid is None:
        raise not_found("会话")
    qs = RoomMember.objects.select_related("room").filter(room_id=rid, user_id=user_id)
    if for_update:
        qs = qs.select_for_update()
    member = qs.first()
    if member is None:
        raise not_found("会话")
    return member


def access_channel_to_join(*, room_id: Any) -> Room:
    """A channel anyone in the organisation may find and join."""
    rid = as_id(room_id)
    room = Room.objects.filter(id=rid, kind=Room.Kind.CHANNEL).first() if rid else None
    if room is None:
        raise not_found("会话")
    return room


def access_message(*, user_id: int, message_id: Any) -> tuple[Message, RoomMember]:
    """A message in a room the caller is a member of."""
    mid = as_id(message_id)
    if mid is None:
        raise not_found("消息")
    message = Message.objects.select_related("room", "sender").filter(id=mid).first()
    if message is None:
        raise not_found("消息")
    member = RoomMember.objects.filter(room_id=message.room_id, user_id=user_id).first()
    if member is None:
        raise not_found("消息")
    member.room = message.room
    return message, member


def access_attachment(*, user_id: int, attachment_id: Any) -> Attachment:
    """A file the caller uploaded, or one posted in a room the caller is a member of."""
    aid = as_id(attachment_id)
    if aid is None:
        raise not_found("附件")
    attachment = Attachment.objects.filter(id=aid).first()
    if attachment is None:
        raise not_found("附件")
    if attachment.uploader_id == user_id:
        return attachment
    visible = Message.objects.filter(
        attachments=attachment, deleted=False, room__members__user_id=user_id
    ).exists()
    if not visible:
        raise not_found("附件")
    return attachment
