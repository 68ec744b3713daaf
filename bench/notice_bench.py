"""Notices benchmark: a notice to 900 people in 95 units, and 900 people pressing 收到.

Starts a fresh server (two Daphne processes, one per core as deployed, `--web N`, and the
worker; PostgreSQL and Redis by default, or the embedded default with `--web 1`), creates 95 units with 900 people
(`manage.py notice_bench_setup`), connects every one of them and the sender over the
WebSocket, then measures:

- POST /api/v1/notices to the 95 units (95 unit-room cards with a 收到 button per person, the
  sender's card), and the time from the POST until every person's socket shows their card
  (p50 / p95 / max over the 900);
- the 900 people pressing 收到 over their sockets at random moments within 10 seconds: each
  press's ack (p50 / p95 / max), and how long after the last press the sender's card shows
  all 900 (the settling time of the coalesced counts);
- no press lost: GET /notices/{id} afterwards must count 900 received, and the number of
  edits of the sender's card is reported (coalesced: about one a second, not 900).

Figures only: nothing passes or fails. Results go to bench/results/notice-*.json.

    make bench-notice
    .venv/bin/python bench/notice_bench.py --target embedded --people 200 --units 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_bench import (  # noqa: E402
    PG_URL,
    PY,
    ROOT,
    BenchError,
    Socket,
    connect,
    free_port,
    http_request,
    is_card,
    log,
    manage,
    server_env,
    summary,
)

BENCH_DB = "huitong_noticebench"


def recreate_database(*, create: bool = True) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


async def connect_all(ports: list[int], tokens: dict[str, str], batch: int = 50
                      ) -> dict[str, Socket]:
    """Every person's socket, spread over the web processes."""
    sockets: dict[str, Socket] = {}
    names = sorted(tokens)
    for start in range(0, len(names), batch):
        chunk = names[start:start + batch]
        opened = await asyncio.gather(*(connect(ports[(start + i) % len(ports)], n, tokens[n])
                                        for i, n in enumerate(chunk)))
        sockets.update(zip(chunk, opened, strict=True))
    return sockets


async def measure(ports: list[int], setup: dict[str, Any], spread: float) -> dict[str, Any]:
    port = ports[0]
    started = time.perf_counter()
    people = await connect_all(ports, setup["tokens"])
    sender = await connect(port, "sender", setup["sender"])
    log(f"  {len(people) + 1} sockets connected and synced in {time.perf_counter() - started:.1f}s")
    loop = asyncio.get_running_loop()
    body = {"title": "关于做好元旦春节期间值班值守工作的通知",
            "body": "各单位：\n\n请严格落实领导带班和24小时值班制度，确保信息畅通。" * 5,
            "audience": setup["units"]}
    t0 = time.perf_counter()
    post = loop.run_in_executor(None, lambda: http_request(
        port, "POST", "/api/v1/notices", token=setup["sender"], body=json.dumps(body).encode()))

    async def card_at(sock: Socket) -> tuple[float, dict[str, Any]]:
        frame = await sock.until(lambda f: is_card(f, "notice"), 600)
        return time.perf_counter() - t0, frame["message"]

    arrivals = dict(zip(people, await asyncio.gather(*(card_at(s) for s in people.values())),
                        strict=True))
    status, notice, post_s = await post
    if status != 201:
        raise BenchError(f"POST /notices: HTTP {status} {str(notice)[:300]}")
    delivered_s = max(a for a, _ in arrivals.values())
    log(f"  POST /notices ({notice['totals']['recipients']} people) answered in "
        f"{post_s * 1000:.0f} ms; every card delivered after {delivered_s * 1000:.0f} ms")

    # Everyone presses 收到 at a random moment within `spread` seconds.
    tracking_edits = 0
    settled = asyncio.Event()
    total = notice["totals"]["recipients"]
    settled_at = 0.0

    async def watch_sender() -> None:
        nonlocal tracking_edits, settled_at
        while True:
            frame = await sender.until(
                lambda f: is_card(f, "notice_tracking", ("message_updated",)), 600)
            tracking_edits += 1
            if frame["message"]["card"]["totals"]["acked"] == total:
                settled_at = time.perf_counter()
                settled.set()
                return

    watcher = loop.create_task(watch_sender())
    t1 = time.perf_counter()
    last_press = 0.0
    rng = random.Random(12)

    async def press(name: str) -> float:
        nonlocal last_press
        await asyncio.sleep(rng.uniform(0, spread))
        sock = people[name]
        message = arrivals[name][1]
        sent = time.perf_counter()
        last_press = max(last_press, sent)
        await sock.conn.send(json.dumps({"type": "action", "message": message["id"],
                                         "action": "ack", "client_id": f"ack-{name}"}))
        frame = await sock.until(lambda f: f.get("type") in ("ack", "error")
                                 and f.get("client_id", f.get("ref")) == f"ack-{name}", 300)
        if frame["type"] == "error":
            raise BenchError(f"{name}: {frame}")
        return time.perf_counter() - sent

    acks = await asyncio.gather(*(press(n) for n in people))
    await asyncio.wait_for(settled.wait(), 300)
    await watcher
    settle_s = settled_at - last_press
    status, after, _ = await loop.run_in_executor(None, lambda: http_request(
        port, "GET", f"/api/v1/notices/{notice['id']}", token=setup["sender"]))
    acked = after["totals"]["acked"] if isinstance(after, dict) else None
    log(f"  {len(acks)} presses within {spread:g}s: ack p50 {summary(acks)['p50_ms']} ms, p95 "
        f"{summary(acks)['p95_ms']} ms, max {summary(acks)['max_ms']} ms; the sender's card "
        f"showed all {total} {settle_s * 1000:.0f} ms after the last press "
        f"({settled_at - t1:.1f}s after the first window opened) in {tracking_edits} edits; "
        f"stored: {acked} received, {total - (acked or 0)} lost")
    for sock in [*people.values(), sender]:
        with contextlib.suppress(Exception):
            await sock.conn.close()
    return {
        "people": total, "units": len(setup["units"]), "web_processes": len(ports),
        "post_notices_ms": round(post_s * 1000, 1),
        "card_arrival": summary([a for a, _ in arrivals.values()]),
        "all_cards_delivered_ms": round(delivered_s * 1000, 1),
        "acks": {"spread_s": spread, **summary(acks)},
        "settled_after_last_press_ms": round(settle_s * 1000, 1),
        "settled_after_first_window_s": round(settled_at - t1, 2),
        "sender_card_edits": tracking_edits,
        "stored_acked": acked, "lost": total - (acked or 0),
    }


