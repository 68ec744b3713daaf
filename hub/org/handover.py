"""工作移交: what a person leaving hands to a colleague. The core names no kind of work; each
app that keeps work waiting for a named person registers a kind here (in its AppConfig.ready)
with two functions:

- `pending(user) -> int`: how many items wait for the person now;
- `transfer(*, source, target, actor) -> int`: give them to `target` inside the caller's
  transaction (the person's deactivation), answering how many moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HandoverKind:
    kind: str
    label: str
    pending: Callable[[Any], int]
    transfer: Callable[..., int]


_kinds: dict[str, HandoverKind] = {}


def register(*, kind: str, label: str, pending: Callable[[Any], int],
             transfer: Callable[..., int]) -> None:
    _kinds[kind] = HandoverKind(kind, label, pending, transfer)


def kinds() -> list[HandoverKind]:
    return list(_kinds.values())


def pending(user: Any) -> list[dict[str, Any]]:
    """`[{"kind", "label", "count"}]` of what waits for the person."""
    return [{"kind": k.kind, "label": k.label, "count": k.pending(user)} for k in kinds()]


def transfer(*, source: Any, target: Any, actor: Any) -> dict[str, int]:
    return {k.kind: k.transfer(source=source, target=target, actor=actor) for k in kinds()}
