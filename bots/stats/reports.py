"""The monthly 通报 (filled in below)."""

from __future__ import annotations


def register_jobs() -> None:
    return None
