"""One real Synapse per test session; a bridge process (`manage.py run_matrix_bridge`) per
test, over the test database, so it can be killed and started again like in production."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.integrations.matrix.synapse import SERVER_NAME, MatrixPerson, Synapse, free_port

ROOT = Path(__file__).resolve().parents[3]


def wait_for(predicate: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.1)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUITONG_MATRIX")}
    env["HUITONG_MATRIX_SERVER_NAME"] = SERVER_NAME
    return env


@dataclass
class Home:
    synapse: Synapse
    registration: Path
    listen: str
    people: dict[str, MatrixPerson]

    def person(self, localpart: str) -> MatrixPerson:
        if localpart not in self.people:
            self.people[localpart] = self.synapse.register(localpart)
        return self.people[localpart]


@pytest.fixture(scope="session")
def matrix_home(tmp_path_factory: Any) -> Iterator[Home]:
    work = tmp_path_factory.mktemp("matrix")
    listen = f"127.0.0.1:{free_port()}"
    registration = work / "registration.yaml"
    env = {**_base_env(), "HUITONG_MATRIX_LISTEN": listen}
    # The file the homeserver reads is the one the command writes.
    result = subprocess.run([sys.executable, "manage.py", "matrix_registration", "--out",  # noqa: S603
                             str(registration)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"matrix_registration failed: {result.stderr[-2000:]}")
    synapse = Synapse(work / "synapse", registration)
    synapse.start()
    try:
        yield Home(synapse=synapse, registration=registration, listen=listen, people={})
    finally:
        synapse.stop()


class BridgeProcess:
    def __init__(self, env: dict[str, str], log: Path, port: int) -> None:
        self.env, self.log, self.port = env, log, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.media = Path()

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "run_matrix_bridge"], cwd=ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bridge exited: {self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the bridge did not listen: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no goodbye, nothing flushed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def matrix_settings(settings: Any, matrix_home: Home) -> Home:
    settings.HUITONG_MATRIX_HOMESERVER = matrix_home.synapse.url
    settings.HUITONG_MATRIX_SERVER_NAME = SERVER_NAME
    settings.HUITONG_MATRIX_LISTEN = matrix_home.listen
    settings.HUITONG_MATRIX_REGISTRATION = str(matrix_home.registration)
    settings.HUITONG_MATRIX_ALLOWED_SERVERS = []
    settings.HUITONG_PUBLIC_URL = "https://hub.example.gov.cn"
    return matrix_home


@pytest.fixture(scope="session")
def bridge_process(matrix_home: Home, django_db_setup: Any, tmp_path_factory: Any
                   ) -> Iterator[BridgeProcess]:
    """The bridge as its own process, over the test database (so the tests that use it are
    transactional) with a media folder of its own; one for the session, started again by
    `bridge` when a test killed it."""
    db = connection.settings_dict
    url = (f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
           f"{db['PORT'] or 5432}/{db['NAME']}")
    work = tmp_path_factory.mktemp("bridge")
    env = {**_base_env(), "DATABASE_URL": url, "HUITONG_CONN_MAX_AGE": "0",
           "MEDIA_ROOT": str(work / "media"),
           "HUITONG_MATRIX_HOMESERVER": matrix_home.synapse.url,
           "HUITONG_MATRIX_LISTEN": matrix_home.listen,
           "HUITONG_MATRIX_REGISTRATION": str(matrix_home.registration),
           "HUITONG_PUBLIC_URL": "https://hub.example.gov.cn",
           "HUITONG_LOG_LEVEL": "INFO", "HUITONG_SEAL_KEY": settings.HUITONG_SEAL_KEY}
    port = int(matrix_home.listen.rsplit(":", 1)[1])
    process = BridgeProcess(env, work / "bridge.log", port)
    process.media = work / "media"
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def bridge(matrix_settings: Home, bridge_process: BridgeProcess, transactional_db: Any,
           settings: Any) -> Iterator[BridgeProcess]:
    """The bridge process, running for one test. It is stopped before the test's database is
    flushed: a bridge still writing while the tables are truncated deadlocks the flush."""
    settings.MEDIA_ROOT = bridge_process.media
    if bridge_process.proc is None or bridge_process.proc.poll() is not None:
        bridge_process.start()
    yield bridge_process
    bridge_process.stop()


@dataclass
class Bridged:
    room: Any  # the Huitong room
    matrix_room: str
    alice: MatrixPerson
    zhang: Any
    li: Any
    bot_mxid: str

    def ghost(self, username: str) -> str:
        from integrations.matrix.config import ghost_localpart

        return f"@{ghost_localpart(username)}:{SERVER_NAME}"


def make_org() -> dict[str, Any]:
    """A unit with two people; 张伟 administers the group room 联络群 with 李娜 in it."""
    from hub.chat import actions
    from hub.org.actions import set_unit_membership
    from hub.org.models import Unit, User

    unit = Unit.objects.create(code="wjw", name="区卫生健康委员会", short_name="卫健委",
                               kind=Unit.Kind.GOVERNMENT)
    people = {}
    for username, name in (("zhang", "张伟"), ("li", "李娜"), ("wang", "王芳")):
        user = User.objects.create_user(username=username, password="pw-12345678",
                                        display_name=name)
        set_unit_membership(unit=unit, user=user, role="staff")
        people[username] = user
    room, _ = actions.create_room(creator=people["zhang"], name="联络群", kind="group",
                                  members=["li"])
    from hub.chat.models import Room

    return {**people, "unit": unit, "room": Room.objects.get(id=room["id"])}


@pytest.fixture
def bridged(bridge: BridgeProcess, matrix_settings: Home, request: Any) -> Bridged:
    """联络群 bridged to a fresh Matrix room made by @alice, who invited the bridge's bot."""
    from integrations.matrix import actions, config

    org = make_org()
    alice = matrix_settings.person("alice")
    matrix_room = alice.create_room(name=f"联络群 {request.node.name}"[:60])
    bot = config.load().bot_mxid
    alice.invite(matrix_room, bot)
    actions.bridge_room(user=org["zhang"], room_id=org["room"].id, matrix_room=matrix_room)
    return Bridged(room=org["room"], matrix_room=matrix_room, alice=alice, zhang=org["zhang"],
                   li=org["li"], bot_mxid=bot)
