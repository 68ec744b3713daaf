"""Presence: online while a user has a socket open on some live server process.

Each process keeps one row per user it serves, with a socket count and a heartbeat; a row
whose heartbeat is stale belongs to a dead process and does not count. A change of status is
announced to the people who share a small room (direct, group, small unit) with the user.
Bots hold no sockets and answer at any hour: they are always online.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from hub.chat import events
from hub.chat.models import RoomMember
from hub.core.models import Presence
from hub.lib.realtime import Hub, publish
from hub.org.models import User

HEARTBEAT_SECONDS = 30
STALE_AFTER = timedelta(seconds=90)


def _live_rows(user_id: int):
    return Presence.objects.filter(
        user_id=user_id, sockets__gt=0, seen_at__gte=timezone.now() - STALE_AFTER
    )


def status_of(user_id: int) -> str:
    rows = list(_live_rows(user_id).values_list("away", flat=True))
    if not rows:
        return "offline"
    return "away" if all(rows) else "online"


def audience(user_id: int) -> list[int]:
    rooms = RoomMember.objects.filter(
        user_id=user_id, room__member_count__lte=settings.HUITONG_RECEIPT_FANOUT_MAX
    ).values_list("room_id", flat=True)
    return list(
        RoomMember.objects.filter(room_id__in=list(rooms)).exclude(user_id=user_id)
        .values_list("user_id", flat=True).distinct()
    )


def connected(*, server: str, user_id: int) -> None:
    """Count a new socket of the user on this server (called off the event loop)."""
    before = status_of(user_id)
    now = timezone.now()
    updated = Presence.objects.filter(user_id=user_id, server=server).update(
        sockets=F("sockets") + 1, seen_at=now, away=False
    )
    if not updated:
        Presence.objects.create(user_id=user_id, server=server, sockets=1, seen_at=now)
    if before != "online":
        publish(events.presence(user_id=user_id, status="online", users=audience(user_id)))


def disconnected(*, server: str, user_id: int) -> None:
    """Count a closed socket of the user on this server (called off the event loop)."""
    Presence.objects.filter(user_id=user_id, server=server).update(sockets=F("sockets") - 1)
    Presence.objects.filter(user_id=user_id, server=server, sockets__lte=0).delete()
    if status_of(user_id) == "offline":
        publish(events.presence(user_id=user_id, status="offline", users=audience(user_id)))


@database_sync_to_async
def set_away(*, server: str, user_id: int, away: bool) -> None:
    before = status_of(user_id)
    Presence.objects.filter(user_id=user_id, server=server).update(away=away)
    after = status_of(user_id)
    if after != before:
        publish(events.presence(user_id=user_id, status=after, users=audience(user_id)))


def statuses(user_ids: list[int]) -> dict[int, str]:
    """Each person's status; a bot answers at any hour, so it is always online."""
    out: dict[int, str] = dict.fromkeys(
        User.objects.filter(id__in=user_ids, is_bot=True).values_list("id", flat=True), "online")
    live = Presence.objects.filter(
        user_id__in=user_ids, sockets__gt=0, seen_at__gte=timezone.now() - STALE_AFTER
    ).values_list("user_id", "away")
    for uid, away in live:
        if out.get(uid) != "online":
            out[uid] = "away" if away else "online"
    return {uid: out.get(uid, "offline") for uid in user_ids}


async def heartbeat_loop(hub: Hub) -> None:
    """Keep this process's rows fresh while it lives."""

    @database_sync_to_async
    def beat() -> None:
        Presence.objects.filter(server=hub.server_id).update(seen_at=timezone.now())

    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await beat()
        except Exception:  # noqa: S110 - the next beat tries again
            pass
