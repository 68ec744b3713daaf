"""Faults in the middle of steady sending on the production topology (two Daphne processes,
PostgreSQL, a Redis of the test's own, the worker): the database's connections terminated,
Redis restarted, one Daphne killed, the worker killed. A client that retries on `unavailable` and on a lost socket
with the same `client_id`, and a listener that syncs after reconnecting, end with every
message exactly once, in seq order, with no gap."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
from pathlib import Path
from typing import Any

import psycopg
import pytest
import websockets

from tests.integration.conftest import ROOT, make_cluster
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
        return await self.send_body(n, f"故障中第{n}条")

    async def send_body(self, n: int, body: str) -> dict[str, Any]:
        frame = json.dumps({"type": "send", "room": self.room, "client_id": f"fault-{n}",
                            "body": body})
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


def count(database_url: str, sql: str, params: list[Any]) -> int:
    with psycopg.connect(database_url) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=ROOT,  # noqa: S603
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_the_worker_killed_mid_work_resumes_and_nothing_is_lost_or_done_twice(
        own_redis: Any, tmp_path: Path) -> None:
    """Steady sending with bot commands among the messages: the worker answers each command
    (a job) and indexes each message. It is killed (SIGKILL) right after a burst of commands,
    while it works through them; messages and commands keep coming while it is down; a new
    worker takes over. Every command is answered exactly once and every message is found by
    search."""
    setup = make_cluster(own_redis["url"], {"HUITONG_VAR_DIR": str(tmp_path / "var")})
    cluster = next(setup)
    env, db = cluster["env"], cluster["env"]["DATABASE_URL"]
    worker = start_worker(env)
    try:
        _, two = cluster["servers"]
        clerk = two.token("clerk")
        room, start = general(two, clerk)
        sender = Sender([two], clerk, room)
        await sender.connect()
        tag = secrets.token_hex(3)
        commands, probes = 0, []
        for n in range(1, 31):
            if n % 3 == 0 or 10 <= n <= 14:
                body = "/help"
                commands += 1
            else:
                probes.append(f"probe{tag}x{n}")
                body = f"工作进展 {probes[-1]} 已核对"
            await sender.send_body(n, body)
            if n == 14:
                # Right after a burst of five commands: the worker is working through them.
                await asyncio.sleep(0.3)
                worker.send_signal(signal.SIGKILL)
                worker.wait()
            if n == 22:
                waiting = count(db, "SELECT count(*) FROM bots_job WHERE kind = 'bots.command' "
                                    "AND state = 'pending'", [])
                assert waiting > 0, "commands wait for the worker while it is down"
                worker = start_worker(env)
            await asyncio.sleep(0.05)
        assert worker.poll() is None

        bot_replies = ("SELECT count(*) FROM chat_message m JOIN org_user u ON u.id = m.sender_id "
                       "WHERE m.room_id = %s AND m.seq > %s AND u.is_bot")
        found: set[str] = set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 90
        while loop.time() < deadline:
            for probe in set(probes) - found:
                try:
                    hits = await asyncio.to_thread(two.get, clerk, f"/search?q={probe}")
                except urllib.error.HTTPError as error:
                    assert error.code == 503, error  # `unavailable` until the index is there
                    break
                if hits["total"] >= 1:
                    found.add(probe)
            if found == set(probes) and count(db, bot_replies, [room, start]) >= commands:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # anything answered twice would have shown by now
        assert found == set(probes), "every message is indexed"
        assert count(db, bot_replies, [room, start]) == commands, "each command answered once"
        states = ("SELECT count(*) FROM bots_job WHERE kind = 'bots.command' "
                  "AND state <> 'done'")
        assert count(db, states, []) == 0
        assert count(db, "SELECT count(*) FROM core_indexqueue", []) == 0
        stored = count(db, "SELECT count(*) FROM chat_message m JOIN org_user u "
                           "ON u.id = m.sender_id WHERE m.room_id = %s AND m.seq > %s "
                           "AND NOT u.is_bot", [room, start])
        assert stored == 30, "each message stored once"
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        next(setup, None)
