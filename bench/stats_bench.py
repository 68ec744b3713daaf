"""Statistics benchmark: a year of the seed's volume (about 3,000 document copies a day) and
what GET /stats/documents costs over it.

Against a scratch PostgreSQL database (`huitong_statsbench`, dropped and created again): the
demo organisation plus `--units` units, and `--days` days of documents, each day
`--per-day` copies spread over the units (every document goes to every unit), signed after
0 to 10 hours (one in ten never), half handled, a third with a deadline. Then it times:

- the full rebuild of the daily rollups (`manage.py stats_rollup --all`), and an idle
  worker turn;
- GET /api/v1/stats/documents over the whole year for the district office (every unit),
  over one month, and for one unit; and the CSV; best of five, through Django's test client
  (authentication, JSON and all).

Figures only: nothing passes or fails.

    make bench-stats
    .venv/bin/python bench/stats_bench.py --days 365 --per-day 3000 --units 95
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = os.environ.get("BENCH_STATS_DB", "huitong_statsbench")


def best(fn: Any, times: int = 5) -> tuple[float, Any]:
    out, result = [], None
    for _ in range(times):
        started = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - started)
    return min(out), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=95)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=3000)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database of the last run (its data) and measure again")
    args = parser.parse_args()
    import psycopg

    if not args.reuse:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{PG_URL}/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ["HUITONG_VAR_DIR"] = str(Path("/tmp") / "statsbench-var")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from bots.documents.models import Delivery, Document
    from hub.org.models import Unit, User

    today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    if args.reuse:
        measure(args, today)
        return
    call_command("seed_demo", password="bench-pass", verbosity=0)
    rng = random.Random(13)
    district = Unit.objects.get(code="district")
    units = list(Unit.objects.bulk_create([
        Unit(code=f"s{u:03d}", name=f"压测单位{u:03d}", kind="township", parent=district,
             sort_order=100 + u) for u in range(args.units)]))
    zfb = Unit.objects.get(code="zfb")
    clerk = User.objects.get(username="clerk")
    docs_per_day = max(1, args.per_day // len(units))
    started = time.perf_counter()
    copies = 0
    for d in range(args.days):
        day = today - timedelta(days=args.days - d)
        documents = Document.objects.bulk_create([Document(
            unit=zfb, sender=clerk, doc_type="通知", title=f"压测公文{d}-{i}",
            issued_on=day.date(), sign_within_minutes=240,
            sent_at=day + timedelta(minutes=7 * i),
            deadline=day + timedelta(days=5) if i % 3 == 0 else None)
            for i in range(docs_per_day)])
        rows = []
        for document in documents:
            assert document.sent_at is not None
            for unit in units:
                signed = None if rng.random() < 0.1 else document.sent_at + timedelta(
                    minutes=rng.randint(0, 600))
                handled = signed is not None and rng.random() < 0.5
                rows.append(Delivery(
                    document=document, unit=unit, delivered_at=document.sent_at,
                    signed_at=signed,
                    state="handled" if handled else "signed" if signed else "delivered",
                    handled_at=signed + timedelta(days=rng.randint(0, 8)) if handled and signed
                    else None))
        Delivery.objects.bulk_create(rows, batch_size=5000)
        copies += len(rows)
    print(f"set up {len(units)} units, {args.days} days, {copies} copies in "
          f"{time.perf_counter() - started:.0f}s")
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does after a bulk load
        cursor.execute("ANALYZE")

    measure(args, today)


def measure(args: Any, today: Any) -> None:
    from django.test import Client

    from bots.stats import rollup
    from bots.stats.models import DocumentDay
    from hub.org.models import User

    clerk = User.objects.get(username="clerk")
    started = time.perf_counter()
    rollup.rebuild_all()

    print(f"rollup rebuilt in {time.perf_counter() - started:.1f}s "
          f"({DocumentDay.objects.count()} rows)")
    seconds, _ = best(rollup.turn)
    print(f"idle worker turn: {seconds * 1000:.1f} ms")
    seconds, _ = best(lambda: rollup.recompute([(today - timedelta(days=3)).date()]))
    print(f"one day recomputed (a turn after changes that day): {seconds * 1000:.0f} ms")

    client = Client()
    client.force_login(clerk)
    first = (today - timedelta(days=args.days)).date().isoformat()
    last = today.date().isoformat()
    month = (today - timedelta(days=30)).date().isoformat()

    def get(path: str) -> Any:
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        return response

    for label, path in (
            ("year, every unit", f"/api/v1/stats/documents?from={first}&to={last}"),
            ("one month, every unit", f"/api/v1/stats/documents?from={month}&to={last}"),
            ("year, one unit", f"/api/v1/stats/documents?from={first}&to={last}&unit=s007"),
            ("year, CSV", f"/api/v1/stats/documents.csv?from={first}&to={last}")):
        seconds, response = best(lambda p=path: get(p))
        extra = ""
        if ".csv" not in path and "unit=" not in path:
            totals = response.json()["totals"]
            extra = f" (received {totals['received']}, median {totals['median_sign_minutes']} min)"
        print(f"GET stats {label}: {seconds * 1000:.0f} ms{extra}")


if __name__ == "__main__":
    main()
