"""The nio subclass: user_id masquerading and the device on every request. It relies on nio
internals; these tests fail when those change."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientSession, web
from nio import AsyncClient

from integrations.matrix.client import AppserviceClient


def test_the_nio_internals_the_client_relies_on() -> None:
    params = list(inspect.signature(AsyncClient.send).parameters)
    assert params == ["self", "method", "path", "data", "headers", "trace_context", "timeout"]
    # Every request of nio's API methods goes through _send, which calls self.send.
    assert "self.send(" in inspect.getsource(AsyncClient._send)
    assert "self._send(" in inspect.getsource(AsyncClient.room_send)
    assert "self.access_token" in inspect.getsource(AsyncClient._send)
    client = AsyncClient("http://x")
    client.access_token = "t"
    assert client.logged_in


async def test_requests_carry_the_identity_assertion(unused_tcp_port: int) -> None:
    seen: list[dict[str, Any]] = []

    async def send(request: web.Request) -> web.Response:
        seen.append({"path": request.path, "query": dict(request.query),
                     "auth": request.headers.get("Authorization"), "body": await request.json()})
        return web.json_response({"event_id": "$e1"})

    app = web.Application()
    app.router.add_put("/_matrix/client/v3/rooms/{room}/send/{type}/{txn}", send)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        async with ClientSession() as session:
            client = AppserviceClient(f"http://127.0.0.1:{unused_tcp_port}", as_token="AS",
                                      user_id="@ht_li:matrix.test", device_id="DEV",
                                      session=session)
            response = await client.room_send("!r:matrix.test", "m.room.message",
                                              {"msgtype": "m.text", "body": "hi"}, tx_id="ht1t")
            await client.close()
            assert not session.closed  # a shared session stays open
    finally:
        await runner.cleanup()
    assert response.event_id == "$e1"
    assert seen[0]["path"].endswith("/send/m.room.message/ht1t")
    assert seen[0]["query"] == {"user_id": "@ht_li:matrix.test", "device_id": "DEV"}
    assert seen[0]["auth"] == "Bearer AS"


def test_masquerade_keeps_other_parameters() -> None:
    client = AppserviceClient("http://x", as_token="AS", user_id="@a:b")
    url = urlsplit(client.masquerade("/p?limit=5&access_token=AS&user_id=@evil:b"))
    assert parse_qs(url.query) == {"limit": ["5"], "user_id": ["@a:b"]}
