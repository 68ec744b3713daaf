"""The notices' to-do kind (`notice_ack`): a notice waits on each recipient who has not
pressed 收到, until they do or it expires."""

from __future__ import annotations

from collections.abc import Iterable


def changed(*, user_ids: Iterable[int]) -> None:
    """Tell the to-do registry whose lists changed (inside the transaction of the change)."""
    return None
