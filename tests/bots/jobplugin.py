"""A job kind for the worker tests: each run appends one audit entry naming its job, so the
tests can count how often each job fired. With TICK_MARKER set, the job numbered TICK_HANG
writes that file and hangs (once), so the test can kill the worker in the middle of it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bots import jobs
from hub.seals import audit

KIND = "tests.tick"


def tick(due: jobs.Due) -> None:
    number = int(due.payload["n"])
    audit.append([audit.Event(event="tests.tick", subject=f"tick:{number}", actor_id=None,
                              data={"n": number})])
    marker = os.environ.get("TICK_MARKER")
    if marker and number == int(os.environ.get("TICK_HANG", "-1")) and not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        time.sleep(120)  # killed here, with the entry above written but not committed
    if due.payload.get("fail"):
        raise RuntimeError("this job always fails")


jobs.register(KIND, tick)
