"""Shared set-up for the library: a fresh index per test, the indexer on demand, and a
helper that uploads a file's content and adds it to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


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


def upload(client: Any, name: str, data: bytes) -> int:
    response = client.upload(name, data)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def folder(client: Any, library: str, name: str, parent: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"library": library, "name": name}
    if parent is not None:
        body["parent"] = parent
    response = client.post("/library/folders", body)
    assert response.status_code == 201, response.content
    return response.json()


def add_file(client: Any, folder_id: int, name: str, data: bytes) -> dict[str, Any]:
    response = client.post(f"/library/folders/{folder_id}/files",
                           {"attachment": upload(client, name, data)})
    assert response.status_code == 201, response.content
    return response.json()


def new_version(client: Any, file_id: int, base: int, data: bytes, name: str = "v.txt") -> Any:
    return client.post(f"/library/files/{file_id}/versions",
                       {"attachment": upload(client, name, data), "base_version": base})
