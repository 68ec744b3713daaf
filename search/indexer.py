"""The single writer: drains `IndexQueue` rows into the index, rebuilds it, checks it.

Only one process writes at a time: whoosh's own lock guards the index; a worker that finds it
taken skips its turn. The queue rows say only *what* changed; the writer reads the current
state from the database, so replaying a row, or rows arriving in any order, gives the same
index. A row is removed only after the commit that applied it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from whoosh.index import LockError
from whoosh.writing import IndexWriter

from hub.core.models import IndexQueue
from search import index, registry, sources

logger = logging.getLogger("hub.search")

BATCH = 500


def _apply(writer: IndexWriter, produced: Iterable[sources.Item | tuple[str, int]], *,
           with_files: bool = True, replace: bool = True) -> int:
    count = 0
    for entry in produced:
        if isinstance(entry, tuple):
            writer.delete_by_term("key", sources.key(*entry))
            continue
        doc, failed = sources.to_index(entry, with_files=with_files)
        for problem in failed:
            logger.warning("search: %s: file not indexed by its text: %s", entry.key, problem)
        if replace:
            writer.update_document(**doc)
        else:
            writer.add_document(**doc)
        count += 1
    return count


def drain(*, limit: int = BATCH) -> int:
    """Apply up to `limit` queued changes in one commit; the number of rows applied. A missing
    or unusable index is rebuilt first (see `ensure_index`)."""
    if index.rebuilding():
        return 0  # the rebuild reads the database; what it may miss stays queued until after
    rows = list(IndexQueue.objects.order_by("id").values_list("id", "kind", "object_id")[:limit])
    if not rows:
        return 0
    ix = ensure_index()
    if ix is None:
        return 0
    try:
        writer = ix.writer(timeout=0.0)
    except LockError:
        return 0  # another writer (a rebuild) has it; the rows wait
    try:
        wanted: dict[str, set[int]] = {}
        for _, kind, object_id in rows:
            wanted.setdefault(kind, set()).add(object_id)
        for kind, ids in wanted.items():
            source = registry.source(kind)
            if source is None:
                logger.warning("search: unknown kind %r in the queue", kind)
                continue
            _apply(writer, source.build(ids))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    IndexQueue.objects.filter(id__in=[row[0] for row in rows]).delete()
    return len(rows)


def run_worker_turn() -> None:
    """The worker task: mend a missing or damaged index, then drain until the queue is empty
    or a few batches are done."""
    if not index.rebuilding() and not index.usable():
        ensure_index()
    for _ in range(20):
        if drain() < BATCH:
            return


def ensure_index() -> Any:
    """The live index, rebuilt from the database first if it is missing or unusable."""
    try:
        return index.open_index()
    except index.IndexUnavailable as why:
        if index.rebuilding():
            return None
        logger.warning("search: index unusable (%s); rebuilding from the database", why)
        rebuild()
        return index.open_index()


@dataclass
class Progress:
    kind: str = ""
    done: int = 0
    total: int = 0
    failed: list[str] = field(default_factory=list)


def counts() -> dict[str, int]:
    return {source.kind: source.count() for source in registry.sources()}


def rebuild(*, on_progress: Callable[[Progress], None] | None = None,
            with_files: bool = True, limitmb: int = 256) -> Progress:
    """Build a new index from the database beside the live one and swap it in. Changes queued
    meanwhile stay queued and are applied on top after the swap."""
    marker = index.marker_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("rebuilding")
    staging = index.staging_dir()
    progress = Progress()
    try:
        high = IndexQueue.objects.aggregate(m=Max("id"))["m"] or 0
        ix = index.create_at(staging)
        writer = ix.writer(limitmb=limitmb, procs=1)
        totals = counts()
        progress.total = sum(totals.values())
        try:
            for source in registry.sources():
                progress.kind = source.kind
                for entry in source.build(None):
                    if isinstance(entry, tuple):
                        continue
                    doc, failed = sources.to_index(entry, with_files=with_files)
                    progress.failed += [f"{entry.key} {x}" for x in failed]
                    writer.add_document(**doc)
                    progress.done += 1
                    if progress.done % 1000 == 0:
                        marker.touch()
                        if on_progress:
                            on_progress(progress)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        index.swap_in(staging)
        IndexQueue.objects.filter(id__lte=high).exclude(op=IndexQueue.Op.DELETE).delete()
        # Deletions stay queued until drained: searchers mask them until then.
        if on_progress:
            on_progress(progress)
    finally:
        marker.unlink(missing_ok=True)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return progress


@dataclass
class Report:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    queued: int = 0


def check() -> Report:
    """Compare the index with the database: items missing from it, stale in it (the database
    changed since), in it but no longer searchable, and files that could not be read."""
    ix = index.open_index()
    report = Report(queued=IndexQueue.objects.count())
    with ix.searcher() as searcher:
        stored: dict[str, tuple[str, list[str]]] = {}
        for fields in searcher.all_stored_fields():
            stored[fields["key"]] = (fields.get("stamp", ""), fields.get("failed") or [])
    wanted: set[str] = set()
    for source in registry.sources():
        for entry in source.build(None):
            if isinstance(entry, tuple):
                continue
            wanted.add(entry.key)
            have = stored.get(entry.key)
            if have is None:
                report.missing.append(entry.key)
            elif have[0] != entry.stamp():
                report.stale.append(entry.key)
    for key, (_, failed) in stored.items():
        if key not in wanted:
            report.extra.append(key)
        report.unreadable += [f"{key} {x}" for x in failed]
    return report

