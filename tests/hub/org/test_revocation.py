"""Sockets opened with a credential that dies are closed with 4401 within a second: a token
revoked, a password changed, an account deactivated, sessions ended, a token expired."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_within(ws: Any, seconds: float = 1.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        out = await ws.comm.receive_output(timeout=max(0.01, deadline - loop.time()))
        if out["type"] == "websocket.close":
            return out["code"]


async def still_open(ws: Any) -> None:
    await ws.send({"type": "ping"})
    assert (await ws.recv_type("pong"))["type"] == "pong"


@database_sync_to_async
def login(api: Any, name: str) -> Any:
    from tests.conftest import Api

    return Api(name)


async def test_delete_token_closes_only_that_tokens_sockets(demo: Any, connect: Any, api: Any) -> None:
    one, two = await login(api, "clerk"), await login(api, "clerk")
    a = await connect(token=one.token)
    b = await connect(token=two.token)
    response = await database_sync_to_async(one.delete)("/auth/token")
    assert response.status_code == 204
    assert await closed_within(a) == 4401
    await still_open(b)


async def test_deactivation_closes_every_socket_of_the_person(demo: Any, connect: Any,
                                                              api: Any) -> None:
    admin = await login(api, "wsjadmin")
    await database_sync_to_async(admin.post)(
        "/units/wsj/people", {"username": "zhaoyi", "display_name": "赵一", "role": "member",
                              "password": "Weisheng-ju-2026"})

    @database_sync_to_async
    def ready() -> None:
        from hub.org.models import User

        User.objects.filter(username="zhaoyi").update(must_change_password=False)

    await ready()

    @database_sync_to_async
    def token() -> str:
        from django.test import Client

        r = Client().post("/api/v1/auth/token", {"username": "zhaoyi",
                          "password": "Weisheng-ju-2026"}, content_type="application/json")
        return r.json()["token"]

    sockets = [await connect(token=await token()) for _ in range(2)]
    bystander = await connect(token=(await login(api, "staff2")).token)
    response = await database_sync_to_async(admin.patch)("/people/zhaoyi", {"active": False})
    assert response.status_code == 200
    for ws in sockets:
        assert await closed_within(ws) == 4401
    await still_open(bystander)


async def test_ending_sessions_and_password_change_close_sockets(demo: Any, connect: Any,
                                                                 api: Any) -> None:
    admin = await login(api, "wsjadmin")
    staff2 = await login(api, "staff2")
    ws = await connect(token=staff2.token)
    assert (await database_sync_to_async(admin.post)("/people/staff2/sessions/end", {})
            ).status_code == 204
    assert await closed_within(ws) == 4401
    # The person changes their own password: other sockets close, this token's stay.
    mine, other = await login(api, "clerk"), await login(api, "clerk")
    kept = await connect(token=mine.token)
    gone = await connect(token=other.token)
    changed = await database_sync_to_async(mine.post)(
        "/people/clerk/password", {"old_password": "demo-pass-1", "password": "Zhengwu-2026-x"})
    assert changed.status_code == 200
    assert await closed_within(gone) == 4401
    await still_open(kept)


async def test_a_socket_closes_when_its_token_expires(demo: Any, connect: Any, api: Any) -> None:
    clerk = await login(api, "clerk")

    @database_sync_to_async
    def expire_in(seconds: float) -> None:
        from hub.org.models import ApiToken

        ApiToken.objects.filter(digest=ApiToken.digest_of(clerk.token)).update(
            expires_at=timezone.now() + timedelta(seconds=seconds),
            last_used_at=timezone.now())

    await expire_in(1.2)
    ws = await connect(token=clerk.token)
    assert await closed_within(ws, 4.0) == 4401


async def test_logout_closes_that_browsers_socket_and_deactivation_every_browser(
        demo: Any, api: Any) -> None:
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from hub.asgi import application
    from hub.lib.realtime import reset_hub

    @database_sync_to_async
    def browser() -> Client:
        client = Client()
        assert client.post("/login/", {"username": "staff2", "password": "demo-pass-1"}
                           ).status_code == 302
        return client

    async def socket_of(client: Client) -> Any:
        cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
        comm = WebsocketCommunicator(application, "/ws/v1/", headers=[
            (b"cookie", cookie.encode()), (b"origin", b"http://testserver")])
        connected, _ = await comm.connect(timeout=5)
        assert connected
        return comm

    try:
        first, second = await browser(), await browser()
        a, b = await socket_of(first), await socket_of(second)
        await database_sync_to_async(first.post)("/logout/")
        out = await a.receive_output(timeout=1)
        while out["type"] != "websocket.close":
            out = await a.receive_output(timeout=1)
        assert out["code"] == 4401
        assert await b.receive_nothing(timeout=0.3)
        # staff2 is the health bureau's only clerk: give it another before deactivating.
        admin = await login(api, "wsjadmin")
        await database_sync_to_async(admin.patch)("/people/wsjadmin", {
            "units": [{"code": "wsj", "role": "admin"}]})

        @database_sync_to_async
        def second_clerk() -> None:
            from hub.org import actions
            from hub.org.models import Unit, User

            user = User.objects.create(username="clerk2", display_name="副收发")
            actions.set_unit_membership(unit=Unit.objects.get(code="wsj"), user=user,
                                        role="clerk")

        await second_clerk()
        response = await database_sync_to_async(admin.patch)("/people/staff2", {"active": False})
        assert response.status_code == 200, response.content
        out = await b.receive_output(timeout=1)
        while out["type"] != "websocket.close":
            out = await b.receive_output(timeout=1)
        assert out["code"] == 4401
        # That browser's session is over too.
        assert (await database_sync_to_async(second.get)("/api/v1/me")).status_code == 401
    finally:
        await reset_hub()
