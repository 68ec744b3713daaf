"""The archive API: who sees which entries (totals and facets included), filters, detail,
files, filing by hand, the feed's cursor, and a clear 400 for bad input."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.utils import timezone

from tests.archive.conftest import handle, settle_approval, sweep

pytestmark = pytest.mark.django_db

YEAR = timezone.localtime().year


@pytest.fixture
def filed(sent: Any, api: Any, person: Any) -> dict[str, Any]:
    """town1 and town2 each handled one document; one approval of zfb's clerk settled."""
    person("town1_staff", "town1", "staff")
    document = sent()
    handle(api, document, "town1", "staff4")
    handle(api, document, "town2", "staff5")
    approval = settle_approval(api, steps=[["staff1"]], decisions=[("staff1", "approve")])
    sweep()
    return {"document": document, "approval": approval}


def listing(api: Any, who: str, **params: Any) -> dict[str, Any]:
    response = api(who).get("/archive", **params)
    assert response.status_code == 200, response.content
    return response.json()


def test_each_unit_sees_its_own_archive_totals_and_facets_included(filed: Any,
                                                                    api: Any) -> None:
    town1 = listing(api, "staff4")
    assert town1["total"] == 1
    [entry] = town1["entries"]
    assert entry["archive_no"] == f"TOWN1-WS·{YEAR}-D10-SW-0001"
    assert (entry["kind"], entry["kind_label"], entry["retention_label"]) == (
        "incoming", "收文", "定期10年")
    assert entry["unit"]["code"] == "town1" and entry["verified"] is True
    assert town1["facets"]["unit"] == {"town1": 1}
    assert town1["facets"]["kind"] == {"incoming": 1}
    assert town1["exportable"] == ["town1"]
    # A plain member of the unit sees its documents but may not export.
    staff = listing(api, "town1_staff")
    assert staff["total"] == 1 and staff["exportable"] == []
    # town2's clerk sees only town2's copy; the approval is not theirs.
    assert [e["unit"]["code"] for e in listing(api, "staff5")["entries"]] == ["town2"]
    # The approval: its requester, its approver and zfb's leader; nobody else.
    for who in ("clerk", "staff1", "leader"):
        kinds = {e["kind"] for e in listing(api, who)["entries"]}
        assert "approval" in kinds, who
    assert "approval" not in {e["kind"] for e in listing(api, "staff4")["entries"]}
    # The archive system's account sees everything.
    everything = listing(api, "archivist")
    assert everything["total"] == 3
    assert everything["facets"]["unit"] == {"town1": 1, "town2": 1, "zfb": 1}
    assert "town3" in everything["exportable"]


def test_filters_and_facets_under_the_other_filters(filed: Any, api: Any) -> None:
    only = listing(api, "archivist", kind="approval")
    assert only["total"] == 1 and only["entries"][0]["kind"] == "approval"
    # The kind facet still offers the other kinds, counted under the other filters.
    assert only["facets"]["kind"] == {"approval": 1, "incoming": 2}
    assert only["facets"]["unit"] == {"zfb": 1}
    assert listing(api, "archivist", unit="town2", retention="10y")["total"] == 1
    assert listing(api, "archivist", retention="permanent")["total"] == 0
    assert listing(api, "archivist", year=YEAR - 1)["total"] == 0
    by_number = listing(api, "archivist", q=filed["document"]["number"])
    assert by_number["total"] == 2
    assert listing(api, "archivist", q="TOWN2-WS")["total"] == 1
    assert listing(api, "archivist", q="冬季 安全")["total"] == 2


@pytest.mark.parametrize("params, words", [
    ({"kind": "memo"}, "未知的档案类别"), ({"retention": "5y"}, "取值无效"),
    ({"year": "去年"}, "应为整数"), ({"year": "20260"}, "不能大于"),
    ({"unit": "nowhere"}, "未知的单位"), ({"limit": "0"}, "不能小于"),
])
def test_bad_filters_answer_400_in_chinese(filed: Any, api: Any, params: dict[str, str],
                                           words: str) -> None:
    response = api("archivist").get("/archive", **params)
    assert response.status_code == 400
    assert words in response.json()["error"]["detail"]


