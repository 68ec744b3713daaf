"""Presence under a reconnect storm: 300 sockets of three people open at once over PostgreSQL
and Redis, spread over two Daphne processes. Every socket opens, authenticates and syncs;
none is closed by the server; each process counts each person's sockets exactly; the three
are online while any socket stays and offline once the client has closed them all."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import psycopg
import pytest

from tests.integration.test_cluster import open_socket, sync

pytestmark = pytest.mark.multiprocess

PEOPLE = ("staff1", "staff2", "staff3")
PER_PERSON = 100


def presence_rows(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT u.username, SUM(p.sockets) FROM core_presence p "
            "JOIN org_user u ON u.id = p.user_id WHERE u.username = ANY(%s) "
            "GROUP BY u.username", [list(PEOPLE)]).fetchall()
    counted = {name: int(total) for name, total in rows}
    return {name: counted.get(name, 0) for name in PEOPLE}  # a row goes with the last socket


async def test_300_sockets_of_three_people_at_once_all_open_and_are_counted(
        cluster: Any) -> None:
    servers = cluster["servers"]
    tokens = {name: servers[0].token(name) for name in PEOPLE}
    watcher_token = servers[0].token("clerk")

    async def one(index: int) -> Any:
        name = PEOPLE[index % len(PEOPLE)]
        ws = await open_socket(servers[index % len(servers)], tokens[name])
        await sync(ws)
        return ws

    # All at once: no pacing, both processes, the three people's sockets interleaved.
    sockets = await asyncio.gather(*(one(i) for i in range(PER_PERSON * len(PEOPLE))))
    try:
        assert len(sockets) == 300
        # Still open a moment later: the server closed none of them (a failed first database
        # trip closes a socket with 1011).
        await asyncio.sleep(1.0)
        assert [ws.close_code for ws in sockets if ws.close_code is not None] == []
        # Every socket answers on its connection.
        for ws in sockets[::30]:
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "pong":
                pass
        assert presence_rows(cluster["env"]["DATABASE_URL"]) == {n: PER_PERSON for n in PEOPLE}
        people = servers[1].get(watcher_token, "/users?q=staff&presence=1")
        states = {p["username"]: p["presence"] for p in people if p["username"] in PEOPLE}
        assert states == {n: "online" for n in PEOPLE}
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    # The servers count the closes as the client makes them.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while loop.time() < deadline:
        if presence_rows(cluster["env"]["DATABASE_URL"]) == {n: 0 for n in PEOPLE}:
            break
        await asyncio.sleep(0.2)
    assert presence_rows(cluster["env"]["DATABASE_URL"]) == {n: 0 for n in PEOPLE}
    people = servers[0].get(watcher_token, "/users?q=staff&presence=1")
    assert {p["username"]: p["presence"] for p in people if p["username"] in PEOPLE} == {
        n: "offline" for n in PEOPLE}
    assert os.environ.get("DATABASE_URL", "").startswith("postgres")
