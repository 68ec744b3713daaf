"""The server process freezes its start-up heap out of the cyclic garbage collector
(hub/lib/gcfreeze.py): full collections then walk only what was created since, and the
storm's fan-out is not paused for the whole of Django."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json
import hub.asgi
before = gc.get_freeze_count()
# Something a request creates after start-up stays collectable: a cycle is freed.
class Node: pass
a, b = Node(), Node(); a.other, b.other = b, a
del a, b
freed = gc.collect()
print(json.dumps({"frozen": before, "freed": freed, "young": gc.get_threshold()[0]}))
"""


def probe(**env: str) -> dict[str, int]:
    import json

    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", **env}, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_asgi_application_freezes_the_start_up_heap_and_later_cycles_are_still_freed() -> None:
    on = probe()
    assert on["frozen"] > 100_000  # Django, the apps and every view module
    assert on["freed"] >= 2
    assert on["young"] == 7000  # young collections ten times rarer than CPython's default


def test_the_freeze_can_be_turned_off() -> None:
    off = probe(HUITONG_GC_FREEZE="0")
    assert off["frozen"] == 0 and off["young"] == 700
