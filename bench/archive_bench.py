"""Archive benchmark: filing throughput, the cost of the worker's turns on a full archive,
and the export of a year.

In a PostgreSQL database of its own (`huitong_archivebench`, dropped and created again):
migrate, the demo organisation and `--units` township units (doc_bench_setup); then
`--documents` documents from the government office's clerk, each with a `--file-kb` KB
attachment, to every unit, sent through the documents service (sealed, cards posted). Every
copy is then marked handled in the database, and the bench times:

- filing everything (`file_pending` until nothing is left): items per second and ms per item
  (each: lock, seal check over the attachment's bytes, number, metadata, audit append);
- one idle turn of each worker task on the full archive (`file_recent`, `file_pending`);
- exporting the issuing unit's year (`write_package`): seconds, entries/s, MB/s, zip size;
  the package is validated with `bagit`.

Figures only. `.venv/bin/python bench/archive_bench.py --documents 300 --units 20`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "huitong_archivebench"


def log(text: str) -> None:
    print(text, flush=True)


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--file-kb", type=int, default=256)
    parser.add_argument("--idle-repeat", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="archivebench-"))
    fresh_database()
    os.environ.update({"DATABASE_URL": f"{PG_URL}/{BENCH_DB}", "HUITONG_VAR_DIR": str(work),
                       "MEDIA_ROOT": str(work / "media"), "DJANGO_SETTINGS_MODULE": "hub.settings",
                       "HUITONG_LOG_LEVEL": "WARNING"})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from archive import filing
    from archive.export import write_package
    from archive.models import ArchiveEntry
    from bots.documents.models import Delivery
    from bots.documents.schemas import DocumentIn
    from bots.documents.services import send_document
    from hub.chat.actions import store_attachment
    from hub.org.models import User

    devnull = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0, stdout=devnull)
    call_command("seed_demo", password="bench-pass", stdout=devnull)
    call_command("doc_bench_setup", units=args.units, stdout=devnull)
    clerk = User.objects.get(username="clerk")
    codes = [f"bu{i:03d}" for i in range(1, args.units + 1)]
    year = timezone.localtime().year
    payload = os.urandom(args.file_kb * 1024)

    log(f"sending {args.documents} documents × {args.units} units, {args.file_kb} KB each")
    started = time.perf_counter()
    for i in range(1, args.documents + 1):
        upload = store_attachment(uploader=clerk, name=f"附件{i}.pdf", chunks=[payload])
        send_document(sender=clerk, data=DocumentIn(
            doc_type="通知" if i % 3 else "决定", number=f"区府办〔{year}〕{i}号",
            title=f"关于第{i}项工作的通知", body="各乡镇：\n\n现将有关事项通知如下。" * 5,
            recipients=codes, attachments=[upload.id]))
    log(f"  sent in {time.perf_counter() - started:.1f} s")
    now = timezone.now()
    Delivery.objects.update(state=Delivery.State.HANDLED, handled_at=now, handled_by=clerk)
    expected = args.documents * (args.units + 1)

    started = time.perf_counter()
    while filing.file_pending(limit=500):
        pass
    filing_s = time.perf_counter() - started
    filed = ArchiveEntry.objects.count()
    log(f"filed {filed} of {expected} items in {filing_s:.1f} s: "
        f"{filed / filing_s:.0f} items/s, {1000 * filing_s / max(filed, 1):.1f} ms per item")

    filing.file_recent(batch=100_000)  # move the cursor past the (untracked) bulk handling
    idle: dict[str, list[float]] = {"file_recent": [], "file_pending": []}
    for _ in range(args.idle_repeat):
        for name, task in (("file_recent", filing.file_recent),
                           ("file_pending", filing.file_pending)):
            t0 = time.perf_counter()
            task()
            idle[name].append((time.perf_counter() - t0) * 1000)
    for name, values in idle.items():
        log(f"idle turn of {name} on {filed} entries: median {statistics.median(values):.1f} ms")

    out = work / "export.zip"
    started = time.perf_counter()
    with open(out, "wb") as handle:
        from hub.org.models import Unit

        count = write_package(handle, unit=Unit.objects.get(code="zfb"), year=year)
    export_s = time.perf_counter() - started
    size = out.stat().st_size
    log(f"export of zfb {year}: {count} entries, {size / 2**20:.1f} MB zip in {export_s:.2f} s "
        f"({count / export_s:.0f} entries/s, {size / 2**20 / export_s:.0f} MB/s)")
    import zipfile

    import bagit

    with zipfile.ZipFile(out) as archive:
        archive.extractall(work / "unpacked")
    [root] = list((work / "unpacked").iterdir())
    bagit.Bag(str(root)).validate()
    log("  the package validates with bagit")
    results = {"documents": args.documents, "units": args.units, "file_kb": args.file_kb,
               "filed": filed, "filing_s": filing_s, "idle_ms": idle,
               "export": {"entries": count, "seconds": export_s, "bytes": size}}
    dest = ROOT / "bench" / "results"
    dest.mkdir(exist_ok=True)
    (dest / f"archive-{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
