"""Browser tests: a live Daphne (the product plus tests/e2e/testbot) on a free loopback port,
over its own database, driven by Debian's Chromium through Playwright.

Under `make test` (DATABASE_URL on PostgreSQL, REDIS_URL set) a database
`huitong_e2e_<pid>_seed` is created, migrated and seeded once; the shared server runs on a copy
of it (`huitong_e2e_<pid>`, made from it as a template) with a Redis prefix of its own, and a
module that would change what other modules count starts a server of its own the same way
(`make_server`), in seconds. Every database is dropped at the end. Without PostgreSQL it all
runs embedded on SQLite in temporary folders (the copy is a copy of the var folder).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "e2e-pass-1"
UPLOAD_LIMIT_MB = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The running test server and the protocol as each demo user speaks it."""

    def __init__(self, base_url: str, env: dict[str, str]) -> None:
        self.url = base_url
        self.env = env
        self.tokens: dict[str, str] = {}

    def _request(self, method: str, path: str, token: str | None, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/api/v1{path}", data=data, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from error
        return json.loads(raw) if raw else None

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = self._request("POST", "/auth/token", None,
                                   {"username": username, "password": PASSWORD})
            self.tokens[username] = answer["token"]
        return self.tokens[username]

    def api(self, username: str, method: str, path: str, body: Any = None) -> Any:
        return self._request(method, path, self.token(username), body)

    def group(self, owner: str, name: str, members: list[str]) -> int:
        room = self.api(owner, "POST", "/rooms", {"kind": "group", "name": name, "members": members})
        return int(room["id"])

    def direct(self, a: str, b: str) -> int:
        return int(self.api(a, "POST", "/rooms", {"kind": "direct", "members": [b]})["id"])

    def upload(self, username: str, name: str, data: bytes, mime: str) -> dict[str, Any]:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f'filename="{name}"\r\nContent-Type: {mime}\r\n\r\n').encode()
        body += data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{self.url}/api/v1/attachments", data=body, method="POST",
            headers={"Authorization": f"Bearer {self.token(username)}",
                     "Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def send(self, username: str, room: int, body: str, **extra: Any) -> dict[str, Any]:
        payload = {"body": body, "client_id": f"e2e-{uuid.uuid4().hex[:16]}", **extra}
        return self.api(username, "POST", f"/rooms/{room}/messages", payload)

    def post_card(self, room: int, title: str, card: dict[str, Any] | None = None) -> int:
        extra = [json.dumps(card, ensure_ascii=False)] if card else []
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.e2e.testbot", "post-card", str(room), title, *extra],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
        return int(out.stdout.strip().splitlines()[-1])


def _manage(env: dict[str, str], *args: str) -> None:
    out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,  # noqa: S603
                         capture_output=True, text=True, timeout=180)
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")


class Seed:
    """A migrated and seeded database with its var and media folders, which every test server
    starts from a copy of: `make_server` gives a module a server of its own in seconds."""

    def __init__(self, env: dict[str, str], work: Path, db_name: str | None,
                 admin_url: str | None) -> None:
        self.env = env
        self.work = work
        self.db_name = db_name
        self.admin_url = admin_url


