"""Two Daphne processes over real PostgreSQL and Redis serve one organisation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

pytestmark = pytest.mark.multiprocess


async def open_socket(server: Any, token: str) -> Any:
    return await websockets.connect(server.ws, additional_headers={
        "Authorization": f"Bearer {token}"}, compression=None, max_queue=None)


async def sync(ws: Any, rooms: dict[int, int] | None = None) -> list[dict[str, Any]]:
    await ws.send(json.dumps({"type": "sync", "rooms": {str(k): v for k, v in (rooms or {}).items()}}))
    messages = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "synced":
            return messages
        if frame["type"] == "message":
            messages.append(frame["message"])


async def collect(ws: Any, room: int, count: int, timeout: float = 30) -> list[int]:
    """Seqs of the next `count` message frames of `room`, in arrival order."""
    seqs: list[int] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(seqs) < count:
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - loop.time())))
        if frame["type"] == "message" and frame["message"]["room"] == room:
            seqs.append(frame["message"]["seq"])
    return seqs


def general(server: Any, token: str) -> tuple[int, int]:
    room = next(r for r in server.get(token, "/rooms") if r["name"] == "general")
    return room["id"], room["last_seq"]


async def test_a_message_sent_on_one_process_arrives_live_on_the_other(cluster: Any) -> None:
    one, two = cluster["servers"]
    clerk, staff1 = one.token("clerk"), two.token("staff1")
    room, _ = general(one, clerk)
    listener = await open_socket(two, staff1)
    sender = await open_socket(one, clerk)
    try:
        await sync(listener)
        await sync(sender)
        await sender.send(json.dumps({"type": "send", "room": room, "client_id": "x-proc",
                                      "body": "跨进程送达"}))
        while True:
            frame = json.loads(await asyncio.wait_for(listener.recv(), 10))
            if frame["type"] == "message":
                break
        assert frame["message"]["body"] == "跨进程送达"
        assert frame["message"]["sender"]["username"] == "clerk"
    finally:
        await listener.close()
        await sender.close()


async def test_twenty_concurrent_senders_on_two_processes_give_seqs_without_gaps(
        cluster: Any) -> None:
    servers = cluster["servers"]
    users = ["leader", "clerk", "staff1", "staff2", "staff3", "staff4", "staff5", "staff6"]
    tokens = {u: servers[0].token(u) for u in users}
    room, start = general(servers[0], tokens["clerk"])
    per_sender, senders = 10, 20
    total = per_sender * senders
    listeners = [await open_socket(s, tokens["staff6"]) for s in servers]
    sockets = [await open_socket(servers[i % 2], tokens[users[i % len(users)]])
               for i in range(senders)]
    try:
        for ws in listeners + sockets:
            await sync(ws)
        watchers = [asyncio.create_task(collect(ws, room, total)) for ws in listeners]

        async def burst(i: int, ws: Any) -> None:
            for n in range(per_sender):
                await ws.send(json.dumps({"type": "send", "room": room, "client_id": f"b{i}-{n}",
                                          "body": f"并发{i}-{n}"}))

        await asyncio.gather(*(burst(i, ws) for i, ws in enumerate(sockets)))
        expected = list(range(start + 1, start + total + 1))
        for seqs in await asyncio.gather(*watchers):
            # Live, on both processes: every seq once, in order, none missing.
            assert seqs == expected
        stored = servers[1].get(tokens["clerk"], f"/rooms/{room}/messages?after_seq={start}&limit=500")
        assert [m["seq"] for m in stored] == expected
    finally:
        for ws in listeners + sockets:
            await ws.close()


async def test_a_client_away_during_100_messages_catches_up_exactly_once(cluster: Any) -> None:
    one, two = cluster["servers"]
    clerk, staff2 = one.token("clerk"), one.token("staff2")
    room, _ = general(one, clerk)
    reader = await open_socket(one, staff2)
    await sync(reader)
    last_seen = general(one, staff2)[1]
    await reader.close()

    sender = await open_socket(two, clerk)
    await sync(sender)
    for n in range(100):
        await sender.send(json.dumps({"type": "send", "room": room, "client_id": f"away-{n}",
                                      "body": f"离线期间第{n + 1}条"}))
    acks = 0
    while acks < 100:
        frame = json.loads(await asyncio.wait_for(sender.recv(), 10))
        acks += frame["type"] == "ack"

    reader = await open_socket(one, staff2)
    try:
        replay = await sync(reader, {room: last_seen})
        assert [m["seq"] for m in replay] == list(range(last_seen + 1, last_seen + 101))
        assert [m["body"] for m in replay] == [f"离线期间第{n + 1}条" for n in range(100)]
        await sender.send(json.dumps({"type": "send", "room": room, "client_id": "after",
                                      "body": "回来之后"}))
        assert await collect(reader, room, 1) == [last_seen + 101]
        # Nothing is delivered twice afterwards.
        with pytest.raises(asyncio.TimeoutError):
            while True:
                frame = json.loads(await asyncio.wait_for(reader.recv(), 0.5))
                assert frame["type"] != "message", frame
    finally:
        await reader.close()
        await sender.close()


async def test_a_client_too_slow_to_keep_up_is_disconnected_then_catches_up(
        cluster: Any) -> None:
    import socket as pysocket

    from tests.integration.conftest import start_daphne, stop

    env = dict(cluster["env"], HUITONG_SOCKET_MAX_BUFFER="262144")
    server = start_daphne(env)
    try:
        clerk, staff3 = server.token("clerk"), server.token("staff3")
        room, start = general(server, clerk)
        # A client that stops reading: a tiny receive buffer, and it never calls recv().
        raw = pysocket.socket()
        raw.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", server.port))
        slow = await websockets.connect(server.ws, sock=raw, max_queue=1, compression=None,
                                        additional_headers={"Authorization": f"Bearer {staff3}"})
        await slow.send(json.dumps({"type": "sync", "rooms": {}}))
        body = "滞后测试" * 2400  # about 29 KB a message, 7 MB in all
        per_sender = 80

        def burst(i: int) -> None:  # over HTTP, so the senders have no socket to fall behind
            for n in range(per_sender):
                server.post(clerk, f"/rooms/{room}/messages",
                            {"body": body, "client_id": f"slow{i}-{n}"})

        await asyncio.gather(*(asyncio.to_thread(burst, i) for i in range(3)))
        # Draining now, the slow client finds its socket closed by the server (with 4408 when
        # the close frame gets through the backlog before the connection is dropped)...
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow.recv(), 30)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 4408
        # ...and a reconnect with sync brings every message, once, in order.
        again = await open_socket(server, staff3)
        replay = await sync(again, {room: start})
        assert [m["seq"] for m in replay] == list(range(start + 1, start + 3 * per_sender + 1))
        await again.close()
    finally:
        stop(server.proc)


async def test_nothing_is_lost_when_redis_restarts(own_redis: Any) -> None:
    """Redis carries only live events: messages sent while it is down are stored, and
    reach a connected client in order once events flow again."""
    from tests.integration.conftest import make_cluster

    setup = make_cluster(own_redis["url"])
    cluster = next(setup)
    try:
        one, two = cluster["servers"]
        clerk, staff4 = one.token("clerk"), two.token("staff4")
        room, start = general(one, clerk)
        listener = await open_socket(two, staff4)
        await sync(listener)

        def send(n: int) -> None:
            one.post(clerk, f"/rooms/{room}/messages", {"body": f"第{n}条", "client_id": f"r{n}"})

        for n in range(1, 6):
            await asyncio.to_thread(send, n)
        assert await collect(listener, room, 5) == list(range(start + 1, start + 6))
        own_redis["kill"]()
        for n in range(6, 11):  # stored while the live layer is down
            await asyncio.to_thread(send, n)
        own_redis["start"]()
        await asyncio.sleep(2)  # the layer reconnects and subscribes again
        for n in range(11, 16):
            await asyncio.to_thread(send, n)
        # Every message once, in order: the missing ones are read back from the database.
        assert await collect(listener, room, 10, timeout=20) == list(range(start + 6, start + 16))
        await listener.close()
    finally:
        next(setup, None)
