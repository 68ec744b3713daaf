"""WebSocket fan-out benchmark: Huitong (embedded, redis) beside a bare websockets ceiling.

One room, N connected members. Phase ``steady``: one sender at a fixed rate (20 msg/s);
phase ``burst``: ten senders, each sending its next message as soon as the previous one is
acknowledged. For each phase it reports the end-to-end latency from send to receipt at every
member (p50/p95/p99), deliveries and accepted messages per second, (member, message) pairs
lost, duplicated or reordered, and the CPU and RSS of the server processes, of the load
generator and of the whole machine. A separate measurement holds many idle authenticated
sockets and reports the server's RSS. Figures are printed and written to ``bench/results/``;
nothing passes or fails.

    make bench-ws BENCH_ARGS="--targets ceiling --sizes 50,500"
    .venv/bin/python bench/ws_bench.py --quick
    .venv/bin/python bench/ws_bench.py --server-url http://127.0.0.1:8000 --password PW

Targets:
  embedded  one Daphne process, SQLite, in-memory channel layer (started here)
  redis     two Daphne processes on two ports, PostgreSQL + Redis, clients and senders split
  ceiling   bench/ceiling_server.py, the same clients
  external  an already running server (--server-url; comma-separate several processes)

Receivers run in 1-2 separate processes (``multiprocessing``), parse frames with regular
expressions on the raw bytes rather than ``json.loads``, and report their own CPU: when the
client CPU nears a full core per process, the client, not the server, is the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import http.client
import ipaddress
import itertools
import json
import math
import multiprocessing
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import leanws
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.version import version as websockets_version

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CORPUS_DIR = Path(os.environ.get("HUITONG_CORPUS_DIR", "/work/shared/corpus-zh"))
CEILING_SCRIPT = BENCH_DIR / "ceiling_server.py"

HUITONG_TARGETS = ("embedded", "redis")
ALL_TARGETS = ("embedded", "redis", "external", "ceiling")
PHASES = ("steady", "burst")
IDLE_GOAL_MB = 1536
MAX_MESSAGE_INDEX = 4_000_000  # dense (sender, i) index cap per phase: bounds client memory
USERNAME_FORMAT = "bench{:04d}"

# Frames are matched on the raw bytes. The marker is the ASCII head of every bench body:
#   bench p=<phase> s=<sender> i=<n> t=<time.time() at send> <Chinese text>
# A JSON string never holds an unescaped quote, so '"seq"' and '"type"' only match keys.
TYPE_RE = re.compile(rb'"type"\s*:\s*"([a-z_]+)"')
SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d+)')
MARK_RE = re.compile(rb"bench p=(\d+) s=(\d+) i=(\d+) t=(\d+\.\d+)")
CLIENT_ID_RE = re.compile(r"^b[0-9a-f]+-(\d+)-(\d+)-(\d+)$")


class BenchError(Exception):
    """The benchmark could not run a step; the message says which and why."""


# --------------------------------------------------------------------------------------------
# Specs passed to the client processes (picklable)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSpec:
    index: int  # global member number; senders are members 0..senders-1
    url: str
    token: str


@dataclass(frozen=True)
class WorkerSpec:
    worker_id: int
    members: tuple[MemberSpec, ...]
    room: int
    run_tag: str
    snippets: tuple[str, ...]
    connect_concurrency: int
    open_timeout: float
    client: str = "lean"  # "lean" (bench/leanws.py) or "websockets"


@dataclass(frozen=True)
class PhaseSpec:
    phase_id: int
    name: str
    start_at: float  # time.time() at which senders start
    duration: float
    total_senders: int
    local_senders: tuple[tuple[int, int], ...]  # (global member index, sender number)
    rate: float | None  # messages/s per sender; None: closed loop, as fast as acks come back
    window: int  # closed loop: messages in flight per sender
    ack_timeout: float


# --------------------------------------------------------------------------------------------
# The client process
# --------------------------------------------------------------------------------------------


class Member:
    __slots__ = ("spec", "ws", "synced", "closed", "seen", "max_seq")

    def __init__(self, spec: MemberSpec) -> None:
        self.spec = spec
        self.ws: Any = None  # a websockets ClientConnection or a leanws.LeanSocket
        self.synced = asyncio.Event()
        self.closed: str | None = None
        self.seen = bytearray()  # per phase: seen[dense index] == 1 once received
        self.max_seq = 0


def _grow(buf: bytearray | array[int], index: int) -> None:
    """Extend ``buf`` with zeros so that ``buf[index]`` exists (amortised doubling)."""
    missing = max(index + 1, 2 * len(buf), 256) - len(buf)
    if isinstance(buf, bytearray):
        buf.extend(bytes(missing))
    else:
        buf.frombytes(bytes(missing * buf.itemsize))


class PhaseRecorder:
    """What one client process saw during one phase."""

    def __init__(self, spec: PhaseSpec) -> None:
        self.spec = spec
        self.latencies = array("d")  # ms, one per unique (member, message) receipt
        self.ack_latencies = array("d")
        self.counts = array("I")  # per dense index: members here that received it
        self.seqs = array("q")  # per dense index: the seq it arrived with (0: unseen)
        self.acked = bytearray()
        self.acked_count = 0
        self.unique = 0
        self.dups = self.reordered = self.gaps = self.stray = self.foreign = 0
        self.overflow = self.seq_mismatch = self.unparsed = 0
        self.sent = self.send_failed = self.ack_timeouts = self.refused = 0
        self.errors: Counter[str] = Counter()
        self.first_rx = self.last_rx = self.last_ack = 0.0
        self.cpu_start = time.process_time()
        self.wall_start = time.time()
        self.sender_tasks: list[asyncio.Task[None]] = []
        self.sending_done = not spec.local_senders

    def mark_start(self) -> None:
        """Start the CPU clock when the senders start, as the server meter does."""
        self.cpu_start = time.process_time()
        self.wall_start = time.time()

    def _note_seq(self, index: int, seq: int) -> None:
        seqs = self.seqs
        if index >= len(seqs):
            _grow(seqs, index)
        known = seqs[index]
        if known == 0:
            seqs[index] = seq
        elif known != seq:
            self.seq_mismatch += 1

    def on_message(
        self, member: Member, phase: int, sender: int, i: int, sent_at: float, seq: int, now: float
    ) -> None:
        if phase != self.spec.phase_id:
            # A straggler from an earlier phase: not counted, but later seqs follow it.
            self.stray += 1
            member.max_seq = max(member.max_seq, seq)
            return
        index = i * self.spec.total_senders + sender
        if index >= MAX_MESSAGE_INDEX:
            self.overflow += 1
            return
        seen = member.seen
        if index >= len(seen):
            _grow(seen, index)
        if seen[index]:
            self.dups += 1
            return
        seen[index] = 1
        if seq < member.max_seq:
            self.reordered += 1
        else:
            if member.max_seq and seq > member.max_seq + 1:
                self.gaps += 1
            member.max_seq = seq
        counts = self.counts
        if index >= len(counts):
            _grow(counts, index)
        counts[index] += 1
        self.unique += 1
        self._note_seq(index, seq)
        self.latencies.append((now - sent_at) * 1000.0)
        if not self.first_rx:
            self.first_rx = now
        self.last_rx = now

    def on_ack(self, phase: int, sender: int, i: int, sent_at: float, seq: int, now: float) -> int:
        """Record an ack; return its dense index, or -1 if it belongs to no current message."""
        if phase != self.spec.phase_id:
            self.stray += 1
            return -1
        index = i * self.spec.total_senders + sender
        if index >= MAX_MESSAGE_INDEX:
            self.overflow += 1
            return -1
        if index >= len(self.acked):
            _grow(self.acked, index)
        if not self.acked[index]:
            self.acked[index] = 1
            self.acked_count += 1
            self.ack_latencies.append((now - sent_at) * 1000.0)
            self.last_ack = now
        if seq:
            self._note_seq(index, seq)
        return index

    def result(self, worker_id: int, closed: int) -> dict[str, Any]:
        return {
            "worker": worker_id,
            "latencies": self.latencies.tobytes(),
            "ack_latencies": self.ack_latencies.tobytes(),
            "counts": self.counts.tobytes(),
            "seqs": self.seqs.tobytes(),
            "acked": bytes(self.acked),
            "acked_count": self.acked_count,
            "unique": self.unique,
            "dups": self.dups,
            "reordered": self.reordered,
            "gaps": self.gaps,
            "stray": self.stray,
            "foreign": self.foreign,
            "overflow": self.overflow,
            "seq_mismatch": self.seq_mismatch,
            "unparsed": self.unparsed,
            "sent": self.sent,
            "send_failed": self.send_failed,
            "ack_timeouts": self.ack_timeouts,
            "refused": self.refused,
            "errors": dict(self.errors),
            "first_rx": self.first_rx,
            "last_rx": self.last_rx,
            "last_ack": self.last_ack,
            "cpu_s": time.process_time() - self.cpu_start,
            "wall_s": time.time() - self.wall_start,
            "closed_sockets": closed,
        }


class ClientWorker:
    """Holds this process's share of the members' sockets and obeys the orchestrator."""

    def __init__(self, conn: Connection, spec: WorkerSpec) -> None:
        self.conn = conn
        self.spec = spec
        self.members = [Member(m) for m in spec.members]
        self.by_index = {m.spec.index: m for m in self.members}
        self.recorder: PhaseRecorder | None = None
        self.pending: dict[int, asyncio.Future[bool]] = {}
        self.rng = random.Random(spec.worker_id)
        self.frames = self.other = self.between = 0
        self.connect_errors: Counter[str] = Counter()
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()

    # -- plumbing -----------------------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), self._on_command_ready)
        try:
            await self.done.wait()
        finally:
            loop.remove_reader(self.conn.fileno())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Tell the orchestrator instead of leaving it waiting for a reply until its timeout.
            with contextlib.suppress(OSError):
                self._reply("error", f"client process failed: {task.exception()!r}")

    def _reply(self, kind: str, payload: Any = None) -> None:
        self.conn.send((kind, payload))

    def _on_command_ready(self) -> None:
        try:
            while self.conn.poll():
                kind, payload = self.conn.recv()
                self._dispatch(kind, payload)
        except (EOFError, OSError):  # the orchestrator is gone: stop
            self.done.set()

    def _dispatch(self, kind: str, payload: Any) -> None:
        if kind == "connect":
            self._spawn(self._connect_all())
        elif kind == "phase":
            self._start_phase(payload)
        elif kind == "progress":
            self._reply("progress", self._progress())
        elif kind == "end_phase":
            self._reply("phase_stats", self._end_phase())
        elif kind == "status":
            self._reply("status", self._status())
        elif kind == "close":
            self._spawn(self._close_all())
        else:
            self._reply("error", f"unknown command {kind!r}")

    # -- connections --------------------------------------------------------------------------
    async def _connect_all(self) -> None:
        started = time.time()
        limit = asyncio.Semaphore(self.spec.connect_concurrency)
        results = await asyncio.gather(*(self._connect_one(m, limit) for m in self.members))
        gc.collect()
        gc.freeze()  # thousands of long-lived objects: keep the cyclic GC off them
        self._reply(
            "connected",
            {
                "ok": sum(results),
                "failed": len(results) - sum(results),
                "errors": dict(self.connect_errors.most_common(5)),
                "seconds": time.time() - started,
            },
        )

    async def _open(self, member: Member, headers: dict[str, str]) -> Any:
        if self.spec.client == "lean":
            def on_close(code: int | None) -> None:
                member.closed = member.closed or f"closed {code or 'abnormally'}"
                member.synced.set()  # wake a connect waiting for synced

            return await leanws.connect(
                member.spec.url, headers=headers, open_timeout=self.spec.open_timeout,
                on_frame=functools.partial(self._on_frame, member), on_close=on_close)
        ws = await connect(
            member.spec.url,
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            open_timeout=self.spec.open_timeout,
            close_timeout=2,
            max_size=1 << 22,
            max_queue=128,
        )
        self._spawn(self._reader(member, ws))
        return ws

    async def _connect_one(self, member: Member, limit: asyncio.Semaphore) -> bool:
        headers = auth_headers(member.spec.token)
        async with limit:
            for attempt in range(3):
                member.closed = None
                member.synced.clear()
                try:
                    ws = await self._open(member, headers)
                except (OSError, WebSocketException, TimeoutError) as exc:
                    self.connect_errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                    await asyncio.sleep(0.5 * (attempt + 1))
                    continue
                member.ws = ws
                try:
                    await ws.send('{"type": "sync", "rooms": {}}')
                    await asyncio.wait_for(member.synced.wait(), self.spec.open_timeout)
                except (ConnectionClosed, leanws.ConnectionClosed, TimeoutError):
                    member.closed = member.closed or "no synced"
                if member.closed is None:
                    return True
                self.connect_errors[f"after handshake: {member.closed}"[:120]] += 1
                await ws.close()
                return False
        return False

    async def _reader(self, member: Member, ws: ClientConnection) -> None:
        on_frame = self._on_frame
        try:
            while True:
                data = await ws.recv(decode=False)
                on_frame(member, data)
        except ConnectionClosed as exc:
            member.closed = f"closed {exc.rcvd.code if exc.rcvd else 'abnormally'}"
        except Exception as exc:  # a bench bug must cost one socket, not the whole run
            member.closed = f"reader failed: {exc!r}"[:120]
            with contextlib.suppress(Exception):
                await ws.close()
        finally:
            member.synced.set()  # wake a connect waiting for synced

    async def _close_all(self) -> None:
        for member in self.members:
            if member.ws is not None:
                member.closed = "closed by bench"
        sockets = [m.ws for m in self.members if m.ws is not None]
        if sockets:
            await asyncio.wait([asyncio.ensure_future(ws.close()) for ws in sockets], timeout=15)
        self._reply("closed", None)
        self.done.set()

    # -- frames -------------------------------------------------------------------------------
    def _on_frame(self, member: Member, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        now = time.time()
        self.frames += 1
        match = TYPE_RE.search(data)
        kind = match.group(1) if match else b""
        if kind == b"message":
            recorder = self.recorder
            mark = MARK_RE.search(data)
            if recorder is None:
                self.between += 1
                return
            if mark is None:
                recorder.foreign += 1  # a message the bench did not send (e.g. a notice)
                return
            seq_match = SEQ_RE.search(data)
            seq = int(seq_match.group(1)) if seq_match else self._slow_seq(data)
            if seq is None:
                recorder.unparsed += 1
                return
            recorder.on_message(
                member,
                int(mark.group(1)),
                int(mark.group(2)),
                int(mark.group(3)),
                float(mark.group(4)),
                seq,
                now,
            )
        elif kind == b"ack":
            self._on_ack(data, now)
        elif kind == b"error":
            self._on_error(data)
        elif kind == b"synced":
            member.synced.set()
        else:
            self.other += 1

    @staticmethod
    def _slow_seq(data: bytes) -> int | None:
        try:
            seq = json.loads(data)["message"]["seq"]
        except (ValueError, KeyError, TypeError):
            return None
        return seq if isinstance(seq, int) else None

    def _on_ack(self, data: bytes, now: float) -> None:
        recorder = self.recorder
        mark = MARK_RE.search(data)
        if recorder is None or mark is None:
            self.between += 1
            return
        seq_match = SEQ_RE.search(data)
        index = recorder.on_ack(
            int(mark.group(1)),
            int(mark.group(2)),
            int(mark.group(3)),
            float(mark.group(4)),
            int(seq_match.group(1)) if seq_match else 0,
            now,
        )
        future = self.pending.pop(index, None)
        if future is not None and not future.done():
            future.set_result(True)

    def _on_error(self, data: bytes) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            frame = {}
        code = str(frame.get("code", "unparsed"))
        if self.recorder is not None:
            self.recorder.errors[code] += 1
        ref = frame.get("ref")
        match = CLIENT_ID_RE.match(ref) if isinstance(ref, str) else None
        if match and self.recorder is not None:
            phase, sender, i = (int(g) for g in match.groups())
            if phase == self.recorder.spec.phase_id:
                self.recorder.refused += 1
                index = i * self.recorder.spec.total_senders + sender
                future = self.pending.pop(index, None)
                if future is not None and not future.done():
                    future.set_result(False)

    # -- phases -------------------------------------------------------------------------------
    def _start_phase(self, spec: PhaseSpec) -> None:
        for member in self.members:
            member.seen = bytearray()
        recorder = PhaseRecorder(spec)
        self.recorder = recorder
        loop = asyncio.get_running_loop()
        loop.call_later(max(spec.start_at - time.time(), 0.0), recorder.mark_start)
        for member_index, sender in spec.local_senders:
            member = self.by_index[member_index]
            if spec.rate is None:
                coro = self._closed_loop_sender(recorder, member, sender)
            else:
                coro = self._rate_sender(recorder, member, sender)
            recorder.sender_tasks.append(loop.create_task(coro))
        if recorder.sender_tasks:
            self._spawn(self._await_senders(recorder))
        self._reply("phase_started", None)

    async def _await_senders(self, recorder: PhaseRecorder) -> None:
        await asyncio.gather(*recorder.sender_tasks, return_exceptions=True)
        recorder.sending_done = True

    async def _send(self, recorder: PhaseRecorder, member: Member, sender: int, i: int) -> bool:
        if member.ws is None or member.closed is not None:
            recorder.send_failed += 1
            return False
        snippet = self.spec.snippets[self.rng.randrange(len(self.spec.snippets))]
        phase = recorder.spec.phase_id
        body = f"bench p={phase} s={sender} i={i} t={time.time():.6f} {snippet}"
        frame = {
            "type": "send",
            "room": self.spec.room,
            "client_id": f"b{self.spec.run_tag}-{phase}-{sender}-{i}",
            "body": body,
        }
        try:
            await member.ws.send(json.dumps(frame, ensure_ascii=False))
        except (ConnectionClosed, leanws.ConnectionClosed):
            recorder.send_failed += 1
            return False
        recorder.sent += 1
        return True

    async def _rate_sender(self, recorder: PhaseRecorder, member: Member, sender: int) -> None:
        spec = recorder.spec
        assert spec.rate is not None
        interval = 1.0 / spec.rate
        for i in range(int(spec.rate * spec.duration)):
            delay = spec.start_at + i * interval - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if not await self._send(recorder, member, sender, i):
                return

    async def _closed_loop_sender(
        self, recorder: PhaseRecorder, member: Member, sender: int
    ) -> None:
        spec = recorder.spec
        deadline = spec.start_at + spec.duration
        numbers = itertools.count()
        max_i = MAX_MESSAGE_INDEX // spec.total_senders
        loop = asyncio.get_running_loop()

        async def lane() -> None:
            while time.time() < deadline:
                i = next(numbers)
                if i >= max_i:
                    return
                index = i * spec.total_senders + sender
                future: asyncio.Future[bool] = loop.create_future()
                self.pending[index] = future
                if not await self._send(recorder, member, sender, i):
                    self.pending.pop(index, None)
                    return
                try:
                    await asyncio.wait_for(future, spec.ack_timeout)
                except TimeoutError:
                    recorder.ack_timeouts += 1
                    self.pending.pop(index, None)

        delay = spec.start_at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await asyncio.gather(*(lane() for _ in range(spec.window)))

    def _progress(self) -> dict[str, Any]:
        recorder = self.recorder
        if recorder is None:
            return {"unique": 0, "acked": 0, "refused": 0, "sent": 0, "sending_done": True}
        return {
            "unique": recorder.unique,
            "acked": recorder.acked_count,
            "refused": recorder.refused,
            "sent": recorder.sent,
            "sending_done": recorder.sending_done,
        }

    def _end_phase(self) -> dict[str, Any]:
        recorder = self.recorder
        if recorder is None:
            return {}
        for task in recorder.sender_tasks:
            task.cancel()
        self.pending.clear()
        self.recorder = None
        closed = sum(1 for m in self.members if m.closed is not None)
        return recorder.result(self.spec.worker_id, closed)

    def _status(self) -> dict[str, Any]:
        return {
            "open": sum(1 for m in self.members if m.ws is not None and m.closed is None),
            "frames": self.frames,
            "other": self.other,
            "between": self.between,
            "cpu_s": time.process_time(),
            "rss": psutil.Process().memory_info().rss,
        }


def worker_main(conn: Connection, spec: WorkerSpec) -> None:
    """Entry point of a client process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the orchestrator handles ^C and closes us
    asyncio.run(ClientWorker(conn, spec).run())


