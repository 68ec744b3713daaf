"""Server memory while an upload is read, on Huitong's two topologies.

For each target one bench user gets a token (`bench_setup --tokens`), and one Daphne process
is watched. Before each case it answers a few `GET /api/v1/me` and its resident memory is
taken (idle); during the case a thread samples it every 20 ms until shortly after the answer.
Three requests to `POST /api/v1/attachments` (multipart, field `file`):

  within    a 40 MB file with its Content-Length, under the 50 MB upload limit
  chunked   a 300 MB file, chunked, no Content-Length; sending stops as soon as the server
            answers or closes the connection
  declared  a Content-Length of 200 MB whose bytes are never sent; the answer is awaited
            for --declared-wait seconds

Printed per target and case: idle and peak RSS, their difference, the HTTP status and the
JSON error code, the seconds until the answer and the MB sent by then. The cases run in the
order within, declared, chunked (the heaviest last). `--cap-mb` (default 1024) gives up on a
request once the process has grown that much: the bench stops sending, or stops waiting if
the body is already sent, marks the case capped and skips the target's later cases, and the
target's teardown stops the process (a server that parses the whole body in memory goes on
growing by itself; its peak is then a lower bound).

    make bench-upload
    make bench-upload BENCH_ARGS="--targets embedded --project-dir /tmp/older-checkout"

Targets as in bench/ws_bench.py (whose server start-up this reuses): `embedded` (one Daphne,
SQLite, in-memory layer) and `redis` (two Daphne processes over PostgreSQL and Redis; the
first is the one watched). Figures only; nothing passes or fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import select
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psutil
import ws_bench
from ws_bench import BenchError, fmt, log

MB = 1024 * 1024
PIECE = 256 * 1024
SAMPLE_SECONDS = 0.02
UPLOAD_PATH = "/api/v1/attachments"
BOUNDARY = "huitongbenchboundary"
FILE_NAME = "bench.bin"
CASES = ("within", "chunked", "declared")
RUN_ORDER = ("within", "declared", "chunked")
CASE_LABELS = {
    "within": "{mb} MB multipart, Content-Length",
    "chunked": "{mb} MB multipart, chunked",
    "declared": "{mb} MB declared, never sent",
}


class RssWatch:
    """Samples one process's RSS every 20 ms in a thread. `capped` is set once the process
    has grown by `cap` bytes over `idle`; `series` keeps one sample in five (100 ms)."""

    def __init__(self, pid: int, idle: int, cap: int, limit_seconds: float) -> None:
        self.proc = psutil.Process(pid)
        self.idle = idle
        self.cap = cap
        self.peak = idle
        self.peak_at = 0.0
        self.limit_seconds = limit_seconds
        self.capped = threading.Event()
        self.gone = False
        self.series: list[tuple[float, float]] = []
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        rss = int(self.proc.memory_info().rss)
        if rss > self.peak:
            self.peak, self.peak_at = rss, time.monotonic() - self.started
        if rss - self.idle > self.cap:
            self.capped.set()
        return rss

    def _run(self) -> None:
        count = 0
        deadline = self.started + self.limit_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                rss = self._sample()
            except psutil.Error:
                self.gone = True
                return
            if count % 5 == 0:
                self.series.append((round(time.monotonic() - self.started, 2),
                                    round(rss / MB, 1)))
            count += 1
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> RssWatch:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(5)
        with contextlib.suppress(psutil.Error):
            self._sample()


def warm_idle_rss(base: str, token: str, pid: int) -> int:
    """The process's RSS once it has answered a few requests (imports and caches warm):
    the lowest of five samples over half a second."""
    for _ in range(3):
        status, data = ws_bench.http_json(base, "GET", "/api/v1/me", token=token)
        if status != 200:
            raise BenchError(f"GET /api/v1/me: HTTP {status} {str(data)[:200]}")
    time.sleep(0.3)
    proc = psutil.Process(pid)
    samples = []
    for _ in range(5):
        samples.append(proc.memory_info().rss)
        time.sleep(0.1)
    return min(samples)


def file_pieces(total: int) -> Iterator[bytes]:
    """`total` bytes of one random block repeated, PIECE at a time."""
    block = os.urandom(PIECE)
    sent = 0
    while sent < total:
        piece = block[: min(PIECE, total - sent)]
        sent += len(piece)
        yield piece


def multipart_pieces(total: int, name: str) -> Iterator[bytes]:
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
           f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    yield from file_pieces(total)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def multipart_length(total: int, name: str) -> int:
    return sum(len(p) for p in multipart_pieces(0, name)) + total


def answered(conn: http.client.HTTPConnection) -> bool:
    """The server has written something (or closed): its answer is waiting."""
    sock = conn.sock
    if sock is None:
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def read_answer(conn: http.client.HTTPConnection) -> dict[str, Any]:
    try:
        response = conn.getresponse()
        raw = response.read(1024 * 1024)
    except (http.client.HTTPException, OSError) as exc:
        return {"status": None, "error": f"no answer: {exc!r}"}
    out: dict[str, Any] = {"status": response.status, "code": None}
    try:
        payload = json.loads(raw)
    except ValueError:
        out["body"] = raw[:200].decode(errors="replace")
        return out
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        out["code"] = payload["error"].get("code")
        out["detail"] = payload["error"].get("detail")
    elif isinstance(payload, dict) and "size" in payload:
        out["stored_bytes"] = payload["size"]
    return out


def run_case(case: str, base: str, token: str, pid: int, args: argparse.Namespace
             ) -> dict[str, Any]:
    """Send one request while the process's RSS is sampled; never longer than the case's
    deadline (--answer-timeout, or --declared-wait for the declared body)."""
    size = {"within": args.within_mb, "chunked": args.chunked_mb,
            "declared": args.declared_mb}[case] * MB
    record: dict[str, Any] = {"case": case, "mb": size // MB}
    idle = warm_idle_rss(base, token, pid)
    record["idle_mb"] = idle / MB
    wait = args.declared_wait if case == "declared" else args.answer_timeout
    host, port = ws_bench.check_loopback(base)
    conn = http.client.HTTPConnection(host, port, timeout=min(wait, 30.0))
    sent = 0
    stopped = ""
    answer: dict[str, Any] = {}
    answer_s: float | None = None
    sent_s: float | None = None
    with RssWatch(pid, idle, args.cap_mb * MB, wait + args.tail + 10) as watch:
        started = time.monotonic()
        deadline = started + wait
        try:
            conn.putrequest("POST", UPLOAD_PATH, skip_accept_encoding=True)
            conn.putheader("Authorization", f"Bearer {token}")
            conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
            if case == "chunked":
                conn.putheader("Transfer-Encoding", "chunked")
            else:
                declared = multipart_length(size, FILE_NAME) if case == "within" else size
                conn.putheader("Content-Length", str(declared))
            conn.endheaders()
            if case != "declared":
                chunked = case == "chunked"
                for piece in multipart_pieces(size, FILE_NAME):
                    if answered(conn):
                        stopped = "server answered"
                        break
                    if watch.capped.is_set():
                        stopped = f"capped at {args.cap_mb} MB growth"
                        break
                    if time.monotonic() > deadline:
                        stopped = f"no answer within {wait:g} s"
                        break
                    conn.send(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                    sent += len(piece)
                else:
                    if chunked:
                        conn.send(b"0\r\n\r\n")
            sent_s = time.monotonic() - started
            # Wait for the answer in short steps, giving up at the cap or the deadline.
            while not answered(conn):
                if watch.capped.is_set():
                    stopped = stopped or f"capped at {args.cap_mb} MB growth"
                    break
                if time.monotonic() > deadline:
                    stopped = stopped or f"no answer within {wait:g} s"
                    break
                time.sleep(0.01)
            else:
                answer_s = time.monotonic() - started
                answer = read_answer(conn)
        except TimeoutError:
            stopped = "the server stopped reading"
        except OSError as exc:  # reset or broken pipe: the server closed while we sent
            stopped = f"connection closed while sending: {exc.__class__.__name__}"
            if answered(conn):
                at = time.monotonic() - started
                answer = read_answer(conn)
                answer_s = at if answer.get("status") is not None else None
        finally:
            conn.close()
        # Keep sampling a little after the answer: a server may go on reading or parsing.
        tail_end = time.monotonic() + args.tail
        while time.monotonic() < tail_end and not watch.gone:
            time.sleep(0.05)
    record.update(
        peak_mb=watch.peak / MB,
        growth_mb=(watch.peak - idle) / MB,
        peak_at_s=watch.peak_at,
        status=answer.get("status"),
        code=answer.get("code"),
        answer_s=answer_s,
        sent_mb=sent / MB,
        sent_s=sent_s,
        stopped=stopped or None,
        capped=watch.capped.is_set(),
        server_gone=watch.gone,
        rss_series_mb=watch.series,
    )
    for key in ("detail", "body", "error", "stored_bytes"):
        if key in answer:
            record[key] = answer[key]
    status = "no answer" if record["status"] is None else " ".join(
        str(part) for part in (record["status"], record["code"]) if part)
    log(f"  {case}: idle {fmt(record['idle_mb'], 0)} MB, peak {fmt(record['peak_mb'], 0)} MB "
        f"(+{fmt(record['growth_mb'], 0)}), {status}, "
        f"sent {fmt(record['sent_mb'], 0)} MB{', ' + stopped if stopped else ''}")
    return record


def bench_target(name: str, args: argparse.Namespace) -> dict[str, Any]:
    log(f"[{name}] {args.project_dir}")
    record: dict[str, Any] = {"target": name, "cases": []}
    target = ws_bench.make_target(name, args)
    try:
        dep = target.deploy(1)
        token = dep.credentials[0].token
        port = urlsplit(dep.ws_urls[0]).port
        base = f"http://127.0.0.1:{port}"
        pid = dep.server_pids[0]
        record.update(server_processes=len(dep.server_pids), watched_pid=pid)
        for case in RUN_ORDER:
            if case in args.cases:
                record["cases"].append(run_case(case, base, token, pid, args))
                if not psutil.pid_exists(pid):
                    raise BenchError(f"the Daphne process {pid} exited during {case}")
                if record["cases"][-1]["capped"]:
                    log(f"  capped: the process is still busy with the body; stopping {name}")
                    break
    except BenchError as exc:
        record["error"] = str(exc)
        log(f"  ERROR: {exc}")
    finally:
        target.teardown()
    record["cases"].sort(key=lambda c: CASES.index(c["case"]))
    return record


def report(results: dict[str, Any]) -> str:
    rows = [["target", "case", "idle MB", "peak MB", "peak − idle MB", "status", "error code",
             "answer s", "sent MB", "note"]]
    for r in results["targets"]:
        for c in r["cases"]:
            rows.append([
                r["target"], CASE_LABELS[c["case"]].format(mb=c["mb"]), fmt(c["idle_mb"], 0),
                fmt(c["peak_mb"], 0),
                ("≥ " if c["capped"] else "") + fmt(c["growth_mb"], 0), fmt(c["status"]),
                fmt(c["code"]), fmt(c["answer_s"], 2), fmt(c["sent_mb"], 0),
                c["stopped"] or ""])
    lines = [f"\nUpload memory: {results['config']['label']}",
             ws_bench.render_table(rows[0], rows[1:])]
    for r in results["targets"]:
        if "error" in r:
            lines.append(f"{r['target']}: ERROR {r['error'].splitlines()[0]}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--targets", default="embedded,redis")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--within-mb", type=int, default=40)
    parser.add_argument("--chunked-mb", type=int, default=300)
    parser.add_argument("--declared-mb", type=int, default=200)
    parser.add_argument("--cap-mb", type=int, default=1024,
                        help="stop a request once the process has grown this much")
    parser.add_argument("--answer-timeout", type=float, default=180.0,
                        help="seconds from the request's start until the answer, at most")
    parser.add_argument("--declared-wait", type=float, default=10.0,
                        help="seconds to wait for the answer to the declared body")
    parser.add_argument("--tail", type=float, default=2.0,
                        help="seconds of sampling after the answer")
    parser.add_argument("--label", help="names the checkout in the table (default: its path)")
    ws_bench.add_server_args(parser, database="huitong_bench_upload", kind="upload")
    args = parser.parse_args(argv)
    args.targets = [t for t in args.targets.split(",") if t]
    if set(args.targets) - set(ws_bench.HUITONG_TARGETS):
        parser.error(f"targets are {', '.join(ws_bench.HUITONG_TARGETS)}")
    args.cases = [c for c in args.cases.split(",") if c]
    if set(args.cases) - set(CASES):
        parser.error(f"cases are {', '.join(CASES)}")
    args.label = args.label or args.project_dir
    args.login, args.login_concurrency = "auto", 1
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    results = ws_bench.start_results(vars(args), targets=[])
    for name in args.targets:
        results["targets"].append(bench_target(name, args))
    return ws_bench.finish_results(results, "upload", args.output, report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