def _admin(admin_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


# Package scope: the seed, the server and the browser (whose sync API keeps an event loop
# running in this thread) end with the last browser test, before the asyncio tests elsewhere run.
@pytest.fixture(scope="package")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    work = tmp_path_factory.mktemp("e2e-seed")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "PYTHONPATH": str(ROOT),
        "HUITONG_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "media"),
        "SECRET_KEY": f"e2e-{uuid.uuid4().hex}",
        "HUITONG_SEAL_KEY": f"e2e-seal-{uuid.uuid4().hex}",
        "DEBUG": "0",
        "HUITONG_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT_MB * 1024 * 1024),
        "HUITONG_SEND_RATE_PER_MINUTE": "100000",
        "HUITONG_LOG_LEVEL": "WARNING",
    })
    db_url = os.environ.get("DATABASE_URL", "")
    admin_url = name = None
    if db_url.startswith("postgres"):
        name = f"huitong_e2e_{os.getpid()}_seed"
        admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = db_url.rsplit("/", 1)[0] + "/" + name
    if env.get("REDIS_URL"):
        env["HUITONG_REDIS_PREFIX"] = f"{os.environ.get('HUITONG_REDIS_PREFIX', 'huitong')}-e2e{os.getpid()}"
    (work / "media").mkdir(exist_ok=True)
    try:
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "seed_demo", "--password", PASSWORD)
        yield Seed(env, work, name, admin_url)
    finally:
        if name and admin_url:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def make_server(seed: Seed, work: Path, tag: str, *, worker: bool = False) -> Iterator[Server]:
    """A live Daphne over a copy of the seed (its database, var and media folders) and a Redis
    prefix of its own; `tag` tells its database and prefix apart from other servers'. With
    `worker`, the background worker runs beside it (the shared server runs none)."""
    env = dict(seed.env)
    shutil.copytree(seed.work / "var", work / "var")
    shutil.copytree(seed.work / "media", work / "media")
    env["HUITONG_VAR_DIR"] = str(work / "var")
    env["MEDIA_ROOT"] = str(work / "media")
    name = None
    if seed.db_name and seed.admin_url:
        name = f"huitong_e2e_{os.getpid()}{tag}"
        _admin(seed.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
               f'CREATE DATABASE "{name}" TEMPLATE "{seed.db_name}"')
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    if env.get("HUITONG_REDIS_PREFIX"):
        env["HUITONG_REDIS_PREFIX"] += tag
    proc = worker_proc = None
    log = open(work / "daphne.log", "w+")  # noqa: SIM115
    try:
        if worker:
            worker_proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT)
        port = _free_port()
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "tests.e2e.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 40
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the test server exited ({proc.returncode}):\n{log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start within 40 s")
            time.sleep(0.2)
        yield Server(url, env)
    finally:
        for running in (proc, worker_proc):
            if running is not None:
                stop(running)
        log.close()
        if name and seed.admin_url:
            _admin(seed.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="package")
def server(seed: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server the browser tests share (a module that changes what others count, such as
    the number of units, starts its own with `make_server`)."""
    with make_server(seed, tmp_path_factory.mktemp("e2e-server"), "") as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM}: run `make chromium` "
                    "(apt-get install chromium fonts-noto-cjk)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def login_state_maker(server: Server, browser: Any, folder: Path) -> Callable[[str], str]:
    """`get("staff1")`: a storage state file of that user logged in through the login page
    of `server` (once per user)."""
    states: dict[str, str] = {}

    def get(username: str) -> str:
        if username not in states:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{server.url}/login/")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{server.url}/")
            path = str(folder / f"{username}.json")
            context.storage_state(path=path)
            context.close()
            states[username] = path
        return states[username]

    return get


@pytest.fixture(scope="package")
def login_states(server: Server, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """`login_states("staff1")`: a storage state file of that user logged in through the
    login page (once per user and session)."""
    return login_state_maker(server, browser, tmp_path_factory.mktemp("e2e-auth"))


class UserPage:
    """One user in one browser context, with the page's errors collected."""

    def __init__(self, context: Any, page: Any, username: str) -> None:
        self.context = context
        self.page = page
        self.username = username
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    def open_room(self, room_id: int) -> None:
        self.page.locator(f'.room-item[data-room="{room_id}"]').click()
        self.page.locator("#composer-input").wait_for()

    def send(self, text: str) -> None:
        box = self.page.locator("#composer-input")
        box.fill(text)
        box.press("Enter")

    def messages(self) -> Any:
        return self.page.locator("#message-list .msg:not(.msg-pending)")


@contextmanager
def user_opener(server: Server, browser: Any,
                login_states: Callable[[str], str]) -> Iterator[Callable[..., UserPage]]:
    """`open_("staff1", room=..)`: a fresh context logged in as that user, on the chat; every
    context closes at the end."""
    contexts: list[Any] = []

    def open_(username: str, *, room: int | None = None, width: int = 1280, height: int = 800,
              init_script: str | None = None) -> UserPage:
        context = browser.new_context(storage_state=login_states(username), locale="zh-CN",
                                      timezone_id="Asia/Shanghai",
                                      viewport={"width": width, "height": height})
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        user = UserPage(context, page, username)
        page.goto(f"{server.url}/" + (f"#/rooms/{room}" if room else "#/chats"))
        page.locator(".room-item").first.wait_for(state="attached")
        if room:
            page.locator(f'.room-item[data-room="{room}"].active').wait_for(state="attached")
        # Live once the socket has synced.
        page.locator("body[data-conn=live]").wait_for(state="attached")
        return user

    try:
        yield open_
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def open_user(server: Server, browser: Any, login_states: Callable[[str], str]) -> Iterator[Callable[..., UserPage]]:
    """`open_user("staff1", room=..)`: a fresh context logged in as that user, on the chat."""
    with user_opener(server, browser, login_states) as open_:
        yield open_


def wait_until(check: Callable[[], Any], *, timeout: float = 10, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy (the page's CSP forbids the string
    evaluation that Playwright's wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
