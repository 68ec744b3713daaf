"""Scheduled jobs, run by the worker (`manage.py run_worker`).

A job is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` and run in the same transaction
that marks it done: if the worker dies mid-way, the transaction rolls back and the job is
still pending for the next worker, and since its effects (messages, audit entries, other
jobs) commit together with the mark, it never fires twice. Several workers share the
queue without waiting on each other. A handler's effects must therefore be database writes
(live events go out after commit, as everywhere).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from bots import clock
from bots.models import Job

logger = logging.getLogger("bots.jobs")

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Due:
    """What a handler is told: the job's id, payload and the time it runs at."""

    id: int
    kind: str
    payload: dict[str, Any]
    run_at: datetime
    now: datetime


JobHandler = Callable[[Due], None]
_handlers: dict[str, JobHandler] = {}


def register(kind: str, handler: JobHandler) -> None:
    """A plugin registers each kind of job it schedules, in its AppConfig.ready()."""
    _handlers[kind] = handler


def schedule(*, kind: str, run_at: datetime, payload: dict[str, Any] | None = None,
             key: str | None = None) -> Job | None:
    """Store a job to run at `run_at` (in the caller's transaction). With a `key` that is
    already scheduled, nothing new is stored and None is returned."""
    if kind not in _handlers:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    if key is not None and Job.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            return Job.objects.create(kind=kind, key=key, payload=payload or {}, run_at=run_at)
    except IntegrityError:
        if key is None:
            raise
        return None


def cancel(*, key_prefix: str) -> int:
    return Job.objects.filter(key__startswith=key_prefix, state=Job.State.PENDING).update(
        state=Job.State.CANCELLED)


def _claim(now: datetime, kinds: Sequence[str] | None) -> Job | None:
    due = Job.objects.select_for_update(skip_locked=True).filter(state=Job.State.PENDING,
                                                                  run_at__lte=now)
    if kinds is not None:
        due = due.filter(kind__in=kinds)
    return due.order_by("run_at", "id").first()


def run_one(*, now: datetime | None = None, kinds: Sequence[str] | None = None) -> bool:
    """Claim and run the next due job (of `kinds`, when given); False when none is due (or
    all are being run)."""
    now = now or clock.now()
    with transaction.atomic():
        job = _claim(now, kinds)
        if job is None:
            return False
        handler = _handlers.get(job.kind)
        job.attempts += 1
        if handler is None:
            job.state = Job.State.FAILED
            job.last_error = f"没有处理 {job.kind} 的程序"
            job.save(update_fields=["state", "attempts", "last_error"])
            return True
        due = Due(id=job.id, kind=job.kind, payload=job.payload, run_at=job.run_at, now=now)
        try:
            with transaction.atomic():
                handler(due)
        except Exception as exc:
            logger.exception("job %s (%s) failed", job.id, job.kind)
            job.last_error = repr(exc)[:2000]
            if job.attempts >= MAX_ATTEMPTS:
                job.state = Job.State.FAILED
            else:
                job.run_at = now + timedelta(minutes=2 ** job.attempts)
            job.save(update_fields=["state", "attempts", "last_error", "run_at"])
            return True
        job.state = Job.State.DONE
        job.done_at = now
        job.save(update_fields=["state", "attempts", "done_at"])
    return True


def run_due(*, now: datetime | None = None, limit: int = 200,
            kinds: Sequence[str] | None = None) -> int:
    """Run up to `limit` due jobs (of `kinds`, when given), one transaction each; returns
    how many ran. The worker calls this every second, and for bot commands more often."""
    count = 0
    while count < limit and run_one(now=now, kinds=kinds):
        count += 1
    return count
