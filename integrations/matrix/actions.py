"""Bridging a room (POST/DELETE /rooms/{id}/bridge) and what it changes in Huitong."""

from __future__ import annotations

import logging
import re
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone

from hub.chat import actions as chat
from hub.chat.access import access_room
from hub.chat.models import Room, RoomMember
from hub.lib.errors import ApiError, bad_request, forbidden
from hub.org.models import User
from integrations.matrix import config as matrix_config
from integrations.matrix import store
from integrations.matrix.client import MatrixError
from integrations.matrix.connect import BridgeRefused, connect
from integrations.matrix.models import MatrixRoom, MatrixUser, Outbox

# `!id:server`, `!id` (room version 12 ids name no server) or `#alias:server`.
ROOM_RE = re.compile(r"^(?:![^:\s]{1,200}|[!#][^:\s]{1,200}:"
                     r"([A-Za-z0-9.\-]+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?))$")
logger = logging.getLogger("hub.matrix")
BRIDGEABLE = (Room.Kind.GROUP, Room.Kind.CHANNEL)


class Unavailable(Exception):
    """The homeserver could not be reached."""


def _bridge_dict(bridge: MatrixRoom) -> dict[str, Any]:
    return {"room": bridge.room_id, "matrix_room_id": bridge.matrix_room_id,
            "alias": bridge.alias or None, "active": bridge.active,
            "notice_withheld": bridge.notice_withheld}


def _admin_room(user: User, room_id: Any) -> Room:
    member = access_room(user_id=user.id, room_id=room_id)
    if member.room.kind not in BRIDGEABLE:
        raise forbidden("只有群组和频道可以与 Matrix 桥接")
    if member.role != RoomMember.Role.ADMIN:
        raise forbidden("只有会话管理员可以设置 Matrix 桥接")
    return member.room


def bridge_state(*, user: User, room_id: Any) -> dict[str, Any]:
    member = access_room(user_id=user.id, room_id=room_id)
    bridge = MatrixRoom.objects.filter(room_id=member.room_id).first()
    if bridge is None:
        return {"room": member.room_id, "matrix_room_id": None, "alias": None, "active": False,
                "notice_withheld": True}
    return _bridge_dict(bridge)


def bridge_room(*, user: User, room_id: Any, matrix_room: str,
                notice_withheld: bool | None = None) -> dict[str, Any]:
    room = _admin_room(user, room_id)
    if not matrix_config.enabled():
        raise bad_request("本系统未配置 Matrix 主服务器（HUITONG_MATRIX_HOMESERVER）")
    config = matrix_config.load()
    matrix_room = matrix_room.strip()
    match = ROOM_RE.match(matrix_room)
    if match is None:
        raise bad_request("matrix_room 应为 !房间ID:服务器 或 #别名:服务器")
    if match.group(1) and not config.server_allowed(match.group(1)):
        raise forbidden(f"不允许与服务器 {match.group(1)} 上的房间桥接（不在允许名单中）")
    current = MatrixRoom.objects.filter(room=room).first()
    if current is not None and current.active and matrix_room not in (
            current.matrix_room_id, current.alias):
        raise ApiError("conflict", "该会话已与另一个 Matrix 房间桥接，请先解除")
    try:
        joined = async_to_sync(connect)(config, matrix_room=matrix_room, name=room.name,
                                        topic=room.topic)
    except BridgeRefused as refused:
        if refused.forbidden:
            raise forbidden(str(refused)) from refused
        raise bad_request(str(refused)) from refused
    except MatrixError as error:
        if error.status and 400 <= error.status < 500:
            raise bad_request(f"Matrix 主服务器拒绝了请求：{error.message}") from error
        raise Unavailable(str(error)) from error
    except Exception as error:
        logger.warning("bridging room %s to %s failed: %r", room.id, matrix_room, error)
        raise Unavailable(str(error)) from error
    other = MatrixRoom.objects.filter(matrix_room_id=joined.room_id).exclude(room=room).first()
    if other is not None and other.active:
        raise ApiError("conflict", "该 Matrix 房间已与另一个汇通会话桥接")
    with transaction.atomic():
        if other is not None:
            other.delete()  # an ended bridge of another room gives the Matrix room up
        locked = Room.objects.select_for_update().get(id=room.id)
        bridge = MatrixRoom.objects.filter(room=locked).first()
        if bridge is None or bridge.matrix_room_id != joined.room_id or not bridge.active:
            if bridge is None:
                bridge = MatrixRoom(room=locked, created_by=user)
            # History stays in Huitong: the bridge carries what is said from now on.
            bridge.matrix_room_id, bridge.sent_seq = joined.room_id, locked.last_seq
            bridge.alias, bridge.active, bridge.ended_at = joined.alias, True, None
            bridge.since = timezone.now()
        if notice_withheld is not None:
            bridge.notice_withheld = notice_withheld
        bridge.save()
        people = [store.external_user(mxid, name) for mxid, name in joined.members
                  if not config.is_ours(mxid)]
        if people:
            chat.add_members(room=locked, users=people)
        ours = list(RoomMember.objects.filter(room=locked, user__is_external=False)
                    .values_list("user_id", flat=True))
        Outbox.objects.create(bridge=bridge, kind="join", data={"users": ours})
    return _bridge_dict(bridge)


def unbridge_room(*, user: User, room_id: Any) -> dict[str, Any]:
    room = _admin_room(user, room_id)
    bridge = MatrixRoom.objects.filter(room=room).first()
    if bridge is None:
        raise ApiError("not_found", "该会话没有与 Matrix 桥接")
    with transaction.atomic():
        MatrixRoom.objects.filter(id=bridge.id).update(active=False, ended_at=timezone.now())
        Outbox.objects.filter(bridge=bridge).delete()
        # People on Matrix are members of bridged rooms only.
        outside = list(MatrixUser.objects.filter(
            ghost=False, user__room_memberships__room=room).values_list("user_id", flat=True))
        if outside:
            chat.remove_members(room=room, user_ids=outside)
    bridge.refresh_from_db()
    return _bridge_dict(bridge)
