"""The embedded default that `make run` serves: SQLite, the in-memory layer, one Daphne
process and the worker, started and stopped together."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import websockets

from tests.integration.conftest import (
    ROOT,
    Server,
    base_env,
    free_port,
    manage,
    wait_for_port,
)

pytestmark = pytest.mark.multiprocess


def start_serve(env: dict[str, str]) -> Server:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for_port(port, proc)
    return Server(port, proc)


def listen_backlog(port: int) -> int:
    """The accept queue's length of the socket listening on `port` (`ss`: Send-Q)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,  # noqa: S603, S607
                         text=True, check=True, timeout=10).stdout.split()
    return int(out[2])


def interrupt(server: Server) -> list[psutil.Process]:
    """Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group."""
    children = psutil.Process(server.proc.pid).children(recursive=True)
    os.killpg(server.proc.pid, signal.SIGINT)
    server.proc.wait(timeout=20)
    return children


@pytest.fixture
def embedded(embedded_seed: Path, tmp_path: Path) -> dict[str, str]:
    """The seeded embedded install, a copy of its own for each test."""
    shutil.copytree(embedded_seed, tmp_path / "var")
    env = base_env()
    env["HUITONG_VAR_DIR"] = str(tmp_path / "var")
    env.pop("HUITONG_REDIS_PREFIX", None)
    return env


async def test_serve_runs_web_and_worker_and_events_from_other_processes_reach_sockets(
        embedded: dict[str, str]) -> None:
    server = start_serve(embedded)
    try:
        staff1 = server.token("staff1")
        ws = await websockets.connect(server.ws, additional_headers={
            "Authorization": f"Bearer {staff1}"})
        await ws.send(json.dumps({"type": "sync", "rooms": {}}))
        while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "synced":
            pass
        # A message stored by another process (as the worker or a bot would) arrives live,
        # although the in-memory channel layer does not cross processes.
        body = f"来自另一个进程 {secrets.token_hex(4)}"
        await asyncio.to_thread(manage, embedded, "post_message", "--user", "clerk",
                                "--room", "general", "--body", body)
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "message":
                break
        assert frame["message"]["body"] == body
        await ws.close()
        # A deep accept queue for the reconnect storm after a restart (Twisted's default is 50).
        assert listen_backlog(server.port) >= 1024
    finally:
        children = interrupt(server)
    assert server.proc.returncode == 0
    # The web server and the worker stop with it.
    assert len(children) >= 2
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]

    # Serving again keeps the data.
    again = start_serve(embedded)
    try:
        token = again.token("staff1")
        room = next(r for r in again.get(token, "/rooms") if r["name"] == "general")
        history = again.get(token, f"/rooms/{room['id']}/messages")
        assert history[-1]["body"] == body
    finally:
        interrupt(again)


def test_seed_demo_rerun_changes_the_password(embedded: dict[str, str]) -> None:
    manage(embedded, "seed_demo", "--password", "another-pass")
    server = start_serve(embedded)
    try:
        with pytest.raises(Exception, match="401"):
            server.token("clerk")
        import urllib.request

        request = urllib.request.Request(
            f"{server.http}/api/v1/auth/token",
            data=json.dumps({"username": "clerk", "password": "another-pass"}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
    finally:
        interrupt(server)


README_PRODUCTION = {
    "DEBUG": "0", "HUITONG_HTTPS": "1", "ALLOWED_HOSTS": "hub.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://hub.example.gov.cn",
    "DATABASE_URL": "postgres://huitong:pw@db:5432/huitong", "REDIS_URL": "redis://redis:6379/0",
    "MEDIA_ROOT": "/srv/huitong/media", "STATIC_ROOT": "/srv/huitong/static",
}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",  # noqa: S603
                           "--fail-level", "WARNING"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_readme_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = base_env()
    env.update(README_PRODUCTION, SECRET_KEY=secrets.token_urlsafe(60),
               HUITONG_SEAL_KEY=secrets.token_urlsafe(60), HUITONG_VAR_DIR=str(tmp_path))
    out = check_deploy(env)
    assert out.returncode == 0, out.stderr
    assert "no issues" in out.stdout
    # Nothing was generated in place of the secrets.
    assert not (tmp_path / "dev_secret_key").exists() and not (tmp_path / "seal_key").exists()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "HUITONG_SEAL_KEY"])
def test_production_refuses_to_start_without_its_secrets(tmp_path: Path, missing: str) -> None:
    env = base_env()
    env.update(README_PRODUCTION, SECRET_KEY=secrets.token_urlsafe(60),
               HUITONG_SEAL_KEY=secrets.token_urlsafe(60), HUITONG_VAR_DIR=str(tmp_path))
    del env[missing]
    out = check_deploy(env)
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and missing in out.stderr
    assert not (tmp_path / "dev_secret_key").exists() and not (tmp_path / "seal_key").exists()


def test_the_worker_of_serve_files_what_was_handled(embedded: dict[str, str]) -> None:
    """End to end through `manage.py serve`: a document handled by its recipient reaches the
    recipient's archive, and the issuer's, by the worker's own sweep (nothing run by hand)."""
    import time
    from datetime import date

    def filed(token: str, query: str) -> list:
        deadline = time.monotonic() + 30
        while True:
            entries = server.get(token, f"/archive?{query}")["entries"]
            if entries or time.monotonic() > deadline:
                return entries
            time.sleep(0.5)

    server = start_serve(embedded)
    try:
        clerk, town1 = server.token("clerk"), server.token("staff4")
        document = server.post(clerk, "/documents", {
            "doc_type": "通知", "number": f"区府办〔{date.today().year}〕77号",
            "title": "关于归档测试的通知", "recipients": ["town1"]})
        message = document["recipients"][0]["message"]
        server.post(town1, f"/messages/{message}/actions", {"action": "sign"})
        server.post(town1, f"/messages/{message}/actions", {"action": "complete"})
        received = filed(town1, "kind=incoming")
        assert [e["title"] for e in received] == ["关于归档测试的通知"]
        assert received[0]["archive_no"].startswith("TOWN1-WS·")
        # Its only recipient has handled it: the issuer's copy is filed too.
        assert [e["archive_no"][:7] for e in filed(clerk, "kind=outgoing")] == ["ZFB-WS·"]
    finally:
        interrupt(server)
