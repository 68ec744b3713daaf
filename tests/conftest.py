"""Shared set-up: the real services, the demo organisation, clients for each demo user.

`make test` runs against the PostgreSQL and Redis on this machine and sets
HUITONG_REQUIRE_SERVICES=1, so a missing service fails the run instead of skipping tests.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

REQUIRE = os.environ.get("HUITONG_REQUIRE_SERVICES") == "1" or os.environ.get("CI") == "true"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: Any) -> None:
    if not REQUIRE:
        return
    missing = []
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        missing.append("DATABASE_URL does not point at PostgreSQL")
    elif not _reachable("127.0.0.1", 5432):
        missing.append("PostgreSQL is not listening on 127.0.0.1:5432")
    if not settings.REDIS_URL:
        missing.append("REDIS_URL is not set")
    elif not _reachable("127.0.0.1", 6379):
        missing.append("Redis is not listening on 127.0.0.1:6379")
    if missing:
        raise pytest.UsageError("the test suite needs the real services: " + "; ".join(missing)
                                + " (see ../shared/SERVICES.md)")


def _order(item: pytest.Item) -> tuple[int, str | None]:
    """Where a test runs, as (place in the run, pytest-xdist group):
    0 the browser tests, first and on one worker (their server and browser are shared);
    1 the tests inside a transaction, each alone, on the committed demo organisation;
    2 the Matrix tests (one Synapse) and then every test that truncates the tables, on one
      worker, after it has run all of the above that it was given (so none of those finds the
      demo gone);
    3 tests without the database; a test file of tests/integration stays on one worker."""
    path = item.nodeid.split("::", 1)[0]
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    transactional = bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in names
    if path.startswith("tests/e2e/"):
        return 0, "browser"
    if path.startswith("tests/integrations/matrix/") or transactional:
        return 2, "tail"
    if marker or "db" in names:
        return 1, None
    return 3, path if path.startswith("tests/integration/") else None


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config,
                                  items: list[pytest.Item]) -> Iterator[None]:
    # Before every other plugin (pytest-xdist reads the groups), ...
    grouped = []
    for item in items:
        group = _order(item)[1]
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
            grouped.append(item)
    yield
    if getattr(config.option, "loadgroup", False) and any("@" not in i.nodeid for i in grouped):
        raise pytest.UsageError("pytest-xdist did not group the tests that must share a worker "
                                "(see the pytest pin in constraints.txt)")
    # ... and after them: a stable sort keeps pytest-django's order (transactional tests
    # last) within each place.
    items.sort(key=lambda item: _order(item)[0])


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    from hub.lib import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


DEMO_PASSWORD = "demo-pass-1"


def _seed_demo() -> None:
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", password=DEMO_PASSWORD, verbosity=0,
                     stdout=open(os.devnull, "w"))


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    """The demo organisation of the protocol, seeded by the real command.

    It is seeded once, committed, when the test database is made (django_db_setup below), so
    that each test's transaction starts from it; pytest-django runs the tests that truncate
    the tables (transaction=True) after the others, and those seed it again for themselves."""
    from hub.chat.models import Room
    from hub.org.models import Unit, User

    if not User.objects.filter(username="wsjadmin").exists():
        _seed_demo()
    users = {u.username: u for u in User.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    rooms = {r.unit.code: r for r in Room.objects.filter(kind="unit").select_related("unit")}
    rooms["general"] = Room.objects.get(kind="channel", name="general")
    return {"users": users, "units": units, "rooms": rooms}


@contextmanager
def module_transaction(django_db_blocker: Any) -> Iterator[None]:
    """For objects a module's tests share, made once: they live in a transaction that stays
    open until the module's last test and is then rolled back. Each test runs inside it in a
    savepoint of its own (pytest-django's `db`), so what a test changes is undone after it.
    Make the objects inside `django_db_blocker.unblock()`."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


class Api:
    """A protocol client for one user: bearer token, JSON in and out."""

    def __init__(self, username: str) -> None:
        self.client = Client()
        response = self.client.post("/api/v1/auth/token", {"username": username,
                                    "password": DEMO_PASSWORD}, content_type="application/json")
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        self.user = response.json()["user"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", body if body is not None else {},
                                content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", body, content_type="application/json",
                                 headers=self.headers)

    def delete(self, path: str, body: Any = None) -> Any:
        return self.client.delete(f"/api/v1{path}", body, content_type="application/json",
                                  headers=self.headers)

    def upload(self, name: str, data: bytes) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post("/api/v1/attachments", {"file": SimpleUploadedFile(name, data)},
                                headers=self.headers)

    def send(self, room: int, body: str, **extra: Any) -> Any:
        return self.post(f"/rooms/{room}/messages", {"body": body, **extra})


@pytest.fixture
def api(demo: dict[str, Any]) -> Callable[[str], Api]:
    """`api("clerk")` is a logged-in protocol client for that demo user."""
    cache: dict[str, Api] = {}

    def make(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(username)
        return cache[username]

    return make


class Ws:
    """A WebSocket client over the whole ASGI stack (Channels' WebsocketCommunicator)."""

    def __init__(self, communicator: Any) -> None:
        self.comm = communicator
        self.seen: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        import json

        await self.comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        frame = await self.comm.receive_json_from(timeout=timeout)
        self.seen.append(frame)
        return frame

    async def recv_type(self, *types: str, timeout: float = 5) -> dict[str, Any]:
        """The next frame of one of `types`, passing over others (presence, typing...)."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"no {types} frame within {timeout}s; saw {self.seen[-5:]}")
            frame = await self.recv(timeout=left)
            if frame["type"] in types:
                return frame

    async def updated(self, predicate: Callable[[dict[str, Any]], bool],
                      timeout: float = 5) -> dict[str, Any]:
        """The next message_updated whose message satisfies `predicate`."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv_type("message_updated", timeout=max(0.01, deadline - loop.time()))
            if predicate(frame["message"]):
                return frame["message"]

    async def nothing(self, timeout: float = 0.3, *, ignore: tuple[str, ...] = ("presence",)) -> None:
        """Assert that no frame (other than `ignore`d kinds) arrives within `timeout`."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            if await self.comm.receive_nothing(timeout=left):
                return
            frame = await self.recv()
            assert frame["type"] in ignore, f"unexpected frame {frame}"

    async def sync(self, rooms: dict[int, int] | None = None) -> list[dict[str, Any]]:
        """Sync and collect the message frames up to `synced`."""
        await self.send({"type": "sync", "rooms": {str(k): v for k, v in (rooms or {}).items()}})
        messages = []
        while True:
            frame = await self.recv_type("message", "synced")
            if frame["type"] == "synced":
                return messages
            messages.append(frame["message"])

    async def close(self) -> None:
        await self.comm.disconnect()


@pytest.fixture
async def connect() -> Any:
    """`await connect(token=...)` opens a socket through hub.asgi.application."""
    from channels.testing import WebsocketCommunicator

    from hub.asgi import application
    from hub.lib.realtime import reset_hub

    opened: list[Ws] = []

    async def open_socket(*, token: str | None = None, origin: str | None = None,
                          expect_accept: bool = True, sync: bool = True) -> Ws:
        headers = []
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        if origin:
            headers.append((b"origin", origin.encode()))
        comm = WebsocketCommunicator(application, "/ws/v1/", headers=headers)
        connected, _ = await comm.connect(timeout=5)
        client = Ws(comm)
        if expect_accept:
            assert connected, "the socket was refused"
            opened.append(client)
            if sync:
                await client.sync()
        else:
            client.accepted = connected  # type: ignore[attr-defined]
        return client

    yield open_socket
    for client in opened:
        try:
            await client.close()
        except Exception:  # noqa: S110 - already closed by the test
            pass
    await reset_hub()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Seed the demo organisation once; after the run, end connections that worker threads
    of the server code still hold, so that the test database can be dropped."""
    with django_db_blocker.unblock():
        _seed_demo()
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
