"""Ids that come from clients."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1  # the database's bigint


def as_id(value: Any) -> int | None:
    """A positive database id from a path, query or body value, or None (which the caller
    answers as `not_found`): never a bool, never out of the bigint range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    return None
