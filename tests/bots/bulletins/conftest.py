"""Bulletin helpers: a call from 《政务信息》's editor (`clerk`) to two townships, their items,
an issue signed off by `leader` and published."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def item_body(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "body": "我镇结合冬季特点，开展安全生产大检查。\n\n一是压实责任；二是排查隐患。",
            **extra}


@pytest.fixture
def call(api: Any, clock: Any) -> dict[str, Any]:
    deadline = (clock.now() + timedelta(days=3)).isoformat()
    response = api("clerk").post("/bulletins/zwxx/calls", {
        "title": "冬季安全生产工作信息", "units": ["town1", "town2"], "deadline": deadline,
        "body": "请报送本单位冬季安全生产的做法和成效。"})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def adopted(api: Any, call: dict[str, Any]) -> list[dict[str, Any]]:
    """One adopted item from each township asked."""
    out = []
    for user, title in (("staff4", "城关镇扎实开展冬季安全生产大检查"),
                        ("staff5", "河西镇三措并举守牢安全底线")):
        item = api(user).post("/bulletins/zwxx/items", item_body(title, call=call["id"])).json()
        decided = api("clerk").post(f"/bulletins/items/{item['id']}/decide", {"action": "adopt"})
        assert decided.status_code == 200, decided.content
        out.append(decided.json())
    return out


@pytest.fixture
def published(api: Any, adopted: list[dict[str, Any]]) -> dict[str, Any]:
    issue = api("clerk").post("/bulletins/zwxx/issues", {
        "items": [i["id"] for i in adopted], "signer": "leader"}).json()
    assert api("leader").post(f"/bulletins/issues/{issue['id']}/decide",
                              {"action": "sign_off"}).status_code == 200
    response = api("clerk").post(f"/bulletins/issues/{issue['id']}/publish")
    assert response.status_code == 200, response.content
    return response.json()
