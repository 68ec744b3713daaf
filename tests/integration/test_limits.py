"""Limits enforced while a real Daphne process reads: request bodies (declared and chunked),
uploads streamed to disk, and WebSocket frames over the limit (hub/lib/daphne.py)."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import websockets

from tests.integration.conftest import (
    Server,
    base_env,
    start_daphne,
    stop,
)

pytestmark = pytest.mark.multiprocess

MB = 1024 * 1024


@pytest.fixture(scope="module")
def daphne(embedded_seed: Path, tmp_path_factory: Any) -> Iterator[Server]:
    """One Daphne process over a copy of the seeded embedded SQLite database."""
    var = tmp_path_factory.mktemp("limits") / "var"
    shutil.copytree(embedded_seed, var)
    env = base_env()
    env["HUITONG_VAR_DIR"] = str(var)
    env.pop("HUITONG_REDIS_PREFIX", None)
    server = start_daphne(env)
    try:
        yield server
    finally:
        stop(server.proc)


class RssWatch:
    """Samples a process's resident memory in a thread; `peak` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def idle_rss(server: Server) -> int:
    """The server's RSS once it has answered a few requests (imports and caches warm)."""
    for _ in range(3):
        server.get(server.token("clerk"), "/me")
    time.sleep(0.3)
    return psutil.Process(server.proc.pid).memory_info().rss


def chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    block = os.urandom(size)
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


def multipart_head(boundary: str, name: str) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()


def test_a_300_mb_chunked_upload_is_refused_413_in_json_within_50_mb_of_idle_memory(
        daphne: Server) -> None:
    token = daphne.token("clerk")
    before = idle_rss(daphne)
    boundary = "huitongbound"

    def body() -> Iterator[bytes]:
        yield multipart_head(boundary, "huge.bin")
        yield from chunks(300 * MB)
        yield f"\r\n--{boundary}--\r\n".encode()

    conn = http.client.HTTPConnection("127.0.0.1", daphne.port, timeout=120)
    with RssWatch(daphne.proc.pid) as watch:
        try:
            conn.request("POST", "/api/v1/attachments", body=body(), encode_chunked=True,
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": f"multipart/form-data; boundary={boundary}"})
            response = conn.getresponse()
            status, payload = response.status, response.read()
        except (BrokenPipeError, ConnectionResetError) as exc:  # pragma: no cover - diagnostic
            pytest.fail(f"the server dropped the connection without answering: {exc!r}")
        finally:
            conn.close()
    assert status == 413
    assert json.loads(payload)["error"]["code"] == "too_large"
    grown = (watch.peak - before) / MB
    assert grown < 50, f"Daphne grew by {grown:.0f} MB under a 300 MB chunked upload"
    # The process is fine afterwards.
    assert daphne.get(token, "/me")["username"] == "clerk"


def test_a_declared_200_mb_body_is_answered_413_before_it_is_sent(daphne: Server) -> None:
    token = daphne.token("clerk")
    with socket.create_connection(("127.0.0.1", daphne.port), timeout=10) as raw:
        raw.sendall(
            b"POST /api/v1/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: " + str(200 * MB).encode() + b"\r\n\r\n" + b"x" * 1000)
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = raw.recv(65536)
            if not data:
                break
            answer += data
    assert time.monotonic() - started < 5
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"application/json" in head.lower()
    assert json.loads(payload)["error"]["code"] == "too_large"


def test_an_upload_within_the_limit_streams_to_disk_intact(daphne: Server) -> None:
    token = daphne.token("clerk")
    before = idle_rss(daphne)
    boundary = "huitongbound2"
    data = b"".join(chunks(40 * MB))
    payload = (multipart_head(boundary, "报告.bin") + data + f"\r\n--{boundary}--\r\n".encode())
    conn = http.client.HTTPConnection("127.0.0.1", daphne.port, timeout=120)
    with RssWatch(daphne.proc.pid) as watch:
        conn.request("POST", "/api/v1/attachments", body=payload,
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = conn.getresponse()
        attachment = json.loads(response.read())
        conn.close()
    assert response.status == 201, attachment
    assert attachment["size"] == len(data)
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
    grown = (watch.peak - before) / MB
    assert grown < 30, f"Daphne grew by {grown:.0f} MB for a 40 MB upload"


async def test_an_oversized_websocket_frame_answers_too_large_and_the_socket_stays_open(
        daphne: Server) -> None:
    token = await asyncio.to_thread(daphne.token, "clerk")
    ws = await websockets.connect(daphne.ws, additional_headers={
        "Authorization": f"Bearer {token}"}, compression=None, max_size=None)
    try:
        await ws.send(json.dumps({"type": "sync", "rooms": {}}))
        while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "synced":
            pass
        for size in (1 * MB, 300 * 1024):
            await ws.send(json.dumps({"type": "send", "room": 1, "client_id": "huge",
                                      "body": "x" * size}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "error":
                    break
            assert frame["code"] == "too_large"
        await ws.send('{"type": "ping"}')
        while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "pong":
            pass
    finally:
        await ws.close()

