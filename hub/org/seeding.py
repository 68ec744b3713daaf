"""Hooks that `seed_demo` runs after seeding the organisation, so that apps outside the core
(the bots) can add their own demo rows (their bot users) without the core importing them."""

from __future__ import annotations

from collections.abc import Callable

Hook = Callable[[], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    """Run `hook()` at the end of every `seed_demo` (inside its transaction); it must be
    idempotent like the rest of the seeding."""
    if hook not in _hooks:
        _hooks.append(hook)


def run() -> None:
    for hook in list(_hooks):
        hook()
