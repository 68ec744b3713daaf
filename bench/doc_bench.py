"""Documents benchmark: one document with a 5 MB attachment sent to 95 units.

Starts a fresh server (PostgreSQL + Redis by default, or the embedded default), creates 95
township units with a clerk each (`manage.py doc_bench_setup`), connects every clerk and
the sender over the WebSocket, then measures:

- the upload of the attachment;
- POST /api/v1/documents (seal, copy, 95 cards and the tracking card in one transaction);
- the time from the POST until each clerk's socket shows its card (p50 / p95 / max) and
  until the sender's socket shows the tracking card with 95 delivered;
- all 95 clerks pressing 签收 at once over their sockets: acks, and the time until the
  tracking card shows 95 signed;
- GET /documents/{id}/verify (re-hashes the 5 MB file);
- the live to-do counts: the time until each clerk's socket gets the `todo` frame with the
  document to sign (95 units: the worker recounts, from rows committed with the document),
  and, after 签收, the frame that says nothing is left (recounted right after the commit).

Figures only: nothing passes or fails. Results go to bench/results/doc-*.json.

    make bench-doc
    .venv/bin/python bench/doc_bench.py --target embedded --units 20 --size-mb 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BENCH_DB = os.environ.get("BENCH_DOC_DB", "huitong_docbench")


class BenchError(RuntimeError):
    pass


def log(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                         text=True, timeout=600)
    if out.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def server_env(target: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"HUITONG_VAR_DIR": str(var_dir), "HUITONG_SEND_RATE_PER_MINUTE": "1000000",
                "HUITONG_MAX_UPLOAD_BYTES": str(64 * 1024 * 1024), "LOG_LEVEL": "WARNING",
                "HUITONG_LOG_LEVEL": "WARNING"})
    if target == "redis":
        env.update({"DATABASE_URL": f"{PG_URL}/{BENCH_DB}", "REDIS_URL": REDIS_URL,
                    "HUITONG_REDIS_PREFIX": f"docbench{secrets.token_hex(3)}"})
    return env


def http_request(port: int, method: str, path: str, *, token: str, body: bytes | None = None,
                 content_type: str = "application/json") -> tuple[int, Any, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers={"Authorization": f"Bearer {token}",
                                                       "Content-Type": content_type})
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    try:
        return response.status, json.loads(raw) if raw else None, elapsed
    except ValueError:
        return response.status, raw[:300].decode(errors="replace"), elapsed


def upload(port: int, token: str, name: str, data: bytes) -> tuple[dict[str, Any], float]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").encode() + data + (
        f"\r\n--{boundary}--\r\n").encode()
    status, result, elapsed = http_request(port, "POST", "/api/v1/attachments", token=token,
                                           body=body,
                                           content_type=f"multipart/form-data; boundary={boundary}")
    if status != 201:
        raise BenchError(f"upload: HTTP {status} {str(result)[:300]}")
    return result, elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"n": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(pct(values, 0.95) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


class Socket:
    def __init__(self, name: str, conn: Any) -> None:
        self.name = name
        self.conn = conn
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.conn:
                self.frames.put_nowait(json.loads(raw))

    async def until(self, predicate: Any, within: float) -> dict[str, Any]:
        deadline = time.perf_counter() + within
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise BenchError(f"{self.name}: no expected frame within {within}s")
            frame = await asyncio.wait_for(self.frames.get(), left)
            if predicate(frame):
                return frame


async def connect(port: int, name: str, token: str) -> Socket:
    import websockets

    conn = await websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/?access_token={token}",
                                    max_size=16 * 1024 * 1024, open_timeout=30)
    sock = Socket(name, conn)
    await conn.send(json.dumps({"type": "sync", "rooms": {}}))
    asyncio.get_running_loop().create_task(sock.read())
    await sock.until(lambda f: f.get("type") == "synced", 60)
    return sock


def is_card(frame: dict[str, Any], card_type: str, kinds: tuple[str, ...] = ("message",)) -> bool:
    message = frame.get("message") or {}
    return frame.get("type") in kinds and (message.get("card") or {}).get("card_type") == card_type


async def measure(port: int, setup: dict[str, Any], size_mb: float) -> dict[str, Any]:
    units: list[str] = setup["units"]
    started = time.perf_counter()
    clerks = await asyncio.gather(*(connect(port, code, setup["tokens"][code]) for code in units))
    sender = await connect(port, "sender", setup["sender"])
    log(f"  {len(clerks) + 1} sockets connected and synced in {time.perf_counter() - started:.1f}s")
    loop = asyncio.get_running_loop()

    data = os.urandom(int(size_mb * 1024 * 1024))
    attachment, upload_s = await loop.run_in_executor(
        None, lambda: upload(port, setup["sender"], "压测附件.pdf", data))
    log(f"  uploaded {size_mb:g} MB in {upload_s * 1000:.0f} ms")

    body = {"doc_type": "通知", "number": f"区府办〔{time.localtime().tm_year}〕"
                                        f"{secrets.randbelow(90000) + 1000}号",
            "title": "关于做好冬季安全生产工作的通知", "body": "各乡镇人民政府：……" * 50,
            "recipients": units, "urgency": "urgent", "attachments": [attachment["id"]]}
    t0 = time.perf_counter()
    post = loop.run_in_executor(None, lambda: http_request(
        port, "POST", "/api/v1/documents", token=setup["sender"], body=json.dumps(body).encode()))

    async def card_at(sock: Socket) -> tuple[float, dict[str, Any]]:
        frame = await sock.until(lambda f: is_card(f, "document"), 300)
        return time.perf_counter() - t0, frame["message"]

    async def tracking_at() -> tuple[float, dict[str, Any]]:
        frame = await sender.until(
            lambda f: is_card(f, "document_tracking", ("message", "message_updated"))
            and f["message"]["card"]["totals"]["delivered"] == len(units), 300)
        return time.perf_counter() - t0, frame["message"]

    async def todo_at(sock: Socket) -> float:
        await sock.until(lambda f: f.get("type") == "todo"
                         and f["counts"].get("document_sign", 0) >= 1, 300)
        return time.perf_counter() - t0

    arrivals = await asyncio.gather(*(card_at(s) for s in clerks))
    todo_s = await asyncio.gather(*(todo_at(s) for s in clerks))
    log(f"  to-do frame with the document to sign: p50 {pct(todo_s, 0.5) * 1000:.0f} ms, "
        f"max {max(todo_s) * 1000:.0f} ms after the POST")
    tracking_s, tracking = await tracking_at()
    status, document, post_s = await post
    if status != 201:
        raise BenchError(f"POST /documents: HTTP {status} {str(document)[:300]}")
    card_s = [a for a, _ in arrivals]
    log(f"  POST /documents answered in {post_s * 1000:.0f} ms; last card after "
        f"{max(card_s) * 1000:.0f} ms; tracking card with {len(units)} delivered after "
        f"{tracking_s * 1000:.0f} ms")

    # Every clerk presses 签收 at once.
    t1 = time.perf_counter()
    for sock, (_, message) in zip(clerks, arrivals, strict=True):
        await sock.conn.send(json.dumps({"type": "action", "message": message["id"],
                                         "action": "sign", "client_id": f"sign-{sock.name}"}))

    cleared: dict[str, float] = {}

    def cleared_at(sock: Socket, frame: dict[str, Any]) -> None:
        if frame.get("type") == "todo" and frame["counts"].get("document_sign") == 0:
            cleared.setdefault(sock.name, time.perf_counter() - t1)

    async def ack_at(sock: Socket) -> float:
        def seen(f: dict[str, Any]) -> bool:
            cleared_at(sock, f)
            return f.get("type") in ("ack", "error")

        frame = await sock.until(seen, 300)
        if frame["type"] == "error":
            raise BenchError(f"{sock.name}: {frame}")
        at = time.perf_counter() - t1
        if sock.name not in cleared:
            await sock.until(lambda f: (cleared_at(sock, f), sock.name in cleared)[1], 300)
        return at

    acks = await asyncio.gather(*(ack_at(s) for s in clerks))
    cleared_s = list(cleared.values())
    log(f"  to-do frame with nothing left to sign: p50 {pct(cleared_s, 0.5) * 1000:.0f} ms, "
        f"max {max(cleared_s) * 1000:.0f} ms after the presses")
    signed = await sender.until(
        lambda f: is_card(f, "document_tracking", ("message_updated",))
        and f["message"]["card"]["totals"]["signed"] == len(units), 300)
    all_signed_s = time.perf_counter() - t1
    log(f"  {len(units)} simultaneous 签收: last ack after {max(acks) * 1000:.0f} ms; tracking "
        f"card shows {signed['message']['card']['totals']['signed']} signed after "
        f"{all_signed_s * 1000:.0f} ms")

    status, verified, verify_s = await loop.run_in_executor(None, lambda: http_request(
        port, "GET", f"/api/v1/documents/{document['id']}/verify", token=setup["sender"]))
    log(f"  verify: {verified.get('valid') if isinstance(verified, dict) else verified} "
        f"in {verify_s * 1000:.0f} ms")
    for sock in [*clerks, sender]:
        with contextlib.suppress(Exception):
            await sock.conn.close()
    return {
        "units": len(units), "attachment_mb": size_mb,
        "upload_ms": round(upload_s * 1000, 1),
        "post_documents_ms": round(post_s * 1000, 1),
        "card_arrival": summary(card_s),
        "todo_frame_arrival": summary(list(todo_s)),
        "todo_cleared_after_sign": summary(cleared_s),
        "tracking_shows_all_delivered_ms": round(tracking_s * 1000, 1),
        "tracking_delivered": tracking["card"]["totals"]["delivered"],
        "sign_all_at_once": {"acks": summary(acks),
                             "tracking_shows_all_signed_ms": round(all_signed_s * 1000, 1)},
        "verify_ms": round(verify_s * 1000, 1), "verify_valid": verified.get("valid")
        if isinstance(verified, dict) else None,
    }


def run(target: str, units: int, size_mb: float, keep: bool) -> dict[str, Any]:
    log(f"== {target}: {units} units, {size_mb:g} MB attachment")
    var_dir = Path(tempfile.mkdtemp(prefix="docbench-"))
    env = server_env(target, var_dir)
    if target == "redis":
        recreate_database()
    proc = worker = None
    try:
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--password", "bench-pass")
        setup = json.loads(manage(env, "doc_bench_setup", "--units", str(units)).strip()
                           .splitlines()[-1])
        log(f"  set up in {time.perf_counter() - started:.1f}s")
        port = free_port()
        server_log = var_dir / "daphne.log"
        with open(server_log, "wb") as out:
            proc = subprocess.Popen([PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),  # noqa: S603
                                     "hub.asgi:application"], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        # The worker recounts the to-do lists a large change reaches.
        worker = subprocess.Popen([PY, "manage.py", "run_worker"], cwd=ROOT, env=env,  # noqa: S603
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if proc.poll() is not None or time.time() > deadline:
                raise BenchError("daphne did not start:\n" + server_log.read_text()[-2000:])
            time.sleep(0.2)
        result = asyncio.run(measure(port, setup, size_mb))
        return {"target": target, **result}
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(10)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if target == "redis" and not keep:
            with contextlib.suppress(Exception):
                drop_database()
        if not keep:
            import shutil

            shutil.rmtree(var_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["redis", "embedded", "both"], default="redis")
    parser.add_argument("--units", type=int, default=95)
    parser.add_argument("--size-mb", type=float, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database and var dir")
    args = parser.parse_args()
    targets = ["redis", "embedded"] if args.target == "both" else [args.target]
    results = [run(t, args.units, args.size_mb, args.keep) for t in targets]
    log("\n" + json.dumps(results, ensure_ascii=False, indent=2))
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"doc-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    log(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"benchmark failed: {error}")