def run(target: str, units: int, people: int, spread: float, keep: bool, web: int
        ) -> dict[str, Any]:
    log(f"== {target}: {people} people in {units} units")
    var_dir = Path(tempfile.mkdtemp(prefix="noticebench-"))
    env = server_env(target, var_dir)
    if target == "redis":
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{BENCH_DB}"
        recreate_database()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--password", "bench-pass")
        setup = json.loads(manage(env, "notice_bench_setup", "--units", str(units), "--people",
                                  str(people)).strip().splitlines()[-1])
        log(f"  set up in {time.perf_counter() - started:.1f}s")
        ports = [free_port() for _ in range(web)]
        server_log = var_dir / "serve.log"
        with open(server_log, "wb") as out:
            # N Daphne processes (one per core, as deployed) and the worker.
            procs = [subprocess.Popen([PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(p),  # noqa: S603
                                       "hub.asgi:application"], cwd=ROOT, env=env, stdout=out,
                                      stderr=subprocess.STDOUT) for p in ports]
            procs.append(subprocess.Popen([PY, "manage.py", "run_worker"], cwd=ROOT, env=env,  # noqa: S603
                                          stdout=out, stderr=subprocess.STDOUT))
        deadline = time.time() + 30
        for p in ports:
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", p), 0.5):
                    break
                if any(x.poll() is not None for x in procs) or time.time() > deadline:
                    raise BenchError("the server did not start:\n" + server_log.read_text()[-2000:])
                time.sleep(0.2)
        result = asyncio.run(measure(ports, setup, spread))
        return {"target": target, **result}
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if target == "redis" and not keep:
            with contextlib.suppress(Exception):
                recreate_database(create=False)
        if not keep:
            import shutil

            shutil.rmtree(var_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["redis", "embedded", "both"], default="redis")
    parser.add_argument("--units", type=int, default=95)
    parser.add_argument("--people", type=int, default=900)
    parser.add_argument("--spread", type=float, default=10.0,
                        help="seconds within which everyone presses 收到")
    parser.add_argument("--web", type=int, default=2, help="Daphne processes (one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the database and var dir")
    args = parser.parse_args()
    targets = ["redis", "embedded"] if args.target == "both" else [args.target]
    results = [run(t, args.units, args.people, args.spread, args.keep, args.web) for t in targets]
    log("\n" + json.dumps(results, ensure_ascii=False, indent=2))
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"notice-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    log(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"benchmark failed: {error}")
