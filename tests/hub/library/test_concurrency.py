"""Two saves at once, in threads with their own PostgreSQL connections: of saves made from
the same version one wins and the others are told 409; no version is overwritten."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from hub.library import actions
from hub.library.models import FileVersion
from hub.library.schemas import VersionIn
from tests.concurrency import race
from tests.hub.library.conftest import add_file, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_saves_on_the_same_version_one_wins_one_is_told(demo: Any, api: Any) -> None:
    clerk = api("clerk")
    user = demo["users"]["clerk"]
    file = add_file(clerk, clerk.get("/library/unit:zfb").json()["id"], "a.txt", b"v1")
    for round_ in range(3):
        base = FileVersion.objects.filter(file_id=file["id"]).count()
        uploads = [upload(clerk, f"{round_}-{i}.txt", f"{round_}-{i}".encode())
                   for i in range(3)]
        results = race(*[
            (lambda a=a, base=base: actions.add_version(user=user, file_id=file["id"], data=VersionIn(
                attachment=a, base_version=base))) for a in uploads])
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1, results
        assert all(getattr(e, "code", None) == "conflict" for e in lost), results
        rows = list(FileVersion.objects.filter(file_id=file["id"]).order_by("version"))
        assert [r.version for r in rows] == list(range(1, base + 2))
        assert rows[-1].attachment_id in uploads
