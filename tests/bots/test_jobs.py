"""Scheduled jobs: stored in the database, claimed with SKIP LOCKED, run in the transaction
that marks them done — so a worker killed mid-way loses none and fires none twice, and two
workers never run the same job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

import tests.bots.jobplugin  # noqa: F401 - registers the job kind
from bots import clock as bot_clock
from bots import jobs
from bots.models import Job
from hub.seals.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]


def fired() -> dict[int, int]:
    """How many times each numbered job has taken effect."""
    counts: dict[int, int] = {}
    for data in AuditEntry.objects.filter(event="tests.tick").values_list("data", flat=True):
        counts[data["n"]] = counts.get(data["n"], 0) + 1
    return counts


def schedule(n: int, *, minutes: float = -1, **payload: Any) -> Job | None:
    return jobs.schedule(kind="tests.tick", key=f"tick:{n}",
                         run_at=bot_clock.now() + timedelta(minutes=minutes),
                         payload={"n": n, **payload})


@pytest.mark.django_db
def test_a_job_runs_when_due_and_only_once(clock: Any) -> None:
    schedule(1, minutes=10)
    assert schedule(1, minutes=10) is None  # the same key twice is one job
    assert jobs.run_due() == 0
    clock.advance(minutes=10)
    assert jobs.run_due() == 1 and jobs.run_due() == 0
    assert fired() == {1: 1}
    assert Job.objects.get().state == Job.State.DONE


@pytest.mark.django_db
def test_a_failing_job_leaves_no_trace_and_is_retried_later(clock: Any) -> None:
    schedule(1, fail=True)
    assert jobs.run_due() == 1
    job = Job.objects.get()
    assert (job.state, job.attempts) == (Job.State.PENDING, 1) and "always fails" in job.last_error
    assert fired() == {}  # the entry it wrote was rolled back with it
    assert job.run_at > clock.now()
    for _ in range(jobs.MAX_ATTEMPTS):
        clock.advance(hours=1)
        jobs.run_due()
    assert Job.objects.get().state == Job.State.FAILED and fired() == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_two_workers_at_once_run_every_job_exactly_once(db: Any) -> None:
    for n in range(40):
        schedule(n)
    barrier = threading.Barrier(3)

    def worker() -> None:
        try:
            barrier.wait()
            jobs.run_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert fired() == {n: 1 for n in range(40)}
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.DONE}


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.bots.worker_main"], cwd=ROOT, env=env,  # noqa: S603
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
def test_a_worker_killed_mid_job_loses_nothing_and_fires_nothing_twice(
        db: Any, tmp_path: Path) -> None:
    """The real `run_worker` loop in a process, killed with SIGKILL while job 5 of 10 is half
    done; a new worker finishes the rest, job 5 included, each exactly once."""
    for n in range(10):
        schedule(n)
    settings_dict = connection.settings_dict
    marker = tmp_path / "hanging"
    env = {**os.environ, "TICK_MARKER": str(marker), "TICK_HANG": "5",
           "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
               USER=settings_dict["USER"] or "postgres", HOST=settings_dict["HOST"] or "127.0.0.1",
               PORT=settings_dict["PORT"] or 5432, NAME=settings_dict["NAME"]),
           "HUITONG_CONN_MAX_AGE": "0"}
    first = _start_worker(env)
    try:
        _wait(marker.exists, 30, "the worker to reach job 5")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert sorted(fired()) == [0, 1, 2, 3, 4]  # job 5's entry died with the worker
    assert Job.objects.filter(state=Job.State.PENDING).count() == 5
    second = _start_worker(env)
    try:
        _wait(lambda: not Job.objects.filter(state=Job.State.PENDING).exists(), 30,
              "the new worker to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
    assert fired() == {n: 1 for n in range(10)}
    assert set(Job.objects.values_list("state", flat=True)) == {Job.State.DONE}
