"""Search sees a library file exactly where its reader may: the file's text is found by the
library's unit, by grant holders and by the rooms and people it was shared with, and by
nobody else, whatever the query, the type filter or the facets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.hub.library.conftest import add_file, folder

pytestmark = pytest.mark.django_db

WORD = "凤凰山水库除险加固"


def found(client: Any, q: str = WORD, **params: Any) -> list[tuple[str, int]]:
    response = client.get("/search", q=q, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == len(body["results"])
    return [(r["type"], r["id"]) for r in body["results"]]


def test_only_those_who_may_view_the_file_find_it(api: Any, drain: Any) -> None:
    clerk, staff2, staff3 = api("clerk"), api("staff2"), api("staff3")
    sub = folder(clerk, "unit:zfb", "工程项目")
    file = add_file(clerk, sub["id"], "方案.txt", f"关于{WORD}工程的实施方案".encode())
    drain()
    assert found(clerk) == [("file", file["id"])]
    assert found(clerk, type="file") == [("file", file["id"])]
    assert found(clerk, q="方案.txt") == [("file", file["id"])]
    for outsider in (staff2, staff3):
        assert found(outsider) == []
        assert found(outsider, type="file") == []
        assert found(outsider, q="工程项目") == []
        facets = outsider.get("/search", q=WORD).json().get("facets") or {}
        assert "file" not in str(facets)

    room = clerk.post("/rooms", {"name": "工程协调", "kind": "group",
                                 "members": ["staff3"]}).json()
    clerk.post(f"/library/files/{file['id']}/share", {"room": room["id"]})
    drain()
    hits = staff3.get("/search", q=WORD, type="file").json()["results"]
    assert [(h["type"], h["id"]) for h in hits] == [("file", file["id"])]
    assert hits[0]["room"] == room["id"] and hits[0]["message"]
    assert found(staff2) == []

    clerk.client.put(f"/api/v1/library/folders/{sub['id']}/grants",
                     {"grants": [{"unit": "wsj", "role": "clerk", "level": "view"}]},
                     content_type="application/json", headers=clerk.headers)
    drain()
    assert found(staff2) == [("file", file["id"])]
    clerk.client.put(f"/api/v1/library/folders/{sub['id']}/grants", {"grants": []},
                     content_type="application/json", headers=clerk.headers)
    drain()
    assert found(staff2) == []


def test_a_new_version_replaces_the_text_that_is_found(api: Any, drain: Any) -> None:
    clerk = api("clerk")
    root = clerk.get("/library/unit:zfb").json()["id"]
    file = add_file(clerk, root, "稿.txt", "旧的措辞青岗".encode())
    upload = clerk.upload("稿.txt", "新的措辞白鹭".encode()).json()["id"]
    clerk.post(f"/library/files/{file['id']}/versions", {"attachment": upload, "base_version": 1})
    drain()
    assert found(clerk, q="白鹭") == [("file", file["id"])]
    assert found(clerk, q="青岗") == []
    clerk.post(f"/library/files/{file['id']}/restore", {"version": 1})
    drain()
    assert found(clerk, q="青岗") == [("file", file["id"])]


def test_the_district_library_is_found_by_anyone_in_a_unit(api: Any, drain: Any) -> None:
    clerk = api("clerk")
    root = clerk.get("/library/district").json()["id"]
    file = add_file(clerk, root, "全区.txt", f"{WORD}总体规划".encode())
    drain()
    assert found(api("staff6")) == [("file", file["id"])]
