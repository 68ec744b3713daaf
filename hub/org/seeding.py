"""Hooks that `seed_demo` runs after seeding the organisation, so that apps outside the core
(the bots) can add their own demo rows (their bot users) without the core importing them."""

from __future__ import annotations

from collections.abc import Callable

Hook = Callable[[str], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    """Run `hook(password)` at the end of every `seed_demo` (inside its transaction), with the
    demo users' password; it must be idempotent like the rest of the seeding."""
    if hook not in _hooks:
        _hooks.append(hook)


def run(password: str) -> None:
    for hook in list(_hooks):
        hook(password)
