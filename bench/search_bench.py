"""Search benchmark: the whoosh index beside PostgreSQL with pg_trgm, on the same messages.

Generates N messages of mixed Chinese and English text (sentences of public-domain laws from
../shared/corpus-zh, or tests/search/data when that is absent, mixed with English words,
numbers and 发文字号), spread over 200 rooms and 300 senders, deterministically (`--seed`).
Then:

- whoosh: indexes them with the project's schema and Chinese analyzer (search/index.py,
  search/analysis.py) in one writer; reports the rate, the time and the size on disk;
- PostgreSQL: COPYs them into a table of its own database and builds a GIN `gin_trgm_ops`
  index on the text (what a Django project reaches for first); reports time and size;
- queries: one-word, two-word, phrase (as a user in all 200 rooms) and filtered (a user in
  10 rooms) queries, each run
  `--repeat` times on both; reports p50 and p95 latency of the whole answer the API needs
  (for whoosh, search.query.execute: the exact total, the facets and the first page of 20
  with snippets; for PostgreSQL the exact count and the first page of 20 ids), the first
  run of each query apart (cold caches), whoosh's CPU time beside its wall time (the
  machine may be shared), and compares the hits of both: totals, and how many of whoosh's
  first 20 PostgreSQL also matches.

Figures, not pass/fail; results go to bench/results/search-*.json.

    make bench-search                       # 1,000,000 messages
    .venv/bin/python bench/search_bench.py --messages 100000
    .venv/bin/python bench/search_bench.py --work /tmp/sb --keep      # keep both
    .venv/bin/python bench/search_bench.py --work /tmp/sb --queries-only  # queries again
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "huitong_searchbench"
ROOMS, SENDERS, UNITS = 200, 300, 30

ENGLISH = ("budget review meeting report project deadline draft approval office system "
           "server network upgrade security audit training schedule contract invoice "
           "policy update travel plan data backup archive email password login").split()

QUERIES = {
    "one_word": ["档案", "监督", "信息", "budget", "安全"],
    "two_words": ["档案 管理", "数据 安全", "政府 信息", "电子签名 法律", "security audit"],
    "phrase": ['"电子签名"', '"政府信息公开"', '"数据安全"', '"档案馆"', '"meeting report"'],
    "filtered": ["档案", "数据 安全", "budget", "监督", "信息"],
}


def log(text: str) -> None:
    print(text, flush=True)


def sentences() -> list[str]:
    shared = ROOT.parent / "shared" / "corpus-zh"
    texts: list[str] = []
    if shared.is_dir():
        for path in sorted(shared.glob("*.txt")):
            texts.append("\n".join(path.read_text().split("\n")[3:]))
    else:
        texts = [a["text"] for a in json.loads(
            (ROOT / "tests" / "search" / "data" / "articles.json").read_text())]
    out: list[str] = []
    for text in texts:
        out += [s.strip() for s in re.split(r"(?<=[。；！？])", " ".join(text.split()))
                if len(s.strip()) >= 6]
    return out


def messages(n: int, seed: int) -> Iterator[tuple[int, int, int, str, datetime]]:
    rng = random.Random(seed)
    pool = sentences()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        parts = [rng.choice(pool) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        if rng.random() < 0.3:
            words = rng.sample(ENGLISH, rng.randint(2, 6))
            parts.insert(rng.randint(0, len(parts)), " ".join(words))
        if rng.random() < 0.05:
            parts.append(f"详见区府办〔{rng.randint(2015, 2026)}〕{rng.randint(1, 200)}号")
        if rng.random() < 0.1:
            parts.append(f"编号 {rng.randint(1000, 99999)}")
        body = " ".join(parts)[:600]
        yield (i, rng.randrange(ROOMS) + 1, rng.randrange(SENDERS) + 1, body,
               start + timedelta(seconds=i * 30))


def unit_of(sender: int) -> str:
    """Each sender belongs to one of UNITS units (codes dw01..dw30), as in the facets."""
    return f"dw{sender % UNITS + 1:02d}"


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- whoosh ----------------------------------------------------------------------------------------
def build_whoosh(path: Path, n: int, seed: int, limitmb: int) -> dict[str, Any]:
    from whoosh import index as whoosh_index

    from search.index import INDEX_NAME, meta, schema
    from search.sources import _names

    names = [f"用户{i}" for i in range(SENDERS + 1)]
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), schema(), indexname=INDEX_NAME)
    writer = ix.writer(limitmb=limitmb, procs=1)
    started = time.monotonic()
    for i, room, sender, body, created in messages(n, seed):
        writer.add_document(
            key=f"message:{i}", type="message", oid=i, room=str(room), sender=str(sender),
            unit=unit_of(sender), year=str(created.year), doctype="", attach="",
            created=created.replace(tzinfo=None), title="", number="", body=body, files="",
            names=_names([]) or names[sender], aud=f"r{room}",
            meta=meta(aud=f"r{room}", type="message", unit=unit_of(sender),
                      year=str(created.year), doctype=""),
            stamp="", failed=[])
        if i % 50_000 == 0:
            log(f"  whoosh: {i} added ({i / (time.monotonic() - started):.0f}/s)")
    added = time.monotonic() - started
    writer.commit()
    total = time.monotonic() - started
    return {"seconds": round(total, 1), "add_seconds": round(added, 1),
            "commit_seconds": round(total - added, 1), "rate_per_s": round(n / total),
            "size_mb": round(du(path) / 1e6, 1)}


def run_whoosh(q: str, rooms: list[int] | None, searcher: Any) -> tuple[int, list[int]]:
    """As GET /search does it (search.query.execute): the caller's audience inside the
    search (everyone's rooms when unfiltered: the worst case), the exact total, the facets
    and the first page of 20 with its snippets."""
    from search.query import Caller, build, execute, parse

    who = Caller(user_id=0, room_ids=list(rooms or range(1, ROOMS + 1)), unit_ids=[])
    query, text = build(parse(q), who)
    found = execute(searcher, query, terms=[f"r{r}" for r in who.room_ids], newest=text is None,
                    offset=0, limit=20)
    return found["total"], [hit["id"] for hit in found["results"]]


# --- PostgreSQL -------------------------------------------------------------------------------------
def pg_connect(db: str) -> Any:
    import psycopg

    return psycopg.connect(f"{PG_URL}/{db}", autocommit=True)


def build_pg(n: int, seed: int) -> dict[str, Any]:
    with pg_connect("postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    with pg_connect(BENCH_DB) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute("CREATE TABLE msg (id bigint PRIMARY KEY, room int NOT NULL, "
                     "sender int NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL)")
        started = time.monotonic()
        with conn.cursor() as cur, cur.copy(
                "COPY msg (id, room, sender, body, created_at) FROM STDIN") as copy:
            for row in messages(n, seed):
                copy.write_row(row)
        loaded = time.monotonic() - started
        conn.execute("CREATE INDEX msg_room ON msg (room)")
        started = time.monotonic()
        conn.execute("CREATE INDEX msg_body_trgm ON msg USING gin (body gin_trgm_ops)")
        built = time.monotonic() - started
        conn.execute("ANALYZE msg")
        size = conn.execute("SELECT pg_relation_size('msg_body_trgm'), "
                            "pg_total_relation_size('msg')").fetchone()
    return {"copy_seconds": round(loaded, 1), "trgm_index_seconds": round(built, 1),
            "trgm_index_mb": round(size[0] / 1e6, 1), "table_total_mb": round(size[1] / 1e6, 1)}


def pg_sql(q: str, rooms: list[int] | None) -> tuple[str, list[Any]]:
    from search.query import parse

    parsed = parse(q)
    terms = [*parsed.words, *parsed.phrases]
    where = " AND ".join(["body ILIKE %s"] * len(terms))
    params: list[Any] = [f"%{t}%" for t in terms]
    if rooms:
        where += " AND room = ANY(%s)"
        params.append(rooms)
    return where, params


def run_pg(conn: Any, q: str, rooms: list[int] | None) -> tuple[int, list[int]]:
    where, params = pg_sql(q, rooms)
    total = conn.execute(f"SELECT count(*) FROM msg WHERE {where}", params).fetchone()[0]
    ids = [r[0] for r in conn.execute(
        f"SELECT id FROM msg WHERE {where} ORDER BY created_at DESC LIMIT 20", params)]
    return total, ids


def pg_ids(conn: Any, q: str, rooms: list[int] | None) -> set[int]:
    where, params = pg_sql(q, rooms)
    return {r[0] for r in conn.execute(f"SELECT id FROM msg WHERE {where}", params)}


# --- main -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--limitmb", type=int, default=512)
    parser.add_argument("--keep", action="store_true", help="keep the index and the database")
    parser.add_argument("--work", type=Path, default=None,
                        help="where the index goes (kept); default: a temporary directory")
    parser.add_argument("--queries-only", action="store_true",
                        help="query the index in --work and the database a --keep run left")
    parser.add_argument("--pg-repeat", type=int, default=None,
                        help="PostgreSQL's repeats (default --repeat; its one-word queries "
                             "take seconds each at a million)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    from whoosh import index as whoosh_index

    from search.index import INDEX_NAME

    n = args.messages
    work = args.work or Path(tempfile.mkdtemp(prefix="search-bench-"))
    keep = args.keep or args.work is not None or args.queries_only
    path = work / "index"
    report: dict[str, Any] = {"messages": n, "machine": f"{os.cpu_count()} cores",
                              "load_before": os.getloadavg(),
                              "started": datetime.now(UTC).isoformat()}
    try:
        if not args.queries_only:
            if path.exists():
                shutil.rmtree(path)
            log(f"whoosh: indexing {n} messages")
            report["whoosh_index"] = build_whoosh(path, n, args.seed, args.limitmb)
            log(f"  {report['whoosh_index']}")
            log("PostgreSQL: COPY and the pg_trgm GIN index")
            report["pg_index"] = build_pg(n, args.seed)
            log(f"  {report['pg_index']}")

        rng = random.Random(args.seed)
        rooms = sorted(rng.sample(range(1, ROOMS + 1), 10))
        ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        report["queries"] = {}
        with ix.searcher() as searcher, pg_connect(BENCH_DB) as conn:
            # The first search reads each segment's `meta` column into memory (search/collect.py).
            t = time.perf_counter()
            run_whoosh("通知", None, searcher)
            report["whoosh_first_search_ms"] = round((time.perf_counter() - t) * 1000)
            log(f"whoosh: first search {report['whoosh_first_search_ms']} ms")
            for kind, queries in QUERIES.items():
                scope = rooms if kind == "filtered" else None
                timings: dict[str, list[float]] = {"whoosh": [], "whoosh_cpu": [], "pg": []}
                cold: dict[str, list[float]] = {"whoosh": [], "pg": []}
                hits = []
                for q in queries:
                    # The first run of a query: its terms' postings not yet decoded and
                    # cached (search/collect.py), PostgreSQL's pages perhaps not in memory.
                    t = time.perf_counter()
                    run_whoosh(q, scope, searcher)
                    cold["whoosh"].append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    p_total, _ = run_pg(conn, q, scope)
                    cold["pg"].append((time.perf_counter() - t) * 1000)
                    for _ in range(args.repeat):
                        t, c = time.perf_counter(), time.process_time()
                        w_total, w_top = run_whoosh(q, scope, searcher)
                        timings["whoosh"].append((time.perf_counter() - t) * 1000)
                        timings["whoosh_cpu"].append((time.process_time() - c) * 1000)
                    for _ in range(args.repeat if args.pg_repeat is None else args.pg_repeat):
                        t = time.perf_counter()
                        p_total, _ = run_pg(conn, q, scope)
                        timings["pg"].append((time.perf_counter() - t) * 1000)
                    matched = pg_ids(conn, q, scope)
                    hits.append({"q": q, "whoosh_total": w_total, "pg_total": p_total,
                                 "whoosh_top20_in_pg": sum(1 for i in w_top if i in matched),
                                 "whoosh_top20": len(w_top)})
                report["queries"][kind] = {
                    engine: {"p50_ms": round(statistics.median(v), 1),
                             "p95_ms": round(pct(v, 0.95), 1)} if v else {}
                    for engine, v in timings.items()}
                for engine, v in cold.items():
                    report["queries"][kind][engine]["first_run_ms"] = [round(x) for x in v]
                report["queries"][kind]["hits"] = hits
                log(f"{kind}: " + json.dumps({k: v for k, v in report["queries"][kind].items()
                                              if k != "hits"}, ensure_ascii=False))
                for h in hits:
                    log(f"    {h}")
    finally:
        report["load_after"] = os.getloadavg()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
            try:
                with pg_connect("postgres") as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            except Exception as exc:  # the figures matter more than the clean-up
                log(f"could not drop {BENCH_DB}: {exc}")
    out = ROOT / "bench" / "results" / f"search-{n}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    log(f"results: {out}")


if __name__ == "__main__":
    main()
