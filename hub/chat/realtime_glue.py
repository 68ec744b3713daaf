"""What the hub needs from chat: reading messages back to close a gap."""

from __future__ import annotations

from channels.db import database_sync_to_async

from hub.chat import events
from hub.chat.actions import messages_after
from hub.lib.realtime import Envelope


def _envelopes(room: int, after: int, upto: int) -> list[Envelope]:
    return [
        events.message_created(m)
        for m in messages_after(room_id=room, after_seq=after, upto_seq=upto, limit=1000)
    ]


async def gap_filler(room: int, after: int, upto: int) -> list[Envelope]:
    return await database_sync_to_async(_envelopes, thread_sensitive=False)(room, after, upto)
