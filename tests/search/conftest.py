"""Shared set-up for search: a fresh index per test, the writer on demand, a Chinese corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).parent / "data" / "articles.json"


@pytest.fixture(autouse=True)
def _index_dir(settings: Any, tmp_path: Path) -> Path:
    settings.HUITONG_INDEX_DIR = tmp_path / "index"
    return settings.HUITONG_INDEX_DIR


@pytest.fixture
def drain() -> Any:
    """Run the worker's indexing task until the queue is empty."""
    from hub.core.models import IndexQueue
    from search import indexer

    def run() -> None:
        for _ in range(50):
            indexer.drain()
            if not IndexQueue.objects.exists():
                return
        raise AssertionError("the queue did not drain")

    return run


def articles() -> list[dict[str, str]]:
    """Articles of public-domain laws (see ../shared/corpus-zh), one per 第X条."""
    return json.loads(CORPUS.read_text())


@pytest.fixture
def corpus(demo: dict[str, Any]) -> dict[str, Any]:
    """Every article as a message from `clerk` in the general channel, then a rebuild."""
    from django.utils import timezone

    from hub.chat.models import Message, Room
    from search import indexer

    room = demo["rooms"]["general"]
    sender = demo["users"]["clerk"]
    rows = articles()
    now = timezone.now()
    start = room.last_seq
    messages = Message.objects.bulk_create([
        Message(room=room, seq=start + i + 1, sender=sender,
                body=f"{a['law']}{a['article']} {a['text']}", created_at=now)
        for i, a in enumerate(rows)])
    Room.objects.filter(id=room.id).update(last_seq=start + len(rows))
    indexer.rebuild()
    return {"room": room, "messages": messages, "articles": rows}
