"""A per-process token bucket: enough to stop one runaway client flooding a room."""

from __future__ import annotations

import threading
import time

from hub.lib.errors import ApiError

_lock = threading.Lock()
_buckets: dict[tuple[str, int], tuple[float, float]] = {}


def check(*, key: str, user_id: int, per_minute: int) -> None:
    """Take one token for (key, user) or raise `rate_limited`."""
    if per_minute <= 0:
        return
    now = time.monotonic()
    rate = per_minute / 60.0
    with _lock:
        tokens, stamp = _buckets.get((key, user_id), (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - stamp) * rate)
        if tokens < 1.0:
            _buckets[(key, user_id)] = (tokens, now)
            raise ApiError("rate_limited", "发送过于频繁，请稍后再试")
        _buckets[(key, user_id)] = (tokens - 1.0, now)


def reset() -> None:
    with _lock:
        _buckets.clear()