def test_detail_files_and_who_may_open_them(filed: Any, api: Any) -> None:
    entry = listing(api, "staff4")["entries"][0]
    detail = api("staff4").get(f"/archive/{entry['id']}").json()
    assert detail["metadata"]["题名"] == filed["document"]["title"]
    assert detail["metadata"]["档号"] == entry["archive_no"]
    # In the order of the standard's fields, whatever order the database keeps them in.
    assert list(detail["metadata"])[:4] == ["档号", "全宗号", "门类", "年度"]
    events = [step["detail"] for step in detail["log"]]
    assert events[0] == "发文" and "签收" in events and "办结" in events
    assert events[-1] == "归档" and events.count("归档") == 1
    url = detail["files"][0]["url"]
    download = api("staff4").client.get(url, headers=api("staff4").headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == "一、工作目标\n二、工作措施\n".encode()
    assert "attachment" in download["Content-Disposition"]
    # Someone of another unit: not found, for the entry and its file alike.
    assert api("staff5").get(f"/archive/{entry['id']}").status_code == 404
    assert api("staff5").client.get(url, headers=api("staff5").headers).status_code == 404
    assert api("staff4").get(f"/archive/{entry['id']}/files/7").status_code == 404
    assert api("staff4").get("/archive/99999999").status_code == 404


def test_the_log_of_a_received_copy_shows_only_its_units_steps(filed: Any, api: Any) -> None:
    entry = listing(api, "staff4")["entries"][0]
    log = api("staff4").get(f"/archive/{entry['id']}").json()["log"]
    # Sent, delivered to town1, signed and handled by town1, filed: nothing of town2's.
    assert [s["detail"] for s in log].count("签收") == 1
    assert [s["detail"] for s in log].count("办结") == 1
    assert all(s["actor"] != "钱七" for s in log)


def test_filing_an_outgoing_document_by_hand(sent: Any, api: Any, person: Any) -> None:
    document = sent()
    person("zfb_staff", "zfb", "staff")
    assert api("zfb_staff").post("/archive", {"document": document["id"]}).status_code == 403
    # A recipient sees the document but may not file the issuer's copy; a stranger cannot
    # even see it.
    assert api("staff4").post("/archive", {"document": document["id"]}).status_code == 403
    assert api("staff1").post("/archive", {"document": document["id"]}).status_code == 404
    assert api("staff5").post("/archive", {"document": 10**12}).status_code == 404
    bad = api("clerk").post("/archive", {"document": document["id"], "retention": "99y"})
    assert bad.status_code == 400
    response = api("clerk").post("/archive", {"document": document["id"],
                                              "retention": "permanent"})
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["archive_no"] == f"ZFB-WS·{YEAR}-Y-FW-0001" and entry["kind"] == "outgoing"
    assert entry["filed_by"] == api("clerk").user["id"]
    again = api("clerk").post("/archive", {"document": document["id"]})
    assert again.status_code == 409 and again.json()["error"]["detail"] == "该公文已归档"
    # The sweep does not file it a second time when the copies are settled later.
    for code, clerk in (("town1", "staff4"), ("town2", "staff5"), ("town3", "staff6")):
        handle(api, document, code, clerk)
    sweep()
    assert listing(api, "clerk", kind="outgoing")["total"] == 1


def test_the_feed_pages_in_filing_order_for_the_units_one_manages(filed: Any, api: Any,
                                                                 sent: Any) -> None:
    first = api("archivist").get("/archive/feed", limit=2).json()
    assert len(first["entries"]) == 2 and first["has_more"] is True
    rest = api("archivist").get("/archive/feed", since=first["next"]).json()
    assert len(rest["entries"]) == 1 and rest["has_more"] is False
    seqs = [e["seq"] for e in first["entries"] + rest["entries"]]
    assert seqs == sorted(seqs)
    assert all("metadata" in e and "log" in e for e in rest["entries"])
    # The outside system fetches the files through the entries' urls.
    entry = next(e for e in first["entries"] + rest["entries"] if e["files"])
    got = api("archivist").client.get(entry["files"][0]["url"], headers=api("archivist").headers)
    assert got.status_code == 200
    assert hashlib.sha256(b"".join(got.streaming_content)).hexdigest() == entry["files"][0]["sha256"]
    # Nothing new: the cursor stays where it is.
    idle = api("archivist").get("/archive/feed", since=rest["next"]).json()
    assert idle == {"entries": [], "next": rest["next"], "has_more": False}
    # Something filed later shows up after the cursor.
    document = sent(number=f"区府办〔{YEAR}〕30号")
    handle(api, document, "town3", "staff6")
    sweep()
    later = api("archivist").get("/archive/feed", since=rest["next"]).json()
    assert [e["unit"]["code"] for e in later["entries"]] == ["town3"]
    # A unit's clerk pulls its own unit only; a plain member pulls nothing.
    assert [e["unit"]["code"] for e in api("staff4").get("/archive/feed").json()["entries"]] == [
        "town1"]
    assert api("town1_staff").get("/archive/feed").json()["entries"] == []
    for since in ("-1", "abc"):
        response = api("archivist").get("/archive/feed", since=since)
        assert response.status_code == 400


def test_seed_demo_creates_the_archive_systems_account(demo: Any) -> None:
    archivist = demo["users"]["archivist"]
    assert archivist.has_perm("archive.view_all_archives")
    assert not demo["users"]["clerk"].has_perm("archive.view_all_archives")


def test_the_admin_lists_entries_and_changes_none(filed: Any, demo: Any, client: Any) -> None:
    from archive.models import ArchiveEntry

    client.force_login(demo["users"]["admin"])
    page = client.get("/admin/archive/archiveentry/")
    assert page.status_code == 200
    entry = ArchiveEntry.objects.filter(kind="incoming").first()
    assert entry is not None and entry.archive_no in page.content.decode()
    assert client.post(f"/admin/archive/archiveentry/{entry.id}/delete/",
                       {"post": "yes"}).status_code == 403
    assert ArchiveEntry.objects.filter(id=entry.id).exists()
