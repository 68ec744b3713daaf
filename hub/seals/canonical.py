"""The one byte encoding that is signed and hashed: canonical JSON.

Keys sorted, no insignificant whitespace, UTF-8 without escaping, integers only (a float
has no single spelling, so it is refused), as in Matrix's canonical JSON."""

from __future__ import annotations

import json
from typing import Any


def _check(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise TypeError(f"canonical JSON takes no floats ({path})")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings ({path})")
            _check(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")


def canonical_json(value: Any) -> bytes:
    _check(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")
