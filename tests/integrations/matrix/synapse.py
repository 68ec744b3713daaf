"""A real Synapse for the bridge's tests and benchmark.

matrix-synapse is installed, at the exact versions of synapse-requirements.txt, into its own
virtual environment under the test cache (`HUITONG_TEST_CACHE`, default
~/.cache/huitong-tests) the first time it is needed. The homeserver runs on loopback with
SQLite, `bcrypt_rounds: 4`, no federation and raised rate limits. Anything that keeps it from
starting raises: the tests fail loudly, they never skip.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REQUIREMENTS = Path(__file__).with_name("synapse-requirements.txt")
SERVER_NAME = "matrix.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cache_dir() -> Path:
    path = Path(os.environ.get("HUITONG_TEST_CACHE") or Path.home() / ".cache" / "huitong-tests")
    path.mkdir(parents=True, exist_ok=True)
    return path


def synapse_python() -> Path:
    """The Python of the Synapse environment, built on first use (under a lock, so parallel
    runs build it once)."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:12]
    venv = cache_dir() / f"synapse-{key}"
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if ready.exists():
        return python
    with open(cache_dir() / "synapse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return python
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "-r", str(REQUIREMENTS)],
            capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError("installing matrix-synapse for the tests failed:\n"
                               + result.stderr[-3000:])
        ready.touch()
    return python


def _limit(per_second: float = 1000, burst: int = 10000) -> dict[str, Any]:
    return {"per_second": per_second, "burst_count": burst}


