"""Index lag: from a message committed to the moment GET /search finds it.

Runs against a database of its own (`huitong_searchlag`, migrated and dropped again) and an
index in a temporary directory: `--base` messages are indexed first by a rebuild, then a
thread runs the worker's indexing task as the worker does (`run_worker_turn` every 0.5 s),
and the main thread sends `--probes` messages, each with a word of its own, one at a random
moment, and searches for it as its sender every 20 ms until it is found. Figures only.

    .venv/bin/python bench/search_lag.py                  # 20,000 messages, 30 probes
    .venv/bin/python bench/search_lag.py --base 100000
    .venv/bin/python bench/search_lag.py --reuse-index /tmp/search-lag-x/index   # no rebuild

`--reuse-index` starts from a copy of an index an earlier run left (its entries need not be
in the database: the probes search for words of their own), to measure the lag at a size
without building it again.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
LAG_DB = "huitong_searchlag"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--reuse-index", type=Path, default=None)
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {LAG_DB}")
        conn.execute(f"CREATE DATABASE {LAG_DB}")
    work = Path(tempfile.mkdtemp(prefix="search-lag-"))
    os.environ["DATABASE_URL"] = f"{PG_URL}/{LAG_DB}"
    os.environ.pop("REDIS_URL", None)  # the in-memory layer: nobody listens
    os.environ["HUITONG_INDEX_DIR"] = str(work / "index")
    os.environ["HUITONG_VAR_DIR"] = str(work / "var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from bench.search_bench import messages
    from hub.chat import actions
    from hub.chat.models import Message, Room
    from hub.org.models import User
    from search import indexer, query

    try:
        call_command("migrate", verbosity=0)
        user = User.objects.create_user(username="lagbench", password=None,
                                        display_name="延迟测试")
        room, _ = actions.create_room(creator=user, name="lag", kind=Room.Kind.GROUP,
                                      members=[])
        room_id = room["id"]
        if args.reuse_index:
            import shutil

            shutil.copytree(args.reuse_index, work / "index")
            with query.index.open_index().searcher() as searcher:
                print(f"base: a copy of {args.reuse_index}, {searcher.doc_count()} entries",
                      flush=True)
        else:
            now = timezone.now()
            Message.objects.bulk_create(
                [Message(room_id=room_id, seq=i, sender=user, body=body, created_at=now)
                 for i, _, _, body, _ in messages(args.base, args.seed)], batch_size=5000)
            Room.objects.filter(id=room_id).update(last_seq=args.base)
            started = time.monotonic()
            indexer.rebuild(with_files=False)
            print(f"base: {args.base} messages indexed in {time.monotonic() - started:.1f} s",
                  flush=True)

        stop = threading.Event()

        def worker() -> None:  # as hub/core/worker.py runs search.index: every 0.5 s
            while not stop.is_set():
                indexer.run_worker_turn()
                stop.wait(0.5)
            connections.close_all()

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        rng = random.Random(args.seed)
        lags: list[float] = []
        for i in range(args.probes):
            time.sleep(rng.uniform(0, 1))
            # A word no earlier run can have left in a reused index.
            word = f"lagprobe{i}x{rng.randrange(10**6)}{os.urandom(3).hex()}"
            actions.send_message(sender=user, room_id=room_id, body=f"延迟测试 {word}")
            committed = time.monotonic()
            while True:
                found = query.run(user, query.Request(q=word))
                if found["total"]:
                    lags.append((time.monotonic() - committed) * 1000)
                    break
                if time.monotonic() - committed > 30:
                    print(f"probe {i}: not found after 30 s", flush=True)
                    break
                time.sleep(0.02)
        stop.set()
        thread.join(timeout=10)
        if lags:
            ordered = sorted(lags)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(f"index lag over {len(lags)} probes: p50 {statistics.median(lags):.0f} ms, "
                  f"p95 {p95:.0f} ms, max {max(lags):.0f} ms", flush=True)
    finally:
        connections.close_all()
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {LAG_DB}")


if __name__ == "__main__":
    main()