class WorkerHandle:
    """The orchestrator's end of one client process."""

    def __init__(self, ctx: Any, spec: WorkerSpec) -> None:
        self.spec = spec
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=worker_main, args=(child, spec), name=f"ws-bench-client-{spec.worker_id}"
        )
        self.process.daemon = True
        self.process.start()
        child.close()

    def send(self, kind: str, payload: Any = None) -> None:
        self.conn.send((kind, payload))

    def receive(self, expected: str, timeout: float) -> Any:
        try:
            if not self.conn.poll(max(timeout, 0.0)):
                raise BenchError(
                    f"client process {self.spec.worker_id}: no {expected!r} in {timeout:.0f}s"
                )
            kind, payload = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise BenchError(f"client process {self.spec.worker_id} died: {exc!r}") from exc
        if kind != expected:
            raise BenchError(f"client process {self.spec.worker_id}: {kind} {payload!r}")
        return payload

    def request(self, kind: str, expected: str, timeout: float, payload: Any = None) -> Any:
        self.send(kind, payload)
        return self.receive(expected, timeout)

    def stop(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(BenchError, OSError, EOFError):
                self.request("close", "closed", 30)
            self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.conn.close()


def gather_replies(workers: Sequence[WorkerHandle], expected: str, deadline: float) -> list[Any]:
    return [w.receive(expected, deadline - time.time()) for w in workers]


# --------------------------------------------------------------------------------------------
# Measuring server processes
# --------------------------------------------------------------------------------------------


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


class ProcessMeter:
    """CPU and RSS summed over the server processes (and their children), sampled in a thread."""

    def __init__(self, pids: Iterable[int], service_names: Iterable[str] = ()) -> None:
        self.roots: list[psutil.Process] = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                self.roots.append(psutil.Process(pid))
        self.service_names = frozenset(service_names)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak = 0
        self._cpu0: dict[int, float] = {}
        self._services0: dict[int, float] = {}
        self._machine0: Any = None
        self._t0 = 0.0

    @property
    def measurable(self) -> bool:
        return bool(self.roots)

    def processes(self) -> list[psutil.Process]:
        procs: list[psutil.Process] = []
        for root in self.roots:
            with contextlib.suppress(psutil.Error):
                if root.is_running():
                    procs.append(root)
                    procs.extend(root.children(recursive=True))
        return procs

    def rss_bytes(self) -> int:
        total = 0
        for proc in self.processes():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def _cpu_map(self, procs: Iterable[psutil.Process]) -> dict[int, float]:
        result: dict[int, float] = {}
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                result[proc.pid] = _cpu_seconds(proc)
        return result

    def _services(self) -> list[psutil.Process]:
        if not self.service_names:
            return []
        found = []
        for proc in psutil.process_iter(["name"]):
            if proc.info.get("name") in self.service_names:
                found.append(proc)
        return found

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self._peak = max(self._peak, self.rss_bytes())

    def begin(self) -> None:
        self._t0 = time.time()
        self._cpu0 = self._cpu_map(self.processes())
        self._services0 = self._cpu_map(self._services())
        self._machine0 = psutil.cpu_times()
        self._peak = self.rss_bytes()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def end(self) -> dict[str, float | None]:
        wall = max(time.time() - self._t0, 1e-6)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        rss = self.rss_bytes()
        cpu1 = self._cpu_map(self.processes())
        server_cpu = sum(v - self._cpu0.get(pid, 0.0) for pid, v in cpu1.items())
        services1 = self._cpu_map(self._services())
        services_cpu = sum(
            v - self._services0[pid] for pid, v in services1.items() if pid in self._services0
        )
        machine1 = psutil.cpu_times()
        total = sum(machine1) - sum(self._machine0)
        idle = (machine1.idle + getattr(machine1, "iowait", 0.0)) - (
            self._machine0.idle + getattr(self._machine0, "iowait", 0.0)
        )
        machine_pct = 100.0 * (psutil.cpu_count() or 1) * (total - idle) / total if total else 0.0
        return {
            "server_cpu_pct": 100.0 * server_cpu / wall if self.measurable else None,
            "server_rss_peak_mb": max(self._peak, rss) / 2**20 if self.measurable else None,
            "server_rss_end_mb": rss / 2**20 if self.measurable else None,
            "services_cpu_pct": 100.0 * services_cpu / wall if self.service_names else None,
            "machine_cpu_pct": machine_pct,
            "wall_s": wall,
        }


# --------------------------------------------------------------------------------------------
# Targets: start (or find) a server, give back URLs, room, credentials and pids
# --------------------------------------------------------------------------------------------


@dataclass
class Credential:
    username: str
    token: str


@dataclass
class Deployment:
    ws_urls: list[str]
    room: int
    credentials: list[Credential]
    server_pids: list[int]
    service_names: tuple[str, ...] = ()
    setup_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class SetupInfo:
    room: int
    usernames: list[str]
    tokens: dict[str, str]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server on port {port} exited ({proc.returncode}):\n{tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise BenchError(f"server on port {port} not listening after {timeout:.0f}s:\n{tail(log)}")


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def check_loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise BenchError(f"{url}: the benchmark only talks to loopback addresses")
    default = 443 if parts.scheme in {"https", "wss"} else 80
    return host, parts.port or default


def ws_url_for(base: str) -> str:
    host, port = check_loopback(base)
    return f"ws://{host}:{port}/ws/v1/"


def http_json(
    base: str, method: str, path: str, *, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    host, port = check_loopback(base)
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw[:300].decode(errors="replace")


def login_all(
    bases: Sequence[str], usernames: Sequence[str], password: str, concurrency: int
) -> list[str]:
    """POST /api/v1/auth/token for every user, spread over the server processes."""

    def login(number: int) -> str:
        status, data = http_json(
            bases[number % len(bases)],
            "POST",
            "/api/v1/auth/token",
            body={"username": usernames[number], "password": password},
        )
        if status != 200 or not isinstance(data, dict) or "token" not in data:
            raise BenchError(f"login {usernames[number]}: HTTP {status} {str(data)[:200]}")
        return str(data["token"])

    started = time.time()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        tokens = list(pool.map(login, range(len(usernames))))
    log(f"  logged in {len(tokens)} users over HTTP in {time.time() - started:.1f}s")
    return tokens


def find_room(base: str, token: str, name: str) -> int:
    status, data = http_json(base, "GET", "/api/v1/rooms", token=token)
    if status != 200:
        raise BenchError(f"GET /api/v1/rooms: HTTP {status} {str(data)[:200]}")
    rooms = data.get("rooms", data.get("results", [])) if isinstance(data, dict) else data
    for room in rooms or []:
        if isinstance(room, dict) and room.get("name") == name:
            return int(room["id"])
    raise BenchError(f"no room named {name!r} among the rooms of the first bench user")


def parse_setup_output(stdout: str) -> SetupInfo:
    """Read ``bench_setup``'s JSON line: {"room": id, "users": [...], "tokens"?: ...}.

    Accepted shapes: ``room`` an id or a Room object; ``users`` usernames or objects with
    ``username`` (and maybe ``token``); ``tokens`` a {username: token} map or a list parallel
    to ``users``.
    """
    candidates = [line.strip() for line in reversed(stdout.splitlines())]
    candidates.append(stdout[stdout.find("{") :] if "{" in stdout else "")
    data: Any = None
    for text in candidates:
        if not text.startswith("{"):
            continue
        try:
            parsed = json.loads(text)
        except ValueError:
            continue
        if isinstance(parsed, dict) and "room" in parsed:
            data = parsed
            break
    if data is None:
        raise BenchError(f"bench_setup printed no JSON object with a room:\n{stdout[-500:]}")
    room = data["room"]
    room_id = int(room["id"] if isinstance(room, dict) else room)
    usernames: list[str] = []
    tokens: dict[str, str] = {}
    for user in data.get("users", []):
        if isinstance(user, str):
            usernames.append(user)
        elif isinstance(user, dict) and "username" in user:
            usernames.append(str(user["username"]))
            if user.get("token"):
                tokens[str(user["username"])] = str(user["token"])
    raw_tokens = data.get("tokens")
    if isinstance(raw_tokens, dict):
        tokens.update({str(k): str(v) for k, v in raw_tokens.items()})
    elif isinstance(raw_tokens, list):
        tokens.update({name: str(tok) for name, tok in zip(usernames, raw_tokens, strict=False)})
    # Browser sessions (bench_setup --sessions) travel as tokens marked with the cookie's name.
    cookie = str(data.get("session_cookie") or "sessionid")
    for name, key in (data.get("sessions") or {}).items():
        tokens[str(name)] = f"{SESSION_MARK}{cookie}={key}"
    if not usernames:
        usernames = list(tokens)
    return SetupInfo(room=room_id, usernames=usernames, tokens=tokens)


SESSION_MARK = "cookie:"


def auth_headers(credential: str) -> dict[str, str]:
    """A socket's credential as a browser (session cookie) or a bot (bearer token) sends it."""
    if credential.startswith(SESSION_MARK):
        return {"Cookie": credential[len(SESSION_MARK):]}
    return {"Authorization": f"Bearer {credential}"}


class CeilingTarget:
    name = "ceiling"

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workdir: Path | None = None

    def deploy(self, n_users: int) -> Deployment:
        started = time.time()
        self.workdir = Path(tempfile.mkdtemp(prefix="huitong-bench-ceiling-"))
        port = free_port()
        log_path = self.workdir / "ceiling.log"
        with log_path.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
                [sys.executable, str(CEILING_SCRIPT), "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_DIR,
            )
        self.procs.append(proc)
        wait_port(port, proc, 30, log_path)
        credentials = [Credential(USERNAME_FORMAT.format(i + 1), "ceiling") for i in range(n_users)]
        return Deployment(
            ws_urls=[f"ws://127.0.0.1:{port}/ws/v1/"],
            room=1,
            credentials=credentials,
            server_pids=[proc.pid],
            setup_seconds=time.time() - started,
        )

    def teardown(self) -> None:
        for proc in self.procs:
            stop_process(proc)
        self.procs.clear()
        if self.workdir is not None and not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


class HuitongTarget:
    """Starts Huitong from a clean database: ``embedded`` (1 process) or ``redis`` (2)."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        self.name = name
        self.args = args
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workdir: Path | None = None
        self.redis_prefix = ""
        self.python = args.server_python
        self.project = Path(args.project_dir)

    def _env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "HUITONG_REDIS_PREFIX", "HUITONG_VAR_DIR"}
        }
        assert self.workdir is not None
        env.update(
            HUITONG_VAR_DIR=str(self.workdir / "var"),
            HUITONG_SEND_RATE_PER_MINUTE="1000000",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL=env.get("LOG_LEVEL", "WARNING"),
            HUITONG_LOG_LEVEL=env.get("HUITONG_LOG_LEVEL", "WARNING"),
        )
        if self.name == "redis":
            env.update(
                DATABASE_URL=self.args.database_url,
                REDIS_URL=self.args.redis_url,
                HUITONG_REDIS_PREFIX=self.redis_prefix,
            )
        return env

    def _manage(self, env: dict[str, str], *argv: str, timeout: float = 900) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - the project's manage.py, fixed arguments
                [self.python, "manage.py", *argv],
                cwd=self.project,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"manage.py {argv[0]} took more than {timeout:.0f}s") from exc
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip()
            last = output.splitlines()[-1] if output else "no output"
            raise BenchError(
                f"manage.py {argv[0]} failed ({done.returncode}): {last}\n{output[-1500:]}"
            )
        return done.stdout

    def _pg_tool(self, tool: str, *extra: str) -> None:
        """Run dropdb/createdb on the bench database (whose name must contain 'bench')."""
        parts = urlsplit(self.args.database_url)
        dbname = parts.path.lstrip("/")
        if "bench" not in dbname:
            raise BenchError(f"refusing to touch database {dbname!r}: its name lacks 'bench'")
        path = shutil.which(tool)
        if path is None:
            raise BenchError(f"{tool} not found: the redis target needs PostgreSQL client tools")
        env = dict(os.environ)
        if parts.password:
            env["PGPASSWORD"] = parts.password
        done = subprocess.run(  # noqa: S603 - fixed tool, our own bench database
            [
                path,
                f"--host={parts.hostname or '127.0.0.1'}",
                f"--port={parts.port or 5432}",
                f"--username={parts.username or 'postgres'}",
                *extra,
                dbname,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"{tool} {dbname}: {done.stderr.strip()[-500:]}")

    def _bench_setup(self, env: dict[str, str], n_users: int) -> SetupInfo:
        argv = ["bench_setup", "--users", str(n_users), "--room", "bench"]
        argv += ["--password", self.args.password]
        if getattr(self.args, "auth", "token") == "session":
            return parse_setup_output(self._manage(env, *argv, "--sessions"))
        if self.args.login != "http":
            try:
                info = parse_setup_output(self._manage(env, *argv, "--tokens"))
            except BenchError as exc:
                if "--tokens" not in str(exc):
                    raise
                log("  bench_setup does not take --tokens: logging in over HTTP")
            else:
                return info
        return parse_setup_output(self._manage(env, *argv))

    def deploy(self, n_users: int) -> Deployment:
        if not (self.project / "manage.py").exists():
            raise BenchError(f"{self.project / 'manage.py'} does not exist yet")
        started = time.time()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"huitong-bench-{self.name}-"))
        self.redis_prefix = f"bench{secrets.token_hex(4)}"
        if self.name == "redis":
            self._pg_tool("dropdb", "--if-exists", "--force")
            self._pg_tool("createdb")
        env = self._env()
        self._manage(env, "migrate", "--noinput")
        info = self._bench_setup(env, n_users)
        if len(info.usernames) < n_users:
            raise BenchError(f"bench_setup returned {len(info.usernames)} users, not {n_users}")
        usernames = info.usernames[:n_users]
        n_procs = 2 if self.name == "redis" else 1
        ports = [free_port() for _ in range(n_procs)]
        for number, port in enumerate(ports):
            log_path = self.workdir / f"daphne-{number}.log"
            with log_path.open("wb") as out:
                proc = subprocess.Popen(  # noqa: S603 - the project's ASGI app, fixed arguments
                    [
                        self.python,
                        "-m",
                        "daphne",
                        "-v",
                        "0",
                        # -e rather than -b/-p: the same listener with a deeper accept backlog
                        "-e",
                        f"tcp:port={port}:interface=127.0.0.1:backlog=4096",
                        "hub.asgi:application",
                    ],
                    cwd=self.project,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            self.procs.append(proc)
        for number, (port, proc) in enumerate(zip(ports, self.procs, strict=True)):
            wait_port(port, proc, 90, self.workdir / f"daphne-{number}.log")
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        missing = [name for name in usernames if name not in info.tokens]
        if missing:
            fresh = login_all(bases, missing, self.args.password, self.args.login_concurrency)
            info.tokens.update(zip(missing, fresh, strict=True))
        return Deployment(
            ws_urls=[ws_url_for(base) for base in bases],
            room=info.room,
            credentials=[Credential(name, info.tokens[name]) for name in usernames],
            server_pids=[proc.pid for proc in self.procs],
            service_names=("redis-server", "postgres") if self.name == "redis" else (),
            setup_seconds=time.time() - started,
        )

    def _clean_redis(self) -> None:
        try:
            import redis  # only the redis target needs it
        except ImportError:
            return
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(self.args.redis_url, socket_timeout=5)
            keys = list(itertools.islice(client.scan_iter(f"{self.redis_prefix}*", 1000), 100_000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])

    def teardown(self) -> None:
        for proc in self.procs:
            stop_process(proc)
        self.procs.clear()
        if self.name == "redis" and self.redis_prefix:
            self._clean_redis()
            if not self.args.keep:
                with contextlib.suppress(BenchError, OSError, subprocess.SubprocessError):
                    self._pg_tool("dropdb", "--if-exists", "--force")
        if self.workdir is not None and not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


class ExternalTarget:
    """A server someone else started: --server-url (several processes: comma-separated)."""

    name = "external"

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.bases = [u.strip().rstrip("/") for u in args.server_url.split(",") if u.strip()]
        for base in self.bases:
            check_loopback(base)

    def _pids(self) -> list[int]:
        if self.args.server_pid:
            return [int(p) for p in self.args.server_pid.split(",")]
        ports = {check_loopback(base)[1] for base in self.bases}
        pids: set[int] = set()
        with contextlib.suppress(psutil.Error):
            for conn in psutil.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port in ports:
                    if conn.pid:
                        pids.add(conn.pid)
        return sorted(pids)

    def deploy(self, n_users: int) -> Deployment:
        started = time.time()
        if self.args.setup_json:
            info = parse_setup_output(Path(self.args.setup_json).read_text())
        else:
            names = [USERNAME_FORMAT.format(i + 1) for i in range(n_users)]
            info = SetupInfo(room=0, usernames=names, tokens={})
        usernames = info.usernames[:n_users]
        if len(usernames) < n_users:
            raise BenchError(f"only {len(usernames)} bench users known, {n_users} needed")
        missing = [name for name in usernames if name not in info.tokens]
        if missing:
            fresh = login_all(self.bases, missing, self.args.password, self.args.login_concurrency)
            info.tokens.update(zip(missing, fresh, strict=True))
        room = self.args.room_id or info.room
        if not room:
            room = find_room(self.bases[0], info.tokens[usernames[0]], self.args.room_name)
        pids = self._pids()
        notes = [] if pids else ["server pids unknown: pass --server-pid for CPU and RSS"]
        return Deployment(
            ws_urls=[ws_url_for(base) for base in self.bases],
            room=room,
            credentials=[Credential(name, info.tokens[name]) for name in usernames],
            server_pids=pids,
            setup_seconds=time.time() - started,
            notes=notes,
        )

    def teardown(self) -> None:
        return None


Target = CeilingTarget | HuitongTarget | ExternalTarget


def make_target(name: str, args: argparse.Namespace) -> Target:
    if name == "ceiling":
        return CeilingTarget(args)
    if name == "external":
        return ExternalTarget(args)
    return HuitongTarget(name, args)


# --------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_snippets(count: int = 400, seed: int = 7) -> tuple[str, ...]:
    """Realistic Chinese message text: pieces of the regulations in the shared corpus."""
    lines: list[str] = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        for line in path.read_text(errors="replace").splitlines():
            line = line.strip()
            if len(line) >= 10 and not line.startswith(("Source:", "Title:", "File:")):
                lines.append(line)
    if not lines:
        return ("请各单位于本周五前报送年度工作总结，并抄送区委办公室。",)
    rng = random.Random(seed)
    snippets = []
    for _ in range(count):
        line = rng.choice(lines)
        length = rng.randint(12, 160)
        start = rng.randint(0, max(len(line) - length, 0))
        snippets.append(line[start : start + length])
    return tuple(snippets)


def client_process_count(args: argparse.Namespace, members: int) -> int:
    if args.client_procs:
        return int(args.client_procs)
    return 1 if members <= 100 else 2


def start_clients(
    dep: Deployment, members: int, args: argparse.Namespace, snippets: tuple[str, ...]
) -> tuple[list[WorkerHandle], dict[int, int]]:
    """Spread members over client processes; member i uses server process i % S.

    Consecutive members alternate between server processes first, then client processes, so
    each client process holds sockets to every server process.
    """
    n_servers = len(dep.ws_urls)
    n_workers = client_process_count(args, members)
    shares: list[list[MemberSpec]] = [[] for _ in range(n_workers)]
    owner: dict[int, int] = {}
    for index in range(members):
        worker = (index // n_servers) % n_workers
        cred = dep.credentials[index]
        shares[worker].append(MemberSpec(index, dep.ws_urls[index % n_servers], cred.token))
        owner[index] = worker
    ctx = multiprocessing.get_context("spawn")
    run_tag = secrets.token_hex(4)
    workers = [
        WorkerHandle(
            ctx,
            WorkerSpec(
                worker_id=number,
                members=tuple(share),
                room=dep.room,
                run_tag=run_tag,
                snippets=snippets,
                connect_concurrency=args.connect_concurrency,
                open_timeout=args.open_timeout,
                client=args.client,
            ),
        )
        for number, share in enumerate(shares)
        if share
    ]
    return workers, owner


def connect_clients(workers: Sequence[WorkerHandle], members: int) -> dict[str, Any]:
    started = time.time()
    for worker in workers:
        worker.send("connect")
    replies = gather_replies(workers, "connected", started + 120 + 0.1 * members)
    errors: Counter[str] = Counter()
    for reply in replies:
        errors.update(reply["errors"])
    result = {
        "requested": members,
        "connected": sum(r["ok"] for r in replies),
        "failed": sum(r["failed"] for r in replies),
        "errors": dict(errors.most_common(5)),
        "seconds": time.time() - started,
    }
    synced_at = sorted(t for r in replies for t in r.get("synced_at", ()))
    if synced_at:  # when each socket was synced, seconds after the start (the reconnect storm)
        result["synced_p50_s"] = percentile(synced_at, 50)
        result["synced_p90_s"] = percentile(synced_at, 90)
    log(
        f"  connected {result['connected']}/{members} sockets in {result['seconds']:.1f}s"
        + (f"; errors: {result['errors']}" if result["failed"] else "")
    )
    return result


def start_results(config: dict[str, Any], **parts: Any) -> dict[str, Any]:
    """A run's results as the storm and upload benchmarks keep them: when, how, the load
    average, and the lists the run fills in (`parts`)."""
    return {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "config": config,
            "loadavg_start": os.getloadavg(),
            "machine": {"cpus": psutil.cpu_count(),
                        "memory_mb": psutil.virtual_memory().total // 2**20},
            **parts}


def finish_results(results: dict[str, Any], kind: str, output: str | None,
                   report: Callable[[dict[str, Any]], str]) -> int:
    """Note the load average at the end, write the results, print the report, the load
    average and where the results went."""
    results["loadavg_end"] = os.getloadavg()
    out = save_results(results, kind, output)
    print(report(results))
    print(f"\nload average at the start: {results['loadavg_start']}, "
          f"at the end: {results['loadavg_end']}")
    print(f"\nresults: {out}")
    return 0


def save_results(results: dict[str, Any], kind: str, output: str | None) -> Path:
    """Write a run's results as JSON: to `output`, or bench/results/<kind>-<time>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = Path(output) if output else RESULTS_DIR / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    return out


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(math.ceil(q / 100.0 * len(sorted_values)) - 1, 0)
    return sorted_values[min(rank, len(sorted_values) - 1)]


def merge_phase(
    stats: list[dict[str, Any]], connected: int, spec: PhaseSpec, meter: dict[str, Any]
) -> dict[str, Any]:
    """Combine the client processes' records of one phase into its figures."""
    latencies: array[float] = array("d")
    ack_latencies: array[float] = array("d")
    for s in stats:
        latencies.frombytes(s["latencies"])
        ack_latencies.frombytes(s["ack_latencies"])
    size = max([len(s["acked"]) for s in stats] + [len(s["counts"]) // 4 for s in stats] + [0])
    counts = [0] * size
    acked = bytearray(size)
    seqs = [0] * size
    seq_mismatch = sum(s["seq_mismatch"] for s in stats)
    for s in stats:
        part = array("I")
        part.frombytes(s["counts"])
        for index, value in enumerate(part):
            if value:
                counts[index] += value
        for index, value in enumerate(s["acked"]):
            if value:
                acked[index] = 1
        part_seqs = array("q")
        part_seqs.frombytes(s["seqs"])
        for index, value in enumerate(part_seqs):
            if value:
                if seqs[index] and seqs[index] != value:
                    seq_mismatch += 1
                seqs[index] = seqs[index] or value
    messages = sum(acked)
    delivered = sum(c for c, a in zip(counts, acked, strict=True) if a)
    delivered_unacked = sum(c for c, a in zip(counts, acked, strict=True) if not a)
    phase_seqs = [q for q, a in zip(seqs, acked, strict=True) if a and q]
    distinct = sorted(set(phase_seqs))
    seq_holes = (distinct[-1] - distinct[0] + 1 - len(distinct)) if distinct else 0
    lat_sorted = sorted(latencies)
    ack_sorted = sorted(ack_latencies)
    first_rx = min((s["first_rx"] for s in stats if s["first_rx"]), default=0.0)
    last_rx = max((s["last_rx"] for s in stats), default=0.0)
    last_ack = max((s["last_ack"] for s in stats), default=0.0)
    rx_window = last_rx - spec.start_at
    ack_window = last_ack - spec.start_at
    errors: Counter[str] = Counter()
    for s in stats:
        errors.update(s["errors"])
    client_cpu_pct = sum(100.0 * s["cpu_s"] / max(s["wall_s"], 1e-6) for s in stats)
    return {
        "senders": spec.total_senders,
        "rate_per_sender": spec.rate,
        "window": spec.window if spec.rate is None else None,
        "duration_s": spec.duration,
        "members": connected,
        "sent": sum(s["sent"] for s in stats),
        "acked": messages,
        "send_failed": sum(s["send_failed"] for s in stats),
        "refused": sum(s["refused"] for s in stats),
        "unanswered": sum(s["sent"] - s["acked_count"] - s["refused"] for s in stats),
        "ack_timeouts": sum(s["ack_timeouts"] for s in stats),
        "errors": dict(errors),
        "accepted_msgs_per_s": messages / ack_window if ack_window > 0 else None,
        "expected_deliveries": messages * connected,
        "delivered": delivered,
        "lost": messages * connected - delivered,
        "delivered_unacked": delivered_unacked,
        "duplicates": sum(s["dups"] for s in stats),
        "reordered": sum(s["reordered"] for s in stats),
        "seq_jumps": sum(s["gaps"] for s in stats),
        "seq_holes": seq_holes,
        "seq_repeats": len(phase_seqs) - len(distinct),
        "seq_mismatch": seq_mismatch,
        "stray": sum(s["stray"] for s in stats),
        "foreign": sum(s["foreign"] for s in stats),
        "unparsed": sum(s["unparsed"] for s in stats),
        "overflow": sum(s["overflow"] for s in stats),
        "closed_sockets": sum(s["closed_sockets"] for s in stats),
        "deliveries_per_s": (delivered + delivered_unacked) / rx_window if rx_window > 0 else None,
        "latency_ms": {
            "p50": percentile(lat_sorted, 50),
            "p95": percentile(lat_sorted, 95),
            "p99": percentile(lat_sorted, 99),
            "max": lat_sorted[-1] if lat_sorted else None,
        },
        "ack_latency_ms": {
            "p50": percentile(ack_sorted, 50),
            "p99": percentile(ack_sorted, 99),
        },
        "first_delivery_s": first_rx - spec.start_at if first_rx else None,
        "last_delivery_s": rx_window if last_rx else None,
        "client_cpu_pct": client_cpu_pct,
        "client_processes": len(stats),
        **meter,
    }


def phase_specs(args: argparse.Namespace, connected: int) -> list[tuple[str, int, float | None]]:
    """(name, senders, rate per sender or None for closed loop)."""
    return [
        ("steady", 1, args.rate),
        ("burst", max(1, min(args.senders, connected)), None),
    ]


def run_phase(
    workers: Sequence[WorkerHandle],
    owner: dict[int, int],
    meter: ProcessMeter,
    args: argparse.Namespace,
    *,
    phase_id: int,
    name: str,
    senders: int,
    rate: float | None,
    connected: int,
) -> dict[str, Any]:
    start_at = time.time() + 1.0
    specs = []
    for position, worker in enumerate(workers):
        local = tuple(
            (member, member) for member in range(senders) if owner[member] == worker.spec.worker_id
        )
        spec = PhaseSpec(
            phase_id=phase_id,
            name=name,
            start_at=start_at,
            duration=args.duration,
            total_senders=senders,
            local_senders=local,
            rate=rate,
            window=args.window,
            ack_timeout=args.ack_timeout,
        )
        specs.append(spec)
        workers[position].send("phase", spec)
    gather_replies(workers, "phase_started", time.time() + 30)
    time.sleep(max(start_at - time.time(), 0.0))
    meter.begin()
    time.sleep(max(start_at + args.duration - time.time(), 0.0))

    def progress() -> list[dict[str, Any]]:
        for worker in workers:
            worker.send("progress")
        return gather_replies(workers, "progress", time.time() + 30)

    # Senders stop by themselves at the deadline; closed-loop ones may wait for a last ack.
    send_deadline = time.time() + args.ack_timeout + 5
    states = progress()
    while not all(s["sending_done"] for s in states) and time.time() < send_deadline:
        time.sleep(0.1)
        states = progress()
    # Drain: wait until every send is answered (ack or error) and every acknowledged message
    # has reached every member, or until nothing moves for --drain-idle, or --drain-timeout.
    drain_started = time.time()
    last_mark, last_change = (-1, -1), drain_started
    drained = False
    while time.time() - drain_started < args.drain_timeout:
        sent, acked = sum(s["sent"] for s in states), sum(s["acked"] for s in states)
        answered = acked + sum(s["refused"] for s in states)
        unique = sum(s["unique"] for s in states)
        if answered >= sent and unique >= acked * connected:
            drained = True
            break
        if (answered, unique) != last_mark:
            last_mark, last_change = (answered, unique), time.time()
        elif time.time() - last_change > args.drain_idle:
            break
        time.sleep(0.1)
        states = progress()
    measured = meter.end()
    for worker in workers:
        worker.send("end_phase")
    stats = gather_replies(workers, "phase_stats", time.time() + 60)
    result = merge_phase(stats, connected, specs[0], measured)
    result["drained"] = drained
    result["drain_s"] = time.time() - drain_started
    return result


def bench_size(target: Target, size: int, args: argparse.Namespace) -> dict[str, Any]:
    log(f"[{target.name}] N={size}: starting")
    record: dict[str, Any] = {"target": target.name, "size": size}
    try:
        dep = target.deploy(size)
        record["setup_s"] = dep.setup_seconds
        record["notes"] = dep.notes
        log(f"  server up in {dep.setup_seconds:.1f}s (pids {dep.server_pids})")
        workers, owner = start_clients(dep, size, args, args.snippets)
        try:
            record["connect"] = connect_clients(workers, size)
            connected = record["connect"]["connected"]
            if connected == 0:
                raise BenchError("no socket connected")
            meter = ProcessMeter(dep.server_pids, dep.service_names)
            record["server_rss_connected_mb"] = (
                meter.rss_bytes() / 2**20 if meter.measurable else None
            )
            phases: dict[str, Any] = {}
            record["phases"] = phases  # what finished survives an error in a later phase
            for phase_id, (name, senders, rate) in enumerate(phase_specs(args, connected), 1):
                if name not in args.phases:
                    continue
                phases[name] = run_phase(
                    workers,
                    owner,
                    meter,
                    args,
                    phase_id=phase_id,
                    name=name,
                    senders=senders,
                    rate=rate,
                    connected=connected,
                )
                log(f"  {name}: {one_line(phases[name])}")
        finally:
            for worker in workers:
                worker.stop()
    except BenchError as exc:
        record["error"] = str(exc)
        log(f"  ERROR: {exc}")
    finally:
        target.teardown()
    return record


def bench_idle(target: Target, sockets: int, args: argparse.Namespace) -> dict[str, Any]:
    log(f"[{target.name}] idle: {sockets} authenticated sockets")
    record: dict[str, Any] = {"target": target.name, "sockets": sockets}
    try:
        dep = target.deploy(sockets)
        record["setup_s"] = dep.setup_seconds
        meter = ProcessMeter(dep.server_pids)
        time.sleep(1.0)
        before = meter.rss_bytes()
        workers, _ = start_clients(dep, sockets, args, args.snippets)
        try:
            record["connect"] = connect_clients(workers, sockets)
            connected = record["connect"]["connected"]
            meter.begin()
            time.sleep(args.idle_hold)
            measured = meter.end()
            for worker in workers:
                worker.send("status")
            statuses = gather_replies(workers, "status", time.time() + 30)
            held = sum(s["open"] for s in statuses)
            after = meter.rss_bytes()
            record.update(
                connected=connected,
                held=held,
                server_rss_before_mb=before / 2**20 if meter.measurable else None,
                server_rss_held_mb=after / 2**20 if meter.measurable else None,
                server_rss_peak_mb=measured["server_rss_peak_mb"],
                kb_per_socket=(after - before) / 1024 / held if held and meter.measurable else None,
                server_cpu_idle_pct=measured["server_cpu_pct"],
                client_rss_mb=sum(s["rss"] for s in statuses) / 2**20,
                goal_mb=IDLE_GOAL_MB,
            )
            log(
                f"  held {held} sockets: server RSS {fmt(record['server_rss_before_mb'])} -> "
                f"{fmt(record['server_rss_held_mb'])} MB (goal < {IDLE_GOAL_MB} MB)"
            )
        finally:
            for worker in workers:
                worker.stop()
    except BenchError as exc:
        record["error"] = str(exc)
        log(f"  ERROR: {exc}")
    finally:
        target.teardown()
    return record


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def one_line(p: dict[str, Any]) -> str:
    lat = p["latency_ms"]
    return (
        f"{p['acked']}/{p['sent']} msgs acked, {fmt(p['deliveries_per_s'])} deliveries/s, "
        f"p50/p95/p99 {fmt(lat['p50'])}/{fmt(lat['p95'])}/{fmt(lat['p99'])} ms, "
        f"lost {p['lost']}, dup {p['duplicates']}, reordered {p['reordered']}, "
        f"server CPU {fmt(p['server_cpu_pct'], 0)}%, client CPU {fmt(p['client_cpu_pct'], 0)}%"
    )


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


PHASE_ROWS: list[tuple[str, str | Callable[[dict[str, Any]], Any]]] = [
    ("messages sent", "sent"),
    ("messages acked", "acked"),
    ("sent, never answered", "unanswered"),
    ("accepted msg/s", "accepted_msgs_per_s"),
    ("deliveries/s", "deliveries_per_s"),
    ("latency p50 ms", "latency_ms.p50"),
    ("latency p95 ms", "latency_ms.p95"),
    ("latency p99 ms", "latency_ms.p99"),
    ("latency max ms", "latency_ms.max"),
    (
        "ack p50 / p99 ms",
        lambda p: f"{fmt(_get(p, 'ack_latency_ms.p50'))} / {fmt(_get(p, 'ack_latency_ms.p99'))}",
    ),
    ("lost (member, msg) pairs", "lost"),
    ("duplicates", "duplicates"),
    ("reordered", "reordered"),
    (
        "seq holes / repeats / mismatch",
        lambda p: f"{p['seq_holes']} / {p['seq_repeats']} / {p['seq_mismatch']}",
    ),
    ("error frames / send failures", lambda p: sum(p["errors"].values()) + p["send_failed"]),
    ("server CPU % (1 core = 100)", "server_cpu_pct"),
    ("server RSS peak MB", "server_rss_peak_mb"),
    ("redis+postgres CPU %", "services_cpu_pct"),
    ("client CPU % (all client procs)", "client_cpu_pct"),
    ("machine CPU % (of {cores}00)", "machine_cpu_pct"),
    ("drain s after senders stop", "drain_s"),
]


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    targets = results["config"]["targets"]
    cores = psutil.cpu_count() or 1
    out: list[str] = []
    runs = {(r["target"], r["size"]): r for r in results["runs"]}
    for size in results["config"]["sizes"]:
        for phase in results["config"]["phases"]:
            spec = (
                "1 sender at {rate:g} msg/s"
                if phase == "steady"
                else ("{senders} senders, closed loop (window {window})")
            )
            desc = spec.format(
                rate=results["config"]["rate"],
                senders=results["config"]["senders"],
                window=results["config"]["window"],
            )
            title = f"N={size} members · {phase}: {desc}, {results['config']['duration']:g}s"
            out.append(f"\n{title}")
            header = ["", *targets]
            rows: list[list[str]] = []
            connect_row = ["members connected"]
            for target in targets:
                run = runs.get((target, size), {})
                connect_row.append(
                    fmt(_get(run, "connect.connected"))
                    if "connect" in run
                    else ("error" if "error" in run else "-")
                )
            rows.append(connect_row)
            for label, key in PHASE_ROWS:
                row = [label.format(cores=cores)]
                for target in targets:
                    p = _get(runs.get((target, size), {}), f"phases.{phase}")
                    if not p:
                        row.append("-")
                    elif callable(key):
                        row.append(fmt(key(p)))
                    else:
                        row.append(fmt(_get(p, key)))
                rows.append(row)
            out.append(render_table(header, rows))
    errors = [r for r in results["runs"] + results["idle"] if "error" in r]
    if results["idle"]:
        out.append(f"\nIdle: authenticated sockets held (goal: server RSS < {IDLE_GOAL_MB} MB)")
        header = [
            "target",
            "sockets held",
            "RSS before MB",
            "RSS held MB",
            "KB/socket",
            "connect s",
            "server CPU % idle",
            "client RSS MB",
        ]
        rows = [
            [
                r["target"],
                fmt(r.get("held")),
                fmt(r.get("server_rss_before_mb")),
                fmt(r.get("server_rss_held_mb")),
                fmt(r.get("kb_per_socket")),
                fmt(_get(r, "connect.seconds")),
                fmt(r.get("server_cpu_idle_pct")),
                fmt(r.get("client_rss_mb")),
            ]
            for r in results["idle"]
        ]
        out.append(render_table(header, rows))
    for r in errors:
        where = f"N={r['size']}" if "size" in r else f"idle {r['sockets']}"
        out.append(f"\n{r['target']} {where}: ERROR {r['error'].splitlines()[0]}")
    out.append(
        "\nLatency: send (time.time() in the body) to receipt at each member, sender included."
        "\nClient CPU near 100% per client process means the load generator is the limit."
    )
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft != resource.RLIM_INFINITY and soft < needed:
        log(f"warning: open-file limit {soft} < {needed}; the idle run may fail to connect")
    return soft


def add_client_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--client", choices=("lean", "websockets"), default="lean",
                        help="the receivers' WebSocket client (bench/leanws.py or websockets)")


def add_server_args(parser: argparse.ArgumentParser, *, database: str, kind: str) -> None:
    """The options of a Huitong started from scratch (`HuitongTarget`) and of the results
    file, the same in every benchmark."""
    parser.add_argument(
        "--password", default=os.environ.get("HUITONG_BENCH_PASSWORD", "bench-password-2026"))
    parser.add_argument("--database-url",
                        default=f"postgres://postgres@127.0.0.1:5432/{database}")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--server-python", default=sys.executable,
                        help="python that runs manage.py and daphne (default: this one)")
    parser.add_argument("--project-dir", default=str(PROJECT_DIR),
                        help="the checkout to serve (default: this one; an older one for a "
                             "before figure)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the servers' temp dirs and the bench database")
    parser.add_argument("--output", help=f"results file (default bench/results/{kind}-<time>.json)")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Huitong WebSocket fan-out benchmark (figures, never pass/fail).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2] if __doc__ else None,
    )
    parser.add_argument("--targets", help="comma list of " + ", ".join(ALL_TARGETS))
    parser.add_argument("--sizes", help="comma list of room sizes (default 50,500,2000)")
    parser.add_argument("--duration", type=float, help="seconds per phase (default 10)")
    parser.add_argument("--idle", type=int, help="idle sockets to hold; 0 skips (default 5000)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: sizes 20,100, 3s, idle 200"
    )
    parser.add_argument("--phases", default=",".join(PHASES), help="comma list of steady, burst")
    parser.add_argument("--rate", type=float, default=20.0, help="steady phase msg/s (20)")
    parser.add_argument("--senders", type=int, default=10, help="burst phase senders (10)")
    parser.add_argument(
        "--window", type=int, default=1, help="burst: messages in flight per sender"
    )
    parser.add_argument("--ack-timeout", type=float, default=10.0)
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        help="max seconds to wait for deliveries after the senders stop",
    )
    parser.add_argument(
        "--drain-idle",
        type=float,
        default=3.0,
        help="stop draining after this long without a new delivery",
    )
    parser.add_argument("--idle-hold", type=float, default=5.0, help="seconds to hold idle sockets")
    parser.add_argument("--client-procs", type=int, help="client processes (default 1 or 2)")
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=32,
        help="handshakes in flight per client process",
    )
    parser.add_argument("--open-timeout", type=float, default=60.0)
    add_client_arg(parser)
    parser.add_argument(
        "--login",
        choices=("auto", "http"),
        default="auto",
        help="auto: tokens from bench_setup --tokens when it can; http: log in",
    )
    parser.add_argument("--login-concurrency", type=int, default=8)
    parser.add_argument("--server-url", help="bench a running server: http://127.0.0.1:PORT[,..]")
    parser.add_argument("--server-pid", help="external: comma list of server pids for CPU/RSS")
    parser.add_argument("--setup-json", help="external: a file holding bench_setup's JSON output")
    parser.add_argument("--room-id", type=int, help="external: the bench room id")
    parser.add_argument("--room-name", default="bench", help="external: room to look up by name")
    add_server_args(parser, database="huitong_bench", kind="ws")
    args = parser.parse_args(argv)

    if args.targets:
        args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    else:
        args.targets = (
            ["external", "ceiling"] if args.server_url else list(("embedded", "redis", "ceiling"))
        )
    unknown = set(args.targets) - set(ALL_TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if "external" in args.targets and not args.server_url:
        parser.error("the external target needs --server-url")
    if args.sizes:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    else:
        args.sizes = [20, 100] if args.quick else [50, 500, 2000]
    if args.duration is None:
        args.duration = 3.0 if args.quick else 10.0
    if args.idle is None:
        args.idle = 200 if args.quick else 5000
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if set(args.phases) - set(PHASES):
        parser.error(f"phases are {', '.join(PHASES)}")
    if min(args.sizes, default=1) < 1 or args.duration <= 0 or args.rate <= 0:
        parser.error("sizes, duration and rate must be positive")
    return args


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if args.server_url:
        for base in args.server_url.split(","):
            check_loopback(base.strip())
    raise_fd_limit(max(args.sizes + [args.idle]) * 2 + 1024)
    args.snippets = load_snippets()
    # Order the targets so that Huitong figures come first and the ceiling last in the table.
    args.targets = sorted(args.targets, key=ALL_TARGETS.index)
    results: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            key: getattr(args, key)
            for key in (
                "targets",
                "sizes",
                "phases",
                "duration",
                "rate",
                "senders",
                "window",
                "idle",
                "idle_hold",
                "ack_timeout",
                "drain_timeout",
                "server_url",
            )
        },
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_mb": psutil.virtual_memory().total // 2**20,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "websockets": websockets_version,
        },
        "runs": [],
        "idle": [],
    }
    interrupted = False
    try:
        for name in args.targets:
            for size in args.sizes:
                results["runs"].append(bench_size(make_target(name, args), size, args))
        if args.idle > 0:
            for name in args.targets:
                results["idle"].append(bench_idle(make_target(name, args), args.idle, args))
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: writing what was measured")
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    output = (
        Path(args.output)
        if args.output
        else (RESULTS_DIR / f"ws-{time.strftime('%Y%m%d-%H%M%S')}.json")
    )
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=_json_default))
    print(report(results))
    print(f"\nresults: {output}")
    return 130 if interrupted else 0


def _json_default(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
