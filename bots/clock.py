"""The bots' notion of now, injectable: tests move time forward instead of sleeping.

Everything time-based in the bots (document times, reminders, when jobs fall due) asks
`clock.now()`; the real clock is Django's `timezone.now`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from django.utils import timezone


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()


class FakeClock:
    """A clock that stands still until moved."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or timezone.now()

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


_clock: Clock = SystemClock()


def now() -> datetime:
    return _clock.now()


def set_clock(clock: Clock | None) -> None:
    global _clock
    _clock = clock or SystemClock()


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    previous = _clock
    set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
