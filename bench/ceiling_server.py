"""The ceiling for bench/ws_bench.py: a bare ``websockets`` broadcast server, one room.

It speaks the slice of protocol v1 that the benchmark uses: the WebSocket handshake on
``/ws/v1/`` (any ``Authorization`` header is accepted and ignored), ``sync`` answered by
``synced``, ``send`` stored nowhere but numbered with the room's next ``seq``, serialised once
and pushed to every synced socket with ``websockets.broadcast``, then acknowledged to the
sender, and ``ping`` answered by ``pong``. Whatever Huitong spends beyond this (auth, the
database, the channel layer, Django) is the distance to the ceiling.

    python bench/ceiling_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import signal
import sys
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

ROOM_ID = 1
MAX_CLIENT_ID_MEMORY = 100_000  # client_ids remembered for idempotent sends


class Room:
    """The single room: its synced sockets, its seq counter and recent client_ids."""

    def __init__(self) -> None:
        self.members: set[ServerConnection] = set()
        self.last_seq = 0
        self.recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.user_ids = itertools.count(1)

    def store(self, *, sender: dict[str, Any], client_id: str, body: str) -> dict[str, Any]:
        """Number a new message (or return the first one sent with this client_id)."""
        known = self.recent.get(client_id)
        if known is not None:
            return known
        self.last_seq += 1
        message: dict[str, Any] = {
            "id": self.last_seq,
            "room": ROOM_ID,
            "seq": self.last_seq,
            "sender": sender,
            "kind": "text",
            "body": body,
            "html": f"<p>{html.escape(body)}</p>",
            "card": None,
            "reply_to": None,
            "client_id": client_id,
            "attachments": [],
            "created_at": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "edited_at": None,
            "deleted": False,
            "read_count": 0,
            "member_count": len(self.members),
        }
        self.recent[client_id] = message
        if len(self.recent) > MAX_CLIENT_ID_MEMORY:
            self.recent.popitem(last=False)
        return message


def error_frame(code: str, detail: str, ref: str | None) -> str:
    return json.dumps({"type": "error", "code": code, "detail": detail, "ref": ref})


async def handle(ws: ServerConnection, room: Room) -> None:
    if ws.request is None or ws.request.path.split("?")[0] != "/ws/v1/":
        await ws.close(4404, "not found")
        return
    user_id = next(room.user_ids)
    sender = {"id": user_id, "username": f"user{user_id}", "display_name": f"用户{user_id}"}
    try:
        async for raw in ws:
            try:
                frame = json.loads(raw)
                kind = frame["type"]
            except (ValueError, TypeError, KeyError):
                await ws.send(error_frame("bad_request", "not a JSON frame with a type", None))
                continue
            if kind == "send":
                client_id, body = frame.get("client_id"), frame.get("body")
                if not isinstance(client_id, str) or not isinstance(body, str):
                    await ws.send(error_frame("bad_request", "client_id and body", None))
                    continue
                if frame.get("room") != ROOM_ID:
                    await ws.send(error_frame("not_found", "no such room", client_id))
                    continue
                message = room.store(sender=sender, client_id=client_id, body=body)
                broadcast(room.members, json.dumps({"type": "message", "message": message}))
                await ws.send(
                    json.dumps({"type": "ack", "client_id": client_id, "message": message})
                )
            elif kind == "sync":
                room.members.add(ws)
                await ws.send(json.dumps({"type": "synced"}))
            elif kind == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif kind in {"read", "typing"}:
                continue
            else:
                await ws.send(error_frame("bad_request", f"unknown frame type {kind!r}", None))
    except ConnectionClosed:
        pass
    finally:
        room.members.discard(ws)


async def main(host: str, port: int) -> None:
    room = Room()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)

    async def handler(ws: ServerConnection) -> None:
        await handle(ws, room)

    async with serve(
        handler,
        host,
        port,
        compression=None,
        ping_interval=None,
        max_size=1 << 20,
        backlog=1024,
    ):
        print(f"ceiling server listening on ws://{host}:{port}/ws/v1/", flush=True)
        await stop


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    asyncio.run(main(args.host, args.port))
