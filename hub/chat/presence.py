"""Presence: online while a user has a socket open on some live server process.

Each process keeps one row per user it serves, with a socket count and a heartbeat; a row
whose heartbeat is stale belongs to a dead process and does not count. A change of status is
announced to the people who share a small room (direct, group, small unit) with the user.
Bots hold no sockets and answer at any hour: they are always online.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hub.chat import events
from hub.core.models import Presence
from hub.lib.realtime import Envelope, Hub, publish
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


# People per statement where many go in one (parameters stay well under SQLite's limit).
UPSERT_CHUNK = 100

# Hand-written SQL on the connect path: in a reconnect storm every person's first socket asks
# these, and building the ORM's joins cost more than running them.
_AUDIENCES = (
    "SELECT DISTINCT mine.user_id, m.user_id FROM chat_roommember mine "
    "JOIN chat_room r ON r.id = mine.room_id AND r.member_count <= %s "
    "JOIN chat_roommember m ON m.room_id = mine.room_id AND m.user_id <> mine.user_id "
    "WHERE mine.user_id IN ({})"
)


def audiences(user_ids: list[int]) -> dict[int, list[int]]:
    """Who hears of each user's presence: the people sharing a small room with them (one
    query for many users; someone who shares no small room has an empty list)."""
    heard: dict[int, list[int]] = {user: [] for user in user_ids}
    people = sorted(heard)
    with connection.cursor() as cursor:
        for start in range(0, len(people), UPSERT_CHUNK):
            chunk = people[start:start + UPSERT_CHUNK]
            cursor.execute(_AUDIENCES.format(", ".join(["%s"] * len(chunk))),
                           [settings.HUITONG_RECEIPT_FANOUT_MAX, *chunk])
            for user, mate in cursor.fetchall():
                heard[user].append(mate)
    return heard


def audience(user_id: int) -> list[int]:
    """Who hears of the user's presence: the people sharing a small room with them."""
    return audiences([user_id])[user_id]


# One statement, atomic under any concurrency: two sockets of one person opening at once on
# one process both count, and neither can fail on the (user, server) unique constraint. Many
# people's rows go in one statement (each person once, with the number of their new sockets).
_UPSERT_HEAD = "INSERT INTO core_presence (user_id, server, sockets, away, seen_at) VALUES "
_UPSERT_TAIL = (
    " ON CONFLICT (user_id, server) DO UPDATE SET "
    "sockets = core_presence.sockets + EXCLUDED.sockets, "
    "away = EXCLUDED.away, seen_at = EXCLUDED.seen_at "
    "RETURNING user_id, sockets"
)
_ONLINE_ELSEWHERE_MANY = (
    "SELECT DISTINCT user_id FROM core_presence WHERE user_id IN ({}) AND server <> %s "
    "AND sockets > 0 AND seen_at >= %s AND NOT away"
)


def connected(*, server: str, user_id: int) -> None:
    """Count a new socket of the user on this server (called off the event loop). The user
    is announced online when this is their first live socket anywhere."""
    for envelope in connected_many(server=server, user_ids=[user_id]):
        publish(envelope)


def connected_many(*, server: str, user_ids: list[int]) -> list[Envelope]:
    """Count new sockets on this server, one entry per socket (called off the event loop).
    Returns the announcements to publish (once committed) for those who had no live socket
    anywhere before."""
    counts: dict[int, int] = {}
    for user_id in user_ids:
        counts[user_id] = counts.get(user_id, 0) + 1
    people = sorted(counts)
    now = timezone.now()
    first_here: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(people), UPSERT_CHUNK):
            chunk = people[start:start + UPSERT_CHUNK]
            params: list[Any] = []
            for user_id in chunk:
                params += [user_id, server, counts[user_id], False, now]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(_UPSERT_HEAD + values + _UPSERT_TAIL, params)
            # Only their own sockets of this call: nobody of theirs was counted here before.
            first_here += [user for user, sockets in cursor.fetchall() if sockets == counts[user]]
        if not first_here:
            return []
        since = connection.ops.adapt_datetimefield_value(now - STALE_AFTER)
        elsewhere: set[int] = set()
        for start in range(0, len(first_here), UPSERT_CHUNK):
            chunk = first_here[start:start + UPSERT_CHUNK]
            cursor.execute(_ONLINE_ELSEWHERE_MANY.format(", ".join(["%s"] * len(chunk))),
                           [*chunk, server, since])
            elsewhere.update(row[0] for row in cursor.fetchall())
    heard = audiences([user for user in first_here if user not in elsewhere])
    return [events.presence(user_id=user, status="online", users=users)
            for user, users in heard.items() if users]


_DECREMENT = (
    "UPDATE core_presence SET sockets = sockets - 1 WHERE user_id = %s AND server = %s "
    "RETURNING sockets"
)
_DROP = "DELETE FROM core_presence WHERE user_id = %s AND server = %s AND sockets <= 0"
_LIVE_ANYWHERE = (
    "SELECT 1 FROM core_presence WHERE user_id = %s AND sockets > 0 AND seen_at >= %s LIMIT 1"
)


def disconnected(*, server: str, user_id: int) -> None:
    """Count a closed socket of the user on this server (called off the event loop). The user
    is announced offline when that was their last live socket anywhere."""
    with connection.cursor() as cursor:
        cursor.execute(_DECREMENT, [user_id, server])
        row = cursor.fetchone()
        if row is not None and row[0] > 0:
            return  # another socket of theirs is open here: still online
        cursor.execute(_DROP, [user_id, server])
        since = connection.ops.adapt_datetimefield_value(timezone.now() - STALE_AFTER)
        cursor.execute(_LIVE_ANYWHERE, [user_id, since])
        if cursor.fetchone() is not None:
            return  # online on another process
    _announce(user_id, "offline")


def _announce(user_id: int, status: str) -> None:
    """Tell the user's small-room mates; someone who shares no small room tells nobody."""
    users = audience(user_id)
    if users:
        publish(events.presence(user_id=user_id, status=status, users=users))


@database_sync_to_async
def set_away(*, server: str, user_id: int, away: bool) -> None:
    before = status_of(user_id)
    Presence.objects.filter(user_id=user_id, server=server).update(away=away)
    after = status_of(user_id)
    if after != before:
        _announce(user_id, after)


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
