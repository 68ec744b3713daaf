"""The system administrator keeps the unit tree in the app: add, rename, move, reorder,
merge; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_the_system_administrator_adds_renames_moves_and_merges_units(api: Any) -> None:
    admin = api("admin")
    added = admin.post("/units", {"code": "ybj", "name": "区医疗保障局", "kind": "government",
                                  "parent": "district", "sort_order": 30})
    assert added.status_code == 201, added.content
    assert admin.patch("/units/ybj", {"name": "区医保局", "short_name": "医保局"}).status_code == 200
    assert admin.patch("/units/ybj", {"parent": "ybj"}).status_code == 400
    assert admin.patch("/units/ybj", {"kind": "nonsense"}).status_code == 400
    assert admin.post("/units", {"code": "ybj", "name": "重复", "kind": "government"}
                      ).status_code == 409
    directory = {u["code"]: u for u in api("staff1").get("/directory").json()["units"]}
    assert directory["ybj"]["name"] == "区医保局"
    # 文体局 merges into 卫生局: its people follow with their roles; it leaves the tree.
    merged = admin.post("/units/wtj/merge", {"into": "wsj"})
    assert merged.status_code == 200, merged.content
    assert merged.json()["people_moved"] == 1
    codes = {u["code"] for u in api("staff1").get("/units").json()}
    assert "wtj" not in codes and "wsj" in codes
    people = {p["username"]: p["role"] for p in
              api("wsjadmin").get("/units/wsj/people").json()["people"]}
    assert people["staff3"] == "clerk"
    events = [e["event"] for e in admin.get("/units/wsj/audit").json()]
    assert "org.unit_merged_in" in events


def test_nobody_else_changes_the_tree(api: Any) -> None:
    for who in ("wsjadmin", "leader", "clerk"):
        assert api(who).post("/units", {"code": "x1", "name": "X", "kind": "government"}
                             ).status_code == 403
        assert api(who).patch("/units/wsj", {"name": "改名"}).status_code == 403
        assert api(who).post("/units/wtj/merge", {"into": "wsj"}).status_code == 403
