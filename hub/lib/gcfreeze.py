"""Keep the cyclic garbage collector off the server's start-up heap.

A server process holds some 360,000 objects once Django, the apps and the URL
configuration are loaded: modules, classes, functions, settings, compiled patterns, none of
which ever becomes garbage. CPython's full collection walks every one of them each time, and
with a thousand sockets open it paused the event loop for 150–250 ms on the 2-core machine,
in the middle of whatever fan-out was running (docs/performance.md, the 收到 storm). Moving
them to the permanent generation once, at start-up, after a collection, leaves full
collections only the objects created since (sockets, caches): a fraction of the pause.
Only what is alive at start-up is frozen, so nothing a request creates is ever exempt.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger("hub.gc")


def freeze_startup_heap() -> int:
    """Load what every request would load anyway, collect, and freeze what is left.
    Returns the number of objects frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not at the first request
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info("froze %s start-up objects out of the cyclic collector", frozen)
    return frozen
