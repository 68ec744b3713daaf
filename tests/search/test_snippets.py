"""What a search result shows: the snippet as a reader sees the text (no Markdown marks),
never the 发文字号 again (the result carries it apart), and who sent it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bots.conftest import document_body
from tests.search.test_search import search

pytestmark = pytest.mark.django_db


def test_a_message_snippet_shows_no_markdown(api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    clerk.send(demo["rooms"]["zfb"].id,
               "**重要**：请查看[防汛应急预案](https://example.gov.cn/plan)\n\n- 第一项 `值班`")
    drain()
    (hit,) = search(clerk, "应急预案")["results"]
    snippet = hit["snippet_html"]
    assert "<mark>" in snippet
    for mark in ("**", "](", "https://", "`", "- 第一项"):
        assert mark not in snippet, mark
    assert "重要" in snippet


def test_a_document_snippet_does_not_repeat_its_number(api: Any, demo: Any, drain: Any) -> None:
    document = api("clerk").post("/documents", document_body(
        recipients=["town1"], body="各乡镇：\n\n请**立即**部署冬季安全生产检查。")).json()
    drain()
    for q in (document["number"], "12号", "冬季安全生产"):
        (hit,) = [r for r in search(api("staff4"), q)["results"] if r["type"] == "document"]
        assert hit["number"] == document["number"]
        assert document["number"] not in hit["snippet_html"], q
        assert "12号" not in hit["snippet_html"] and "**" not in hit["snippet_html"], q
        assert "各乡镇" in hit["snippet_html"] or "<mark>" in hit["snippet_html"], q


def test_results_carry_their_sender(api: Any, demo: Any, drain: Any) -> None:
    api("staff1").send(demo["rooms"]["general"].id, "关于防汛值班安排的说明")
    api("clerk").post("/documents", document_body(recipients=["town1"],
                                                  title="关于防汛值班安排的通知"))
    drain()
    found = search(api("staff4"), "防汛值班")["results"]
    by_type = {r["type"]: r for r in found}
    assert by_type["message"]["sender"] == {
        "id": demo["users"]["staff1"].id, "username": "staff1", "display_name": "张三",
        "title": "秘书科科员", "is_bot": False, "is_external": False}
    assert by_type["document"]["sender"]["username"] == "clerk"
