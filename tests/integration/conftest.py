"""Real server processes: Daphne over PostgreSQL and Redis, or the embedded default."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "it-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,  # noqa: S603
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {args} failed: {out.stderr[-2000:]}")
    return out.stdout


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["HUITONG_SEND_RATE_PER_MINUTE"] = "100000"
    return env


class Server:
    def __init__(self, port: int, proc: subprocess.Popen) -> None:
        self.port = port
        self.proc = proc
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}/ws/v1/"

    def token(self, username: str) -> str:
        request = urllib.request.Request(
            f"{self.http}/api/v1/auth/token",
            data=json.dumps({"username": username, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)["token"]

    def post(self, token: str, path: str, body: Any) -> Any:
        request = urllib.request.Request(
            f"{self.http}/api/v1{path}", data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)

    def get(self, token: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.http}/api/v1{path}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)


SERVER_LOGS = ROOT / "test-artifacts" / "servers"


def start_daphne(env: dict[str, str]) -> Server:
    """A Daphne process whose log goes to test-artifacts/servers/daphne-<port>.log (a pipe
    nobody reads would stop the server once its buffer filled)."""
    port = free_port()
    SERVER_LOGS.mkdir(parents=True, exist_ok=True)
    with (SERVER_LOGS / f"daphne-{port}.log").open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "hub.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    wait_for_port(port, proc)
    return Server(port, proc)


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, Any]]:
    """Two Daphne processes sharing one PostgreSQL database and the machine's Redis."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("the cluster tests need REDIS_URL (make test sets it)")
    yield from make_cluster(redis_url)


@pytest.fixture(scope="session")
def embedded_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var folder of the embedded default (SQLite database, secrets, media, index), migrated
    and seeded once; tests copy it."""
    var = tmp_path_factory.mktemp("embedded") / "var"
    env = base_env()
    env["HUITONG_VAR_DIR"] = str(var)
    env.pop("HUITONG_REDIS_PREFIX", None)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--password", PASSWORD)
    return var


@pytest.fixture
def own_redis() -> Iterator[dict[str, Any]]:
    """A redis-server of the test's own on a free loopback port, which it may stop and
    start again (the shared one is never stopped)."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no"]
    state: dict[str, Any] = {"port": port, "url": f"redis://127.0.0.1:{port}/0"}

    def start() -> None:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,  # noqa: S603
                                stderr=subprocess.DEVNULL)
        wait_for_port(port, proc)
        state["proc"] = proc

    def kill() -> None:
        state["proc"].kill()
        state["proc"].wait()

    state["start"], state["kill"] = start, kill
    start()
    try:
        yield state
    finally:
        if state["proc"].poll() is None:
            kill()


class _Template:
    """The demo organisation migrated and seeded once per session into a PostgreSQL database
    and a var folder (secrets, media, search index); each cluster starts from copies."""

    def __init__(self) -> None:
        self.db: str | None = None
        self.var: Path | None = None
        self.admin_url = ""

    def build(self, db_url: str) -> tuple[str, Path]:
        if self.db is None or self.var is None:
            self.admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
            name = f"huitong_it_tpl_{uuid.uuid4().hex[:8]}"
            var = Path(tempfile.mkdtemp(prefix="huitong-it-tpl-"))
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            env = base_env()
            env["DATABASE_URL"] = db_url.rsplit("/", 1)[0] + "/" + name
            env["HUITONG_VAR_DIR"] = str(var)
            env.pop("REDIS_URL", None)
            self.db, self.var = name, var  # dropped at the end even if seeding fails
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "seed_demo", "--password", PASSWORD)
        return self.db, self.var

    def drop(self) -> None:
        if self.db:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        if self.var:
            shutil.rmtree(self.var, ignore_errors=True)
        self.db = self.var = None


_template = _Template()


@pytest.fixture(scope="session", autouse=True)
def _drop_cluster_template() -> Iterator[None]:
    yield
    _template.drop()


def make_cluster(redis_url: str,
                 extra_env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Two Daphne processes over a fresh copy of the seeded demo (database and var folder)."""
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith("postgres"):
        pytest.fail("the cluster tests need DATABASE_URL pointing at PostgreSQL "
                    "(make test sets it)")
    template, template_var = _template.build(db_url)
    name = f"huitong_it_{uuid.uuid4().hex[:8]}"
    admin_url = _template.admin_url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    env = base_env()
    env["DATABASE_URL"] = db_url.rsplit("/", 1)[0] + "/" + name
    env["REDIS_URL"] = redis_url
    env["HUITONG_REDIS_PREFIX"] = f"it{uuid.uuid4().hex[:8]}"
    own_var = not (extra_env or {}).get("HUITONG_VAR_DIR")
    if own_var:
        env["HUITONG_VAR_DIR"] = tempfile.mkdtemp(prefix="huitong-it-var-")
    env.update(extra_env or {})
    shutil.copytree(template_var, env["HUITONG_VAR_DIR"], dirs_exist_ok=True)
    servers: list[Server] = []
    try:
        servers = [start_daphne(env), start_daphne(env)]
        yield {"servers": servers, "env": env}
    finally:
        for server in servers:
            stop(server.proc)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if own_var:
            shutil.rmtree(env["HUITONG_VAR_DIR"], ignore_errors=True)
