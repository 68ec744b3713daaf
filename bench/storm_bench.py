"""The "收到" storm and the reconnect storm, on Huitong's two topologies.

*storm*: N listeners and K answerers in one channel room; each answerer sends one message
at a random moment within W seconds (everyone answering 收到 to a notice), so every message
reaches N + K sockets. Printed per target: ack latency (send to the sender's `ack`) and
delivery latency (send to receipt at every member, sender included), p50/p99, and the
(member, message) pairs lost, duplicated or reordered. `--reading P`: P % of the members have
the room open and send read positions as the web client does (at most once a second each),
so the server carries receipts and read counts through the storm as well.

*reconnect*: S sockets connect as the web client does after a server restart: each waits the
client's first jittered backoff (1 s × 0.6–1.0) and connects, authenticates and syncs;
a failed attempt retries. Printed: the time until all S are synced. It runs once with the
web client's credential, a browser session cookie, and once with bearer tokens
(`--reconnect-auth`).

    make bench-storm                                     # N=500 K=500 W=10, S=5000
    make bench-storm BENCH_ARGS="--targets embedded --listeners 100 --answerers 100 --reconnect 0"

Targets as in bench/ws_bench.py (whose client, server start-up and measuring this reuses):
`embedded` (one Daphne, SQLite, in-memory layer) and `redis` (two Daphne processes,
PostgreSQL and Redis). Figures only; nothing passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from typing import Any

import ws_bench
from ws_bench import BenchError, ClientWorker, ProcessMeter, fmt, log

JITTER_ENV = "HUITONG_STORM_JITTER"
READING_ENV = "HUITONG_STORM_READING"
READ_EVERY = 1.0  # the web client's coalescing of read positions (static/js/core/coalesce.js)


class StormWorker(ClientWorker):
    def _start_phase(self, spec: Any) -> None:
        super()._start_phase(spec)
        percent = int(os.environ.get(READING_ENV) or 0)
        readers = [m for m in self.members if m.spec.index % 100 < percent]
        if readers:
            self._spawn(self._read_positions(readers, spec.start_at + spec.duration + 3.0))

    async def _read_positions(self, readers: list[Any], until: float) -> None:
        """Members with the room open tell the server how far they have read, as the web
        client does: at most once a second each, the newest seq they have."""
        sent: dict[int, int] = {}
        step = READ_EVERY / 10
        batches = [readers[i::10] for i in range(10)]  # each member once a second, staggered
        while time.time() < until:
            for batch in batches:
                for member in batch:
                    if member.max_seq > sent.get(member.spec.index, 0) and member.closed is None:
                        sent[member.spec.index] = member.max_seq
                        frame = {"type": "read", "room": self.spec.room, "seq": member.max_seq}
                        try:
                            await member.ws.send(json.dumps(frame))
                        except Exception:  # noqa: S112 - a closed socket reads no more
                            continue
                await asyncio.sleep(step)

    async def _rate_sender(self, recorder: Any, member: Any, sender: int) -> None:
        """One message per answerer, at a random moment of the window."""
        spec = recorder.spec
        offset = random.Random(f"{spec.phase_id}-{sender}").uniform(0.0, spec.duration)
        delay = spec.start_at + offset - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await self._send(recorder, member, sender, 0)

    async def _connect_all(self) -> None:
        if not os.environ.get(JITTER_ENV):
            await super()._connect_all()
            return
        started = time.time()
        unbounded = asyncio.Semaphore(1_000_000)
        rng = random.Random(self.spec.worker_id)

        synced_at: list[float] = []

        async def one(member: Any) -> bool:
            for attempt in range(5):
                # The web client's backoff (static/js/socket.js): 1 s × 2^n × 0.6–1.0.
                await asyncio.sleep(min(30.0, 2.0**attempt) * (0.6 + rng.random() * 0.4))
                if await self._connect_one(member, unbounded):
                    synced_at.append(time.time() - started)
                    return True
            return False

        results = await asyncio.gather(*(one(m) for m in self.members))
        self._reply("connected", {
            "ok": sum(results), "failed": len(results) - sum(results),
            "errors": dict(self.connect_errors.most_common(5)),
            "seconds": time.time() - started, "synced_at": synced_at,
        })


def storm_worker_main(conn: Any, spec: Any) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(StormWorker(conn, spec).run())


# The orchestration of ws_bench starts client processes with this entry point instead.
ws_bench.worker_main = storm_worker_main


def storm(target: Any, args: argparse.Namespace) -> dict[str, Any]:
    members = args.listeners + args.answerers
    log(f"[{target.name}] storm: {args.answerers} answerers + {args.listeners} listeners, "
        f"W={args.duration:g}s")
    record: dict[str, Any] = {"target": target.name, "kind": "storm",
                              "listeners": args.listeners, "answerers": args.answerers,
                              "window_s": args.duration, "reading_pct": args.reading}
    os.environ[READING_ENV] = str(args.reading)
    try:
        dep = target.deploy(members)
        workers, owner = ws_bench.start_clients(dep, members, args, args.snippets)
        try:
            record["connect"] = ws_bench.connect_clients(workers, members)
            connected = record["connect"]["connected"]
            meter = ProcessMeter(dep.server_pids, dep.service_names)
            record["phase"] = ws_bench.run_phase(
                workers, owner, meter, args, phase_id=1, name="storm",
                senders=args.answerers, rate=1.0 / args.duration, connected=connected)
        finally:
            for worker in workers:
                worker.stop()
    except BenchError as exc:
        record["error"] = str(exc)
        log(f"  ERROR: {exc}")
    finally:
        target.teardown()
    return record


def reconnect(target: Any, args: argparse.Namespace) -> dict[str, Any]:
    log(f"[{target.name}] reconnect storm: {args.reconnect} sockets with jittered backoff, "
        f"{args.auth} auth")
    record: dict[str, Any] = {"target": target.name, "kind": "reconnect",
                              "sockets": args.reconnect, "auth": args.auth}
    os.environ[JITTER_ENV] = "1"
    try:
        dep = target.deploy(args.reconnect)
        workers, _ = ws_bench.start_clients(dep, args.reconnect, args, args.snippets)
        try:
            record["connect"] = ws_bench.connect_clients(workers, args.reconnect)
        finally:
            for worker in workers:
                worker.stop()
    except BenchError as exc:
        record["error"] = str(exc)
        log(f"  ERROR: {exc}")
    finally:
        os.environ.pop(JITTER_ENV, None)
        target.teardown()
    return record


def report(results: dict[str, Any]) -> str:
    lines = []
    rows = [["target", "sockets", "msgs acked", "ack p50 ms", "ack p99 ms", "delivery p50 ms",
             "delivery p99 ms", "lost", "dup", "reordered", "server CPU %", "machine CPU %"]]
    for r in results["storm"]:
        p = r.get("phase") or {}
        lat, ack = p.get("latency_ms", {}), p.get("ack_latency_ms", {})
        rows.append([r["target"], fmt(p.get("members")), fmt(p.get("acked")),
                     fmt(ack.get("p50")), fmt(ack.get("p99")), fmt(lat.get("p50")),
                     fmt(lat.get("p99")), fmt(p.get("lost")), fmt(p.get("duplicates")),
                     fmt(p.get("reordered")), fmt(p.get("server_cpu_pct"), 0),
                     fmt(p.get("machine_cpu_pct"), 0)])
    if len(rows) > 1:
        reading = results["config"].get("reading")
        lines += [f"\n收到 storm{f' ({reading} % of members reading)' if reading else ''}",
                  ws_bench.render_table(rows[0], rows[1:])]
    rows = [["target", "auth", "sockets", "connected", "failed", "half synced s",
             "90 % synced s", "all synced s"]]
    for r in results["reconnect"]:
        c = r.get("connect") or {}
        rows.append([r["target"], r.get("auth", "token"), fmt(r["sockets"]), fmt(c.get("connected")),
                     fmt(c.get("failed")), fmt(c.get("synced_p50_s")),
                     fmt(c.get("synced_p90_s")), fmt(c.get("seconds"))])
    if len(rows) > 1:
        lines += ["\nReconnect storm (the client's jittered backoff)",
                  ws_bench.render_table(rows[0], rows[1:])]
    for r in results["storm"] + results["reconnect"]:
        if "error" in r:
            lines.append(f"{r['target']} {r['kind']}: ERROR {r['error'].splitlines()[0]}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="embedded,redis")
    parser.add_argument("--listeners", type=int, default=500)
    parser.add_argument("--answerers", type=int, default=500)
    parser.add_argument("--window", dest="duration", type=float, default=10.0,
                        help="W: seconds within which every answerer sends once")
    parser.add_argument("--reconnect", type=int, default=5000, help="sockets; 0 skips")
    parser.add_argument("--reconnect-auth", default="session,token",
                        help="comma list: the reconnect storm once with browsers' session "
                             "cookies (the web client), once with bearer tokens (bots, tools)")
    parser.add_argument("--reading", type=int, default=0, metavar="PERCENT",
                        help="members with the room open, sending read positions as the web "
                             "client does (at most once a second each)")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--connect-concurrency", type=int, default=64)
    parser.add_argument("--open-timeout", type=float, default=60.0)
    ws_bench.add_client_arg(parser)
    parser.add_argument("--ack-timeout", type=float, default=30.0)
    parser.add_argument("--drain-timeout", type=float, default=30.0)
    parser.add_argument("--drain-idle", type=float, default=3.0)
    ws_bench.add_server_args(parser, database="huitong_bench_storm", kind="storm")
    args = parser.parse_args(argv)
    args.targets = [t for t in args.targets.split(",") if t]
    args.reconnect_auth = [a for a in args.reconnect_auth.split(",") if a]
    if not set(args.reconnect_auth) <= {"session", "token"}:
        parser.error("--reconnect-auth: session and/or token")
    args.login, args.login_concurrency, args.window = "auto", 8, 1
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    ws_bench.raise_fd_limit(max(args.reconnect, args.listeners + args.answerers) * 2 + 1024)
    args.snippets = ("收到",) + ws_bench.load_snippets(50)
    results = ws_bench.start_results({k: v for k, v in vars(args).items() if k != "snippets"},
                                     storm=[], reconnect=[])
    for name in args.targets if args.answerers else []:  # --answerers 0: the reconnect only
        results["storm"].append(storm(ws_bench.make_target(name, args), args))
    if args.reconnect:
        for name in args.targets:
            for auth in args.reconnect_auth:
                args.auth = auth
                results["reconnect"].append(reconnect(ws_bench.make_target(name, args), args))
            args.auth = "token"
    return ws_bench.finish_results(results, "storm", args.output, report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
