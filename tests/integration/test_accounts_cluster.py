"""Accounts across two Daphne processes over PostgreSQL and Redis: revoking a token or
deactivating a person closes their sockets on both processes within a second; failed logins
count across processes, lock with 429, and the lock passes."""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from tests.integration.conftest import PASSWORD, make_cluster

pytestmark = pytest.mark.multiprocess


@pytest.fixture(scope="module")
def pair() -> Iterator[dict[str, Any]]:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("these tests need REDIS_URL (make test sets it)")
    yield from make_cluster(redis_url, extra_env={"HUITONG_LOGIN_MAX_FAILURES": "4",
                                                  "HUITONG_LOGIN_LOCK_SECONDS": "2"})


def call(server: Any, method: str, path: str, token: str | None = None,
         body: Any = None) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(
        f"{server.http}/api/v1{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None, dict(exc.headers)


async def open_socket(server: Any, token: str) -> Any:
    ws = await websockets.connect(server.ws, additional_headers={
        "Authorization": f"Bearer {token}"}, compression=None)
    await ws.send(json.dumps({"type": "sync", "rooms": {}}))
    while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "synced":
        pass
    return ws


async def close_code(ws: Any, within: float) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), within)
    except websockets.ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else None


async def test_revoking_a_token_on_one_process_closes_its_sockets_on_both(pair: Any) -> None:
    one, two = pair["servers"]
    token, other = one.token("staff1"), one.token("staff1")
    sockets = [await open_socket(one, token), await open_socket(two, token)]
    spare = await open_socket(two, other)
    started = time.monotonic()
    status, _, _ = call(one, "DELETE", "/auth/token", token)
    assert status == 204
    codes = await asyncio.gather(*(close_code(ws, 1.0) for ws in sockets))
    assert codes == [4401, 4401]
    assert time.monotonic() - started < 1.5
    await spare.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(spare.recv(), 5))["type"] in {"pong", "presence"}
    await spare.close()


async def test_deactivation_by_the_unit_admin_closes_the_persons_sockets_everywhere(
        pair: Any) -> None:
    one, two = pair["servers"]
    admin = one.token("wsjadmin")
    status, body, _ = call(one, "POST", "/units/wsj/people", admin, {
        "username": "liuer", "display_name": "刘二", "role": "member",
        "password": "Weisheng-ju-2026"})
    assert status == 201, body
    status, body, _ = call(two, "POST", "/auth/token", None,
                           {"username": "liuer", "password": "Weisheng-ju-2026"})
    first = body["token"]
    status, _, _ = call(two, "POST", "/people/liuer/password", first,
                        {"old_password": "Weisheng-ju-2026", "password": "Liuer-own-pass-9"})
    assert status == 200
    sockets = [await open_socket(one, first), await open_socket(two, first)]
    started = time.monotonic()
    status, body, _ = call(two, "PATCH", "/people/liuer", admin,
                           {"active": False, "successor": "staff2"})
    assert status == 200, body
    codes = await asyncio.gather(*(close_code(ws, 1.0) for ws in sockets))
    assert codes == [4401, 4401]
    assert time.monotonic() - started < 1.5
    assert call(one, "GET", "/me", first)[0] == 401


def test_failed_logins_count_across_processes_and_the_lock_passes(pair: Any) -> None:
    one, two = pair["servers"]
    for n in range(4):
        server = (one, two)[n % 2]
        status, _, _ = call(server, "POST", "/auth/token", None,
                            {"username": "staff6", "password": f"guess-{n}"})
        assert status == 401
    for server in (one, two):
        status, body, headers = call(server, "POST", "/auth/token", None,
                                     {"username": "staff6", "password": PASSWORD})
        assert status == 429
        assert body["error"]["code"] == "rate_limited"
        assert 1 <= int(headers["Retry-After"]) <= 2
    time.sleep(2.2)
    status, body, _ = call(two, "POST", "/auth/token", None,
                           {"username": "staff6", "password": PASSWORD})
    assert status == 200
