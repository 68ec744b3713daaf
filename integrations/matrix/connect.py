"""Joining a Huitong room to a Matrix room, from the web process (POST /rooms/{id}/bridge)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import ClientSession, ClientTimeout
from nio import RoomPreset, RoomVisibility

from integrations.matrix.client import AppserviceClient, MatrixError, check
from integrations.matrix.config import Config


class BridgeRefused(Exception):
    """The Matrix room cannot be bridged; the message says why, in Chinese. `forbidden`:
    by the allow-list of servers."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden


@dataclass(frozen=True)
class Joined:
    room_id: str
    alias: str
    members: list[tuple[str, str]]  # (mxid, display name)


def _failed(response: object) -> bool:
    return type(response).__name__.endswith("Error")


async def connect(config: Config, *, matrix_room: str, name: str, topic: str) -> Joined:
    """The bot joins `matrix_room` (a room id it was invited to, or an alias; an alias on the
    homeserver's own server that does not exist yet is created with a new room). A room with
    end-to-end encryption is refused: the bridge must read what it forwards."""
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        bot = AppserviceClient(config.homeserver, as_token=config.as_token,
                               user_id=config.bot_mxid, session=session)
        alias = ""
        if matrix_room.startswith("#"):
            alias = matrix_room
            resolved = await bot.room_resolve_alias(matrix_room)
            if _failed(resolved):
                if getattr(resolved, "status_code", "") != "M_NOT_FOUND":
                    check(resolved)
                local, _, server = matrix_room[1:].partition(":")
                if server.lower() != config.server_name:
                    raise BridgeRefused(f"找不到 Matrix 别名 {matrix_room}")
                created = check(await bot.room_create(
                    visibility=RoomVisibility.private, alias=local, name=name, topic=topic,
                    preset=RoomPreset.public_chat))
                room_id = created.room_id
            else:
                room_id = resolved.room_id
        else:
            room_id = matrix_room
        joined = await bot.join(room_id)
        if _failed(joined):
            raise BridgeRefused(f"无法加入 Matrix 房间 {matrix_room}：请先在 Matrix 中邀请 "
                                f"{config.bot_mxid} 加入该房间")
        # The room belongs to the server of whoever created it: that server must be allowed.
        create = await bot.call(
            "GET", f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/m.room.create/"
            "?format=event")
        origin = str(create.get("sender", "")).partition(":")[2]
        if not config.server_allowed(origin):
            await bot.room_leave(room_id)
            raise BridgeRefused(f"不允许与服务器 {origin} 上的房间桥接（不在允许名单中）",
                                forbidden=True)
        encryption = await bot.room_get_state_event(room_id, "m.room.encryption")
        if not _failed(encryption):
            await bot.room_leave(room_id)
            raise BridgeRefused("该 Matrix 房间已启用端到端加密：桥接无法读取其中的消息，不能桥接")
        members = check(await bot.joined_members(room_id)).members
        return Joined(room_id=room_id, alias=alias,
                      members=[(m.user_id, m.display_name or "") for m in members])


__all__ = ["BridgeRefused", "Joined", "MatrixError", "connect"]
