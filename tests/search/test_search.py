"""GET /api/v1/search: relevance in Chinese, 发文字号, pinyin, permissions in the query,
edits and deletions, filters, facets, snippets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from hub.core.models import IndexQueue
from tests.bots.conftest import document_body


def search(client: Any, q: str = "", **params: Any) -> dict[str, Any]:
    response = client.get("/search", q=q, **params)
    assert response.status_code == 200, response.content
    return response.json()


def laws(found: dict[str, Any], corpus: dict[str, Any]) -> list[str]:
    law_of = {m.id: a["law"] for m, a in zip(corpus["messages"], corpus["articles"], strict=True)}
    return [law_of[r["id"]] for r in found["results"]]


# --- relevance on the law corpus ------------------------------------------------------------------
def test_electronic_signature_ranks_the_electronic_signature_law_first(api: Any, corpus: Any) -> None:
    found = search(api("staff1"), "电子签名", limit=10)
    assert found["total"] >= 10
    assert laws(found, corpus)[:10] == ["中华人民共和国电子签名法"] * 10
    assert "<mark>电子签名</mark>" in found["results"][0]["snippet_html"]


def test_two_words_rank_articles_with_both_and_require_both(api: Any, corpus: Any) -> None:
    found = search(api("staff1"), "档案 移交", limit=50)
    assert found["total"] > 0
    assert laws(found, corpus)[0] in ("中华人民共和国档案法",)
    text_of = {m.id: m.body for m in corpus["messages"]}
    assert all("档案" in text_of[r["id"]] and "移交" in text_of[r["id"]]
               for r in found["results"])
    assert search(api("staff1"), "档案 电子签名认证")["total"] < found["total"]


def test_a_phrase_matches_the_words_in_order(api: Any, corpus: Any) -> None:
    phrase = search(api("staff1"), '"数据电文"')
    words = search(api("staff1"), "数据 电文")
    assert 0 < phrase["total"] <= words["total"]
    text_of = {m.id: m.body for m in corpus["messages"]}
    assert all("数据电文" in text_of[r["id"]] for r in phrase["results"])
    assert laws(phrase, corpus)[0] == "中华人民共和国电子签名法"
    # Curly quotes work the same.
    assert search(api("staff1"), "“数据电文”")["total"] == phrase["total"]


def test_english_words_and_numbers_are_found(api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    clerk.send(demo["rooms"]["zfb"].id, "Budget review for FY2026: 共 1234 万元，详见 OA 系统")
    drain()
    assert search(clerk, "budget")["total"] == 1
    assert search(clerk, "BUDGET Review")["total"] == 1
    assert search(clerk, "1234")["total"] == 1
    assert search(clerk, "ｂｕｄｇｅｔ")["total"] == 1  # full-width letters


# --- 发文字号 -----------------------------------------------------------------------------------------
def test_document_numbers_are_found_whole_by_sequence_and_with_any_brackets(
        api: Any, demo: Any, drain: Any) -> None:
    year = timezone.localtime().year
    sent = api("clerk").post("/documents", document_body(
        number=f"区府办[{year}]94号", title="关于开展档案安全检查的通知"))
    assert sent.status_code == 201, sent.content
    api("clerk").post("/documents", document_body(number=f"区府办〔{year}〕95号",
                                                  title="关于另一事项的通知"))
    drain()
    doc_id = sent.json()["id"]
    for q in ("94号", f"区府办〔{year}〕94号", f"区府办[{year}]94号", f"区府办（{year}）第94号",
              f"区府办({year})94号"):
        found = search(api("staff4"), q)  # town1 received it
        assert [(r["type"], r["id"]) for r in found["results"]] == [("document", doc_id)], q
    hit = search(api("staff4"), "94号")["results"][0]
    assert hit["number"] == f"区府办〔{year}〕94号" and hit["doc_type"] == "通知"
    assert hit["room"] == demo["rooms"]["town1"].id and hit["message"] is not None


# --- pinyin -------------------------------------------------------------------------------------
def test_pinyin_and_initials_find_people(api: Any, demo: Any, drain: Any) -> None:
    staff1 = api("staff1")  # 张三
    sent = staff1.send(demo["rooms"]["general"].id, "明天上午开会").json()
    api("clerk").send(demo["rooms"]["general"].id, "收到")
    drain()
    for q in ("zhangsan", "zs", "张三", "ZhangSan"):
        found = search(api("clerk"), q)
        assert [r["id"] for r in found["results"]] == [sent["id"]], q
    assert [r["id"] for r in search(api("clerk"), "from:staff1")["results"]] == [sent["id"]]
    assert [r["id"] for r in search(api("clerk"), "from:张三 开会")["results"]] == [sent["id"]]


# --- permissions --------------------------------------------------------------------------------
def test_nobody_sees_another_units_documents_in_results_totals_or_facets(
        api: Any, demo: Any, drain: Any) -> None:
    sent = api("clerk").post("/documents", document_body(title="关于防汛抗旱的紧急通知"))
    assert sent.status_code == 201
    drain()
    for user in ("clerk", "staff4", "staff5", "staff6"):  # issuer and the three townships
        found = search(api(user), "防汛抗旱")
        assert found["total"] == 1 and found["facets"]["type"] == {"document": 1}, user
    for user in ("staff1", "staff2", "staff3"):  # 区委办, 卫生局, 文体局
        found = search(api(user), "防汛抗旱")
        assert found == {"total": 0, "results": [], "sort": "relevance", "facets": {
            "type": {}, "unit": {}, "year": {}, "doc_type": {}}}, user
        assert search(api(user), "type:document")["total"] == 0


def test_a_room_one_left_is_no_longer_searched(api: Any, demo: Any, drain: Any) -> None:
    room = api("staff1").post("/rooms", {"name": "专项组", "kind": "group",
                                         "members": ["staff2"]}).json()
    api("staff1").send(room["id"], "专项组内部讨论：预算调整方案")
    drain()
    assert search(api("staff2"), "预算调整")["total"] == 1
    assert api("staff2").post(f"/rooms/{room['id']}/leave").status_code == 204
    found = search(api("staff2"), "预算调整")
    assert found["total"] == 0 and found["facets"]["type"] == {}
    assert search(api("staff2"), f"in:{room['id']}")["total"] == 0
    assert search(api("staff1"), "预算调整")["total"] == 1


def test_totals_and_pages_count_only_what_the_caller_may_see(api: Any, demo: Any,
                                                              drain: Any) -> None:
    for i in range(7):
        api("clerk").send(demo["rooms"]["zfb"].id, f"值班安排第{i}周")
    for i in range(5):
        api("staff2").send(demo["rooms"]["wsj"].id, f"值班安排卫生局{i}")
    drain()
    first = search(api("clerk"), "值班安排", limit=5)
    second = search(api("clerk"), "值班安排", limit=5, offset=5)
    assert first["total"] == second["total"] == 7
    assert len(first["results"]) == 5 and len(second["results"]) == 2
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    assert search(api("staff2"), "值班安排")["total"] == 5


def test_meetings_and_approvals_are_found_by_their_participants_only(
        api: Any, demo: Any, drain: Any) -> None:
    start = timezone.localtime() + timedelta(days=3)
    start = start.replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = api("clerk").post("/meetings", {
        "title": "全区秸秆禁烧工作会议", "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(), "location": "三楼会议室",
        "agenda": "部署秸秆禁烧", "invitees": ["town1", "staff2"]})
    assert meeting.status_code == 201, meeting.content
    approval = api("staff3").post("/approvals", {"title": "采购办公桌椅的申请",
                                                 "body": "文体局拟采购办公桌椅十套",
                                                 "steps": [["leader"]]})
    assert approval.status_code == 201, approval.content
    drain()
    for user, seen in (("clerk", 1), ("staff4", 1), ("staff2", 1), ("staff5", 0), ("staff1", 0)):
        assert search(api(user), "秸秆禁烧")["total"] == seen, user
    for user, seen in (("staff3", 1), ("leader", 1), ("clerk", 0), ("staff2", 0)):
        assert search(api(user), "办公桌椅")["total"] == seen, user
    hit = search(api("leader"), "办公桌椅")["results"][0]
    assert hit["type"] == "approval" and hit["message"] is not None


# --- edits and deletions ------------------------------------------------------------------------
def test_an_edit_reaches_the_index(api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    sent = clerk.send(demo["rooms"]["zfb"].id, "周五下午召开安全生产例会").json()
    drain()
    assert search(clerk, "安全生产")["total"] == 1
    assert clerk.patch(f"/messages/{sent['id']}", {"body": "周五下午召开防火工作例会"}).status_code == 200
    drain()
    assert search(clerk, "安全生产")["total"] == 0
    assert [r["id"] for r in search(clerk, "防火")["results"]] == [sent["id"]]


def test_a_deleted_message_is_gone_at_once_and_from_the_index_after_the_writer(
        api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    sent = clerk.send(demo["rooms"]["zfb"].id, "临时通知：停电检修").json()
    drain()
    assert search(clerk, "停电检修")["total"] == 1
    assert clerk.delete(f"/messages/{sent['id']}").status_code == 200
    # Before the writer has run: masked in the query, so the total is right too.
    assert IndexQueue.objects.filter(op="delete").exists()
    found = search(clerk, "停电检修")
    assert found["total"] == 0 and found["facets"]["type"] == {}
    drain()
    assert search(clerk, "停电检修")["total"] == 0


# --- filters, facets, order, snippets -------------------------------------------------------------
def test_filters_facets_and_order(api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    api("clerk").post("/documents", document_body(title="关于做好森林防火工作的通知"))
    first = clerk.send(demo["rooms"]["zfb"].id, "森林防火检查组名单").json()
    upload = clerk.upload("名单.txt", "森林防火 检查组 名单".encode()).json()
    second = clerk.send(demo["rooms"]["general"].id, "森林防火宣传材料",
                        attachments=[upload["id"]]).json()
    drain()
    everything = search(clerk, "森林防火")
    assert everything["total"] == 3
    assert everything["facets"]["type"] == {"message": 2, "document": 1}
    assert everything["facets"]["doc_type"] == {"通知": 1}
    assert everything["facets"]["unit"] == {"zfb": 3}
    year = str(timezone.localtime().year)
    assert everything["facets"]["year"] == {year: 3}
    assert search(clerk, "森林防火 type:document")["total"] == 1
    assert search(clerk, "森林防火", type="message")["total"] == 2
    assert [r["id"] for r in search(clerk, "森林防火 in:general")["results"]] == [second["id"]]
    assert [r["id"] for r in search(clerk, "森林防火 has:attachment")["results"]] == [second["id"]]
    assert search(clerk, "森林防火 unit:区政府办公室")["total"] == 3
    assert search(clerk, "森林防火 unit:wsj")["total"] == 0
    today = timezone.localdate().isoformat()
    assert search(clerk, f"森林防火 after:{today} before:{today}")["total"] == 3
    assert search(clerk, "森林防火 before:2020-01-01")["total"] == 0
    newest = search(clerk, "森林防火 type:message", sort="newest")
    assert [r["id"] for r in newest["results"]] == [second["id"], first["id"]]
    assert newest["sort"] == "newest"
    # Filters alone list the newest first.
    assert search(clerk, "type:message in:general")["sort"] == "newest"


def test_snippets_are_sanitized(api: Any, demo: Any, drain: Any) -> None:
    clerk = api("clerk")
    clerk.send(demo["rooms"]["zfb"].id, '<script>alert(1)</script><img src=x onerror=alert(2)> 应急预案')
    drain()
    snippet = search(clerk, "应急预案")["results"][0]["snippet_html"]
    assert "<mark>" in snippet
    assert "<script" not in snippet and "<img" not in snippet
    assert "&lt;/script&gt;" in snippet
