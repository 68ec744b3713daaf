"""What the hub needs from chat: reading messages back to close a gap."""

from __future__ import annotations

from channels.db import database_sync_to_async

from hub.chat.actions import messages_after
from hub.chat.serializers import dumps


def _frames(room: int, after: int, upto: int) -> list[tuple[int, str]]:
    return [
        (m["seq"], dumps({"type": "message", "message": m}))
        for m in messages_after(room_id=room, after_seq=after, upto_seq=upto, limit=1000)
    ]


async def gap_filler(room: int, after: int, upto: int) -> list[tuple[int, str]]:
    return await database_sync_to_async(_frames, thread_sensitive=False)(room, after, upto)