class Synapse:
    """One homeserver in `workdir`, pushing to the application service registered in
    `registration`."""

    def __init__(self, workdir: Path, registration: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None
        self.python = synapse_python()
        self.log = workdir / "homeserver.log"
        workdir.mkdir(parents=True, exist_ok=True)
        key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        (workdir / "signing.key").write_text(f"ed25519 a_test {key}\n")
        (workdir / "log.yaml").write_text(json.dumps({
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                                  "filename": str(self.log)}},
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }))
        config = {
            "server_name": SERVER_NAME,
            "pid_file": str(workdir / "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                           "tls": False, "x_forwarded": False,
                           "resources": [{"names": ["client"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": str(workdir / "homeserver.db")}},
            "log_config": str(workdir / "log.yaml"),
            "media_store_path": str(workdir / "media"),
            "signing_key_path": str(workdir / "signing.key"),
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "enable_registration": False,
            "bcrypt_rounds": 4,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "max_upload_size": "5M",
            "app_service_config_files": [str(registration)],
            "rc_message": _limit(),
            "rc_registration": _limit(),
            "rc_login": {"address": _limit(), "account": _limit(), "failed_attempts": _limit()},
            "rc_joins": {"local": _limit(), "remote": _limit()},
            "rc_joins_per_room": _limit(),
            "rc_invites": {"per_room": _limit(), "per_user": _limit(), "per_issuer": _limit()},
            "rc_admin_redaction": _limit(),
            "rc_room_creation": _limit(),
            "rc_media_create": _limit(),
            "rc_presence": {"per_user": _limit()},
        }
        self.config = workdir / "homeserver.yaml"
        self.config.write_text(json.dumps(config, indent=1))

    def start(self, timeout: float = 90) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603
                [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config)],
                cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Synapse exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions",  # noqa: S310
                                            timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Synapse did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def register(self, localpart: str, password: str = "matrix-pass-1") -> MatrixPerson:
        """A person on Matrix, registered with the shared secret, logged in."""
        nonce = request("GET", f"{self.url}/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"notadmin"]))
        answer = request("POST", f"{self.url}/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": False,
            "mac": mac.hexdigest()})
        return MatrixPerson(self.url, answer["user_id"], answer["access_token"])


class MatrixError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


def request(method: str, url: str, body: Any = None, token: str | None = None,
            data: bytes | None = None, content_type: str = "application/json") -> Any:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = data if data is not None else (json.dumps(body).encode() if body is not None
                                             else None)
    req = urllib.request.Request(url, data=payload, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as error:
        raw = error.read()
        raise MatrixError(error.code, json.loads(raw or b"{}")) from error
    return json.loads(raw) if raw else {}


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class MatrixPerson:
    """A Matrix user as a client sees the homeserver (the client-server API, by hand)."""

    def __init__(self, url: str, user_id: str, token: str) -> None:
        self.url, self.user_id, self.token = url, user_id, token
        self._txn = 0

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return request(method, f"{self.url}/_matrix/client/v3{path}", body, self.token)

    def txn(self) -> str:
        self._txn += 1
        return f"t{time.monotonic_ns()}-{self._txn}"

    def create_room(self, **body: Any) -> str:
        return self.call("POST", "/createRoom", {"preset": "public_chat", **body})["room_id"]

    def invite(self, room: str, user_id: str) -> None:
        self.call("POST", f"/rooms/{q(room)}/invite", {"user_id": user_id})

    def join(self, room: str) -> str:
        return self.call("POST", f"/join/{q(room)}", {})["room_id"]

    def leave(self, room: str) -> None:
        self.call("POST", f"/rooms/{q(room)}/leave", {})

    def send(self, room: str, content: dict[str, Any], event_type: str = "m.room.message",
             txn: str | None = None) -> str:
        return self.call("PUT", f"/rooms/{q(room)}/send/{event_type}/{txn or self.txn()}",
                         content)["event_id"]

    def text(self, room: str, body: str, **extra: Any) -> str:
        return self.send(room, {"msgtype": "m.text", "body": body, **extra})

    def redact(self, room: str, event_id: str) -> str:
        return self.call("PUT", f"/rooms/{q(room)}/redact/{q(event_id)}/{self.txn()}",
                         {})["event_id"]

    def receipt(self, room: str, event_id: str) -> None:
        self.call("POST", f"/rooms/{q(room)}/receipt/m.read/{q(event_id)}", {})

    def typing(self, room: str) -> None:
        self.call("PUT", f"/rooms/{q(room)}/typing/{q(self.user_id)}",
                  {"typing": True, "timeout": 5000})

    def upload(self, name: str, data: bytes, mime: str) -> str:
        return request("POST", f"{self.url}/_matrix/media/v3/upload?filename={q(name)}",
                       token=self.token, data=data, content_type=mime)["content_uri"]

    def download(self, mxc: str) -> bytes:
        server, media = mxc.removeprefix("mxc://").split("/", 1)
        req = urllib.request.Request(
            f"{self.url}/_matrix/client/v1/media/download/{q(server)}/{q(media)}",
            headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            return response.read()

    def events(self, room: str, limit: int = 500) -> list[dict[str, Any]]:
        """The room's timeline, oldest first."""
        answer = self.call("GET", f"/rooms/{q(room)}/messages?dir=b&limit={limit}")
        return list(reversed(answer.get("chunk", [])))

    def state(self, room: str, event_type: str, key: str = "") -> Any:
        return self.call("GET", f"/rooms/{q(room)}/state/{event_type}/{q(key)}")

    def members(self, room: str) -> dict[str, Any]:
        return self.call("GET", f"/rooms/{q(room)}/joined_members")["joined"]

    def sync(self, room: str) -> dict[str, Any]:
        """A fresh initial /sync of one room (Synapse answers a repeated identical /sync from
        a cache for a while, so each call's filter differs)."""
        self._txn += 1
        filt = q(json.dumps({"room": {"rooms": [room], "timeline": {"limit": 100}},
                             "presence": {"limit": self._txn}}))
        answer = self.call("GET", f"/sync?timeout=0&filter={filt}")
        return answer.get("rooms", {}).get("join", {}).get(room, {})

    def receipts_of(self, room: str) -> dict[str, Any]:
        """Read receipts as a /sync sees them: {event_id: {user_id: ...}}."""
        out: dict[str, Any] = {}
        for event in self.sync(room).get("ephemeral", {}).get("events", []):
            if event.get("type") == "m.receipt":
                for event_id, kinds in event["content"].items():
                    out.setdefault(event_id, {}).update(kinds.get("m.read", {}))
        return out

    def typing_users(self, room: str) -> list[str]:
        return [u for event in self.sync(room).get("ephemeral", {}).get("events", [])
                if event.get("type") == "m.typing" for u in event["content"]["user_ids"]]
