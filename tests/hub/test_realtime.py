"""Stopping the process's hub ends, whatever the channel layer does with a cancellation.

redis-py's publish, cancelled at the wrong moment, returns normally instead of raising
(measured: 1 of 300 cancels of a running `group_send` on the Redis layer). The hub's
publishing loop then went back to its queue and `Hub.stop` waited for it for ever: a test's
teardown, or a server's shutdown, hung."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from hub.lib import realtime


class SwallowingLayer:
    """A channel layer whose send, cancelled while it is under way, returns as if sent: the
    behaviour of the Redis layer seen in the hang."""

    def __init__(self) -> None:
        self.sending = asyncio.Event()
        self.flushed = False

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sending.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return  # swallowed, as the library did

    async def flush(self) -> None:
        self.flushed = True


async def test_stop_ends_the_publishing_loop_even_when_the_layer_swallows_the_cancel() -> None:
    hub = realtime.Hub(asyncio.get_running_loop())
    layer = hub._layer = SwallowingLayer()
    publishing = asyncio.ensure_future(hub._publish_loop())
    hub.tasks.append(publishing)
    hub.publish_threadsafe({"k": "plain", "text": "{}", "users": [1]})
    await asyncio.wait_for(layer.sending.wait(), 5)  # the cancel lands inside group_send
    await hub.stop()
    assert publishing.cancelled()
    assert layer.flushed


async def test_stop_returns_and_says_so_when_a_task_ignores_its_cancel(
        monkeypatch: Any, caplog: Any) -> None:
    monkeypatch.setattr(realtime, "STOP_WAIT_SECONDS", 0.2)
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue

    hub = realtime.Hub(asyncio.get_running_loop())
    task = asyncio.ensure_future(stubborn(), loop=hub.loop)
    task.set_name("stubborn")
    hub.tasks.append(task)
    await asyncio.sleep(0)  # it is waiting when the cancel comes
    with caplog.at_level(logging.ERROR, logger="hub.realtime"):
        await hub.stop()
    assert not task.done()
    assert "stubborn did not stop" in caplog.text
    released.set()
    await task
