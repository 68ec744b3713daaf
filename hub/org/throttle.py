"""Login throttling, shared by every server process through the database.

Failures are counted per username and per address within a window. When a username reaches
`HUITONG_LOGIN_MAX_FAILURES` (an address `HUITONG_LOGIN_MAX_FAILURES_PER_ADDRESS`), logins
for it answer 429 `rate_limited` with `Retry-After` until `HUITONG_LOGIN_LOCK_SECONDS` have
passed, even with the right password; nobody is locked out for longer than that by someone
else's guesses. A success clears the username's count. The lock is written to the audit log.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hub.lib.errors import ApiError
from hub.org.models import LoginThrottle
from hub.seals import audit


def _keys(*, username: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"user:{username.strip().lower()[:150]}", settings.HUITONG_LOGIN_MAX_FAILURES)]
    if address:
        keys.append((f"addr:{address[:64]}", settings.HUITONG_LOGIN_MAX_FAILURES_PER_ADDRESS))
    return keys


def check(*, username: str, address: str | None) -> None:
    """Raise `rate_limited` (with `retry_after` seconds) while the username or the address is
    locked."""
    now = timezone.now()
    keys = [key for key, _ in _keys(username=username, address=address)]
    until = max((row.locked_until for row in LoginThrottle.objects.filter(
        key__in=keys, locked_until__gt=now) if row.locked_until is not None), default=None)
    if until is not None:
        seconds = max(1, math.ceil((until - now).total_seconds()))
        raise ApiError("rate_limited", f"登录失败次数过多，请 {math.ceil(seconds / 60)} 分钟后再试",
                       retry_after=seconds)


def failed(*, username: str, address: str | None, user_id: int | None) -> None:
    """Count one failed login; lock what reached its limit (and audit the lock)."""
    now = timezone.now()
    window = timedelta(seconds=settings.HUITONG_LOGIN_WINDOW_SECONDS)
    lock = timedelta(seconds=settings.HUITONG_LOGIN_LOCK_SECONDS)
    events: list[audit.Event] = [audit.Event(
        event="login.failed", subject=f"login:{username[:50]}", actor_id=None,
        data={"username": username[:150], "address": address or "", "user": user_id})]
    with transaction.atomic():
        for key, limit in _keys(username=username, address=address):
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"failures": 0, "window_start": now})
            if (row.locked_until is not None and row.locked_until <= now) or \
                    row.window_start + window <= now:
                row.failures, row.window_start, row.locked_until = 0, now, None
            row.failures += 1
            if row.failures >= limit and row.locked_until is None:
                row.locked_until = now + lock
                events.append(audit.Event(
                    event="login.locked", subject=f"login:{username[:50]}", actor_id=None,
                    data={"key": key, "failures": row.failures,
                          "until": row.locked_until.isoformat()}))
            row.save(update_fields=["failures", "window_start", "locked_until"])
        audit.append(events)


def succeeded(*, username: str, user_id: int, address: str | None, via: str) -> None:
    """A login went through: clear the username's failures and audit the login."""
    with transaction.atomic():
        LoginThrottle.objects.filter(key=_keys(username=username, address=None)[0][0]).delete()
        audit.append([audit.Event(event="login.succeeded", subject=f"user:{user_id}",
                                  actor_id=user_id, data={"address": address or "", "via": via})])
