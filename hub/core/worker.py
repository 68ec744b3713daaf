"""The worker: background work that must not run in a web process.

Each registered task is called every tick; a task does a bounded amount of work from rows
committed in the database, so a restart loses nothing. Later subsystems (reminders, the
search indexer, bridges) register their tasks here.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger("hub.worker")

Task = Callable[[], Any]
_tasks: dict[str, tuple[Task, float]] = {}


def register(name: str, task: Task, *, every: float = 1.0) -> None:
    _tasks[name] = (task, every)


def prune_live_events() -> None:
    from hub.core.models import LiveEvent

    LiveEvent.objects.filter(created_at__lt=timezone.now() - timedelta(minutes=5)).delete()


def prune_presence() -> None:
    from hub.chat.presence import STALE_AFTER
    from hub.core.models import Presence

    Presence.objects.filter(seen_at__lt=timezone.now() - STALE_AFTER * 2).delete()


register("prune_live_events", prune_live_events, every=60)
register("prune_presence", prune_presence, every=60)


def run(*, once: bool = False, tick: float = 0.1) -> None:
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    if not once:
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    last_run: dict[str, float] = {}
    while not stopping:
        now = time.monotonic()
        for name, (task, every) in list(_tasks.items()):
            if once or now - last_run.get(name, 0.0) >= every:
                last_run[name] = now
                try:
                    close_old_connections()
                    task()
                except Exception:
                    logger.exception("worker task %s failed", name)
        if once:
            return
        time.sleep(tick)
