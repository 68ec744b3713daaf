"""Races for the tests that check what happens when people act at the same moment."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection


def race(*calls: Any) -> list[Any]:
    """Run the calls at once, each in a thread with its own database connection, released
    together by a barrier; their results or the errors they raised, in the calls' order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
