"""Keep the cyclic garbage collector off the server's start-up heap.

A server process holds some 360,000 objects once Django, the apps and the URL
configuration are loaded: modules, classes, functions, settings, compiled patterns, none of
which ever becomes garbage. CPython's full collection walks every one of them each time, and
with a thousand sockets open it paused the event loop for 150–250 ms on the 2-core machine,
in the middle of whatever fan-out was running (docs/performance.md, the 收到 storm). Moving
them to the permanent generation once, at start-up, after a collection, leaves full
collections only the objects created since (sockets, caches): a fraction of the pause.
Only what is alive at start-up is frozen, so nothing a request creates is ever exempt.

The youngest generation is also collected every 7,000 net allocations instead of CPython's
700. While the heap grows fast (a reconnect storm opening thousands of sockets) a full
collection may run each time the older generations have been collected ten times and the
heap has grown by a quarter: with 700 that was 14 full collections, 1.0 s of a 5,000-socket
storm, with 7,000 one or two (docs/performance.md). Cyclic garbage waits ten times as many
allocations to be found, a few thousand objects.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger("hub.gc")

YOUNG_THRESHOLD = 7000


def freeze_startup_heap() -> int:
    """Load what every request would load anyway, collect, and freeze what is left.
    Returns the number of objects frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not at the first request
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    frozen = gc.get_freeze_count()
    logger.info("froze %s start-up objects out of the cyclic collector", frozen)
    return frozen
