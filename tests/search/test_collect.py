"""search/collect.py counts and ranks in bulk: its totals, order and scores are whoosh's own
(its collector over the same query), across segments and deleted entries, and nothing the
caller may not see is counted."""

from __future__ import annotations

from typing import Any

from search import collect, index, query


def _ours_and_whooshs(q: str, who: query.Caller, want: int = 30) -> tuple[Any, list[Any], int]:
    built, _ = query.build(query.parse(q), who)
    with index.open_index().searcher() as searcher:
        ours = collect.collect(searcher, built, audience=collect.Audience(
            query.audience_terms(who)), want=want, newest=False)
        theirs = searcher.search(built, limit=None)
        expected = sorted(((round(h.score, 6), h.docnum) for h in theirs),
                          key=lambda x: (-x[0], x[1]))[:want]
        return ours, expected, len(theirs)


def _ranked(top: list[tuple[float, int]]) -> list[tuple[float, int]]:
    return sorted(((round(s, 6), d) for s, d in top), key=lambda x: (-x[0], x[1]))


def test_order_and_scores_are_whooshs_across_segments_and_deletions(
        api: Any, demo: Any, corpus: Any, drain: Any) -> None:
    clerk = api("clerk")
    general = corpus["room"].id
    # A second segment, and an edit: the old entry deleted in the first.
    clerk.send(general, "电子签名的数据电文应当可靠，档案移交前核对")
    edited = corpus["messages"][0]
    assert clerk.patch(f"/messages/{edited.id}", {"body": "电子签名 档案 移交 数据电文"}).status_code == 200
    drain()
    assert len(index.open_index().searcher().reader().leaf_readers()) > 1
    who = query.Caller(user_id=demo["users"]["clerk"].id, room_ids=[general], unit_ids=[])
    for q in ("电子签名", "档案 移交", '"数据电文"', "数据 电文", "电子签名 法律", "信息 公开"):
        ours, expected, total = _ours_and_whooshs(q, who)
        assert total > 0, q
        assert ours.total == total, q
        assert _ranked(ours.top) == expected, q


def test_order_and_scores_are_whooshs_in_one_segment_without_deletions(
        demo: Any, corpus: Any) -> None:
    """Where one word is found in one field only, its kept scores are used as they are."""
    who = query.Caller(user_id=demo["users"]["clerk"].id, room_ids=[corpus["room"].id],
                       unit_ids=[])
    for q in ("电子签名", "档案", "公开", "数据 电文", "电子签名认证"):
        for want in (1, 7, 30, 500):
            ours, expected, total = _ours_and_whooshs(q, who, want=want)
            assert total > 0 and ours.total == total, q
            assert _ranked(ours.top) == expected, (q, want)


def test_a_caller_in_no_room_counts_nothing(demo: Any, corpus: Any) -> None:
    nobody = query.Caller(user_id=demo["users"]["staff1"].id, room_ids=[], unit_ids=[])
    ours, _, total = _ours_and_whooshs("电子签名", nobody)
    assert total > 0  # whoosh alone matches them
    assert ours.total == 0 and ours.top == []
    assert ours.facets == {"type": {}, "unit": {}, "year": {}, "doc_type": {}}


def test_newest_first_and_facets_from_the_meta_column(demo: Any, corpus: Any) -> None:
    who = query.Caller(user_id=demo["users"]["clerk"].id, room_ids=[corpus["room"].id],
                       unit_ids=[])
    built, _ = query.build(query.parse("档案"), who)
    with index.open_index().searcher() as searcher:
        found = collect.collect(searcher, built, audience=collect.Audience(
            query.audience_terms(who)), want=5, newest=True)
        created = [searcher.stored_fields(d)["created"] for _, d in found.top]
    assert created == sorted(created, reverse=True) and len(created) == 5
    assert found.facets["type"] == {"message": found.total}
    assert sum(found.facets["year"].values()) == found.total


def test_meta_round_trip() -> None:
    value = index.meta(aud="r1 u2 p3", type="document", unit="zfb,wsj", year="2026",
                       doctype="通知")
    assert index.read_meta(value) == (["r1", "u2", "p3"], "document", ["zfb", "wsj"], "2026",
                                      "通知")
    assert collect.Audience(["u2"]).allows(value)
    assert not collect.Audience(["u9", "p1"]).allows(value)
    assert not collect.Audience(["r1"]).allows(b"")


def test_the_snippet_wall_keeps_only_bare_mark_and_b() -> None:
    assert query.sanitize('a <mark class="match term0">档案</mark> &lt;x&gt;') == (
        "a <mark>档案</mark> &lt;x&gt;")
    assert query.sanitize("<b onclick=alert(1)>x</b><MARK>y</MARK>") == "<b>x</b><mark>y</mark>"
    for hostile in ("<script>alert(1)</script><img src=x onerror=alert(2)>",
                    "a < b > c <mark<script>>", '<a href="javascript:alert(1)">x</a>'):
        cleaned = query.sanitize(hostile)
        assert "<script" not in cleaned and "<img" not in cleaned and "<a " not in cleaned
        assert "onerror" not in cleaned and "javascript:" not in cleaned
