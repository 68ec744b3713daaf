"""The one seam through which the core and the bots announce changes to searchable things.

`record` writes an `IndexQueue` row in the caller's transaction: the row commits with the
change or not at all, and the search worker (search/indexer.py) drains the rows. The core
does not know what the index keeps; it only says what changed.
"""

from __future__ import annotations

from typing import Literal

from hub.core.models import IndexQueue

# A registered search source's kind (search/registry.py): "message", "document", ...
Kind = str
Op = Literal["upsert", "delete"]


def record(*, kind: Kind, object_id: int, op: Op = "upsert") -> None:
    """Note that object `kind`/`object_id` was created or changed (`upsert`) or deleted
    (`delete`). Call it inside the transaction that makes the change."""
    IndexQueue.objects.create(kind=kind, object_id=object_id, op=op)
