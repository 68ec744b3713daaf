"""HTTP endpoints for rooms, messages, receipts and attachments: parse, call one action or
selector, answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.utils.http import content_disposition_header

from hub.chat import actions, cards, previews, selectors
from hub.chat.access import access_attachment, access_channel_to_join, access_message, access_room
from hub.chat.schemas import (
    ActionIn,
    EditIn,
    ForwardIn,
    MembersIn,
    MessagesQuery,
    MuteIn,
    PinIn,
    ReactionIn,
    ReadIn,
    RoomIn,
    RoomSettingsIn,
    SendIn,
    TopicMoveIn,
    TopicRenameIn,
    TopicStateIn,
)
from hub.chat.serializers import attachment_dict
from hub.lib.errors import ApiError, bad_request, forbidden
from hub.lib.http import endpoint, error_response, parse_body, parse_query
from hub.org.models import User

# Shown in the browser rather than downloaded; never SVG or HTML, which can carry script.
INLINE_MIMES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                "text/plain"}


@endpoint("GET", "POST")
def rooms(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        return 200, selectors.rooms_for_user(user_id=user.id)
    data = parse_body(request, RoomIn)
    room, created = actions.create_room(creator=user, name=data.name, kind=data.kind,
                                        members=data.members, topic=data.topic,
                                        announce_only=data.announce_only)
    return (201 if created else 200), room


@endpoint("GET")
def room_detail(request: HttpRequest, user: User, room_id: int) -> Any:
    member = access_room(user_id=user.id, room_id=room_id)
    return 200, selectors.room_for_user(member=member)


@endpoint("POST")
def room_settings(request: HttpRequest, user: User, room_id: int) -> Any:
    data = parse_body(request, RoomSettingsIn)
    return 200, actions.set_room_settings(user=user, room_id=room_id,
                                          announce_only=data.announce_only)


@endpoint("GET", "POST")
def room_members(request: HttpRequest, user: User, room_id: int) -> Any:
    member = access_room(user_id=user.id, room_id=room_id)
    if request.method == "GET":
        return 200, selectors.room_members(room_id=member.room_id)
    if member.room.kind not in ("group", "channel"):
        raise forbidden("只能向群组或频道添加成员")
    if member.role != "admin" and member.room.kind == "group":
        raise forbidden("只有群组管理员可以添加成员")
    data = parse_body(request, MembersIn)
    added = actions.add_members(room=member.room, users=actions.users_by_username(data.members))
    return 200, {"added": added}


@endpoint("POST")
def room_leave(request: HttpRequest, user: User, room_id: int) -> Any:
    actions.leave_room(user=user, room_id=room_id)
    return 204, None


@endpoint("POST")
def room_mute(request: HttpRequest, user: User, room_id: int) -> Any:
    data = parse_body(request, MuteIn)
    return 200, actions.set_muted(user=user, room_id=room_id, muted=data.muted)


@endpoint("GET", "POST")
def room_pins(request: HttpRequest, user: User, room_id: int) -> Any:
    if request.method == "GET":
        member = access_room(user_id=user.id, room_id=room_id)
        return 200, [cards.for_viewer(m, user.id)
                     for m in selectors.pinned_messages(room_id=member.room_id)]
    data = parse_body(request, PinIn)
    return 201, actions.pin_message(user=user, room_id=room_id, message_id=data.message)


@endpoint("DELETE")
def room_pin(request: HttpRequest, user: User, room_id: int, message_id: int) -> Any:
    actions.unpin_message(user=user, room_id=room_id, message_id=message_id)
    return 204, None


@endpoint("GET")
def channels(request: HttpRequest, user: User) -> Any:
    return 200, selectors.channels_directory(user_id=user.id)


@endpoint("POST")
def channel_join(request: HttpRequest, user: User, room_id: int) -> Any:
    room = access_channel_to_join(room_id=room_id)
    return 200, actions.join_channel(user=user, room=room)


@endpoint("GET", "POST")
def messages(request: HttpRequest, user: User, room_id: int) -> Any:
    member = access_room(user_id=user.id, room_id=room_id)
    if request.method == "GET":
        query = parse_query(request, MessagesQuery)
        topic = actions.clean_topic(query.topic) if query.topic is not None else None
        page = selectors.messages_page(
            room_id=member.room_id, after_seq=query.after_seq, before_seq=query.before_seq,
            limit=query.limit, topic=topic,
        )
        return 200, [cards.for_viewer(m, user.id) for m in page]
    data = parse_body(request, SendIn)
    result = actions.send_message(
        sender=user, room_id=member.room_id, body=data.body, client_id=data.client_id,
        reply_to=data.reply_to, attachment_ids=data.attachments, topic=data.topic,
        thread=data.thread,
    )
    return (201 if result.created else 200), cards.for_viewer(result.message, user.id)


@endpoint("GET")
def topics(request: HttpRequest, user: User, room_id: int) -> Any:
    member = access_room(user_id=user.id, room_id=room_id)
    return 200, selectors.room_topics(member=member)


@endpoint("POST")
def topic_rename(request: HttpRequest, user: User, room_id: int) -> Any:
    data = parse_body(request, TopicRenameIn)
    return 200, actions.rename_topic(user=user, room_id=room_id, name=data.name, to=data.to)


@endpoint("POST")
def topic_move(request: HttpRequest, user: User, room_id: int) -> Any:
    data = parse_body(request, TopicMoveIn)
    return 200, actions.move_topic(user=user, room_id=room_id, name=data.name, to_room=data.room,
                                   to=data.to)


@endpoint("POST")
def topic_state(request: HttpRequest, user: User, room_id: int) -> Any:
    data = parse_body(request, TopicStateIn)
    return 200, actions.set_topic_state(user=user, room_id=room_id, name=data.name,
                                        state=data.state)


@endpoint("GET")
def followed_topics(request: HttpRequest, user: User) -> Any:
    return 200, selectors.followed_topics(user_id=user.id)


@endpoint("GET")
def thread(request: HttpRequest, user: User, message_id: int) -> Any:
    message, _ = access_message(user_id=user.id, message_id=message_id)
    root = message if message.thread_id is None else message.thread
    assert root is not None
    found = selectors.thread(root=root)
    found["root"] = cards.for_viewer(found["root"], user.id)
    found["replies"] = [cards.for_viewer(m, user.id) for m in found["replies"]]
    return 200, found


@endpoint("POST")
def read(request: HttpRequest, user: User, room_id: int) -> Any:
    data = parse_body(request, ReadIn)
    return 200, actions.mark_read(user=user, room_id=room_id, seq=data.seq)


@endpoint("GET", "PATCH", "DELETE")
def message_detail(request: HttpRequest, user: User, message_id: int) -> Any:
    if request.method == "GET":
        message, member = access_message(user_id=user.id, message_id=message_id)
        one = selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                      before_seq=message.seq + 1, limit=1)[0]
        return 200, cards.for_viewer(one, user.id)
    if request.method == "PATCH":
        data = parse_body(request, EditIn)
        return 200, actions.edit_message(user=user, message_id=message_id, body=data.body)
    return 200, actions.delete_message(user=user, message_id=message_id)


@endpoint("POST", "DELETE")
def reactions(request: HttpRequest, user: User, message_id: int) -> Any:
    data = parse_body(request, ReactionIn)
    updated = actions.set_reaction(user=user, message_id=message_id, emoji=data.emoji,
                                   on=request.method == "POST")
    return 200, cards.for_viewer(updated, user.id)


@endpoint("GET")
def readers(request: HttpRequest, user: User, message_id: int) -> Any:
    message, member = access_message(user_id=user.id, message_id=message_id)
    if message.sender_id != user.id and member.role != "admin":
        raise forbidden("只有发送者和会话管理员可以查看已读名单")
    return 200, selectors.readers(message=message)


@endpoint("POST")
def message_action(request: HttpRequest, user: User, message_id: int) -> Any:
    data = parse_body(request, ActionIn)
    params = data.model_dump(exclude={"action"}, exclude_none=True)
    return 200, cards.press(user=user, message_id=message_id, action=data.action, params=params)


@endpoint("POST")
def forward(request: HttpRequest, user: User, message_id: int) -> Any:
    data = parse_body(request, ForwardIn)
    copy = actions.forward_message(user=user, message_id=message_id, room_id=data.room,
                                   comment=data.comment)
    return 201, cards.for_viewer(copy, user.id)


@endpoint("POST")
def remind(request: HttpRequest, user: User, message_id: int) -> Any:
    try:
        reminded = actions.remind_unread(user=user, message_id=message_id)
    except actions.RemindTooSoon as error:
        response = error_response(error)
        response["Retry-After"] = str(error.retry_after)
        return response
    return 200, {"reminded": reminded}


@endpoint("POST")
def upload(request: HttpRequest, user: User) -> Any:
    upload_file = request.FILES.get("file")
    if upload_file is None:
        raise bad_request("请用 multipart 表单字段 file 上传文件")
    if (upload_file.size or 0) > settings.HUITONG_MAX_UPLOAD_BYTES:
        raise ApiError("too_large",
                       f"文件不能超过 {settings.HUITONG_MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    attachment = actions.store_attachment(
        uploader=user, name=upload_file.name or "file", chunks=upload_file.chunks(),
        declared_mime=upload_file.content_type or "",
    )
    return 201, attachment_dict(attachment)


@endpoint("GET")
def preview(request: HttpRequest, user: User, attachment_id: int) -> Any:
    attachment = access_attachment(user_id=user.id, attachment_id=attachment_id)
    return 200, previews.preview(attachment)


@endpoint("GET")
def download(request: HttpRequest, user: User, attachment_id: int, name: str = "") -> Any:
    attachment = access_attachment(user_id=user.id, attachment_id=attachment_id)
    path = actions.attachment_path(attachment)
    if not path.exists():
        raise ApiError("not_found", "文件已不存在")
    inline = attachment.mime in INLINE_MIMES and request.GET.get("download") is None
    response = FileResponse(open(path, "rb"), content_type=attachment.mime)  # noqa: SIM115
    response["Content-Disposition"] = (
        content_disposition_header(not inline, attachment.name) or "attachment")
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    # Shown inline, the file may be framed by the client's own pages (a PDF in the
    # browser's viewer, an image), by nobody else; sandboxed all the same.
    response["Content-Security-Policy"] = (
        "default-src 'none'; frame-ancestors 'self'; sandbox" if inline
        else "default-src 'none'; sandbox")
    response["X-Frame-Options"] = "SAMEORIGIN" if inline else "DENY"
    response["Cache-Control"] = "private, max-age=3600"
    return response
