"""Faults in the middle of steady sending on the production topology (two Daphne processes,
PostgreSQL, a Redis of the test's own): the database's connections terminated, Redis
restarted, one Daphne killed. A client that retries on `unavailable` and on a lost socket
with the same `client_id`, and a listener that syncs after reconnecting, end with every
message exactly once, in seq order, with no gap."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

import psycopg
import pytest
import websockets

from tests.integration.conftest import make_cluster
from tests.integration.test_cluster import general, open_socket, sync

pytestmark = pytest.mark.multiprocess

TOTAL = 45


def terminate_connections(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", [name]).fetchall()
    return len(rows)


class Sender:
    """Sends each message until it is acknowledged: an `unavailable` error or a lost socket
    means the same client_id again, on whichever server still answers."""

    def __init__(self, servers: list[Any], token: str, room: int) -> None:
        self.servers, self.token, self.room = servers, token, room
        self.ws: Any = None
        self.retries = 0

    async def connect(self) -> None:
        problems = []
        for server in list(self.servers):
            try:
                self.ws = await open_socket(server, self.token)
                await sync(self.ws)
                return
            except (TimeoutError, OSError, websockets.WebSocketException) as exc:
                problems.append(repr(exc))
        raise ConnectionError(f"no server accepts the sender: {problems}")

    async def send(self, n: int) -> dict[str, Any]:
        frame = json.dumps({"type": "send", "room": self.room, "client_id": f"fault-{n}",
                            "body": f"故障中第{n}条"})
        for _ in range(40):
            try:
                if self.ws is None:
                    await self.connect()
                await self.ws.send(frame)
                while True:
                    reply = json.loads(await asyncio.wait_for(self.ws.recv(), 15))
                    if reply["type"] == "ack" and reply["client_id"] == f"fault-{n}":
                        return reply["message"]
                    if reply["type"] == "error" and reply.get("ref") == f"fault-{n}":
                        assert reply["code"] == "unavailable", reply
                        self.retries += 1
                        await asyncio.sleep(0.2)
                        break
            except (TimeoutError, OSError, websockets.WebSocketException):
                self.retries += 1
                self.ws = None
                await asyncio.sleep(0.3)
        raise AssertionError(f"message {n} was never acknowledged")


async def test_nothing_is_lost_or_doubled_through_database_redis_and_server_faults(
        own_redis: Any) -> None:
    # Connections kept between requests, as in production, so that terminating them is felt.
    setup = make_cluster(own_redis["url"], {"HUITONG_CONN_MAX_AGE": "600"})
    cluster = next(setup)
    try:
        one, two = cluster["servers"]
        clerk, staff5 = two.token("clerk"), two.token("staff5")
        room, start = general(two, clerk)
        listener = await open_socket(two, staff5)
        await sync(listener)
        received: list[dict[str, Any]] = []

        async def listen() -> None:
            while True:
                frame = json.loads(await listener.recv())
                if frame["type"] == "message" and frame["message"]["room"] == room:
                    received.append(frame["message"])

        listening = asyncio.create_task(listen())
        # The sender starts on the process that will be killed.
        sender = Sender([one, two], clerk, room)
        await sender.connect()
        acked = []
        for n in range(1, TOTAL + 1):
            if n == 10:
                assert terminate_connections(cluster["env"]["DATABASE_URL"]) > 0
            if n == 20:
                own_redis["kill"]()
            if n == 25:
                own_redis["start"]()
            if n == 30:
                os.kill(one.proc.pid, signal.SIGKILL)  # the sender's server dies
                one.proc.wait()
                sender.servers = [two]
            acked.append(await sender.send(n))
            await asyncio.sleep(0.05)
        # Exactly once in storage: TOTAL messages with consecutive seqs, one per client_id.
        seqs = [m["seq"] for m in acked]
        assert sorted(seqs) == list(range(start + 1, start + TOTAL + 1))
        assert len({m["id"] for m in acked}) == TOTAL
        # The listener: what arrived live plus a sync from its last seq sees each once.
        await asyncio.sleep(1.0)
        listening.cancel()
        last = max((m["seq"] for m in received), default=start)
        await listener.close()
        again = await open_socket(two, staff5)
        replay = await sync(again, {room: last})
        await again.close()
        bodies = [m["body"] for m in received] + [m["body"] for m in replay]
        assert sorted(bodies) == sorted(f"故障中第{n}条" for n in range(1, TOTAL + 1))
        got = sorted(m["seq"] for m in received + replay)
        assert got == list(range(start + 1, start + TOTAL + 1)), "no gap, no repeat"
        assert sender.retries > 0, "the faults were felt"
    finally:
        next(setup, None)
