"""The electronic bulletin, step by step: 约稿 to units with the clerks' to-do, 投稿 with a
picture, 采用 with edits and 不采用 with a reason (once), an issue of adopted items, 签发
signed with the leader's key, 印发 with a number, seal, PDF and a card to every unit, reads
by unit and person, 催阅, 批示 as a follow-up, the monthly counts and the back issues."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bots.bulletins import followups, services
from bots.bulletins.models import CallUnit, Issue, IssueUnit, Item
from hub.chat.models import Message
from hub.seals.models import AuditEntry
from tests.bots.bulletins.conftest import PNG, item_body
from tests.bots.conftest import card_of, press

pytestmark = pytest.mark.django_db


def kinds(api: Any, user: str) -> dict[str, int]:
    return api(user).get("/todo").json()["counts"]


def test_the_demo_has_the_government_offices_bulletin(api: Any) -> None:
    listed = {p["code"]: p for p in api("staff1").get("/bulletins").json()}
    assert listed["zwxx"]["name"] == "政务信息" and listed["zwxx"]["editors"] == ["clerk"]
    assert listed["zwxx"]["unit"]["code"] == "zfb"
    assert api("clerk").get("/bulletins").json()[0]["is_editor"] is True


def test_a_call_asks_units_and_waits_on_their_clerks_until_they_submit(
        api: Any, call: dict[str, Any], demo: Any) -> None:
    assert [u["unit"]["code"] for u in call["units"]] == ["town1", "town2"]
    town1 = CallUnit.objects.get(call_id=call["id"], unit__code="town1")
    assert town1.message.room_id == demo["rooms"]["town1"].id
    assert card_of(api("staff4"), town1.message_id)["state"] == "open"
    assert kinds(api, "staff4")["bulletin_submit"] == 1
    assert kinds(api, "staff6")["bulletin_submit"] == 0  # town3 was not asked
    picture = api("staff4").upload("检查现场.png", PNG).json()
    item = api("staff4").post("/bulletins/zwxx/items", item_body(
        "城关镇扎实开展冬季安全生产大检查", call=call["id"], attachments=[picture["id"]]))
    assert item.status_code == 201, item.content
    body = item.json()
    assert (body["state"], body["unit"]["code"]) == ("submitted", "town1")
    assert body["files"][0]["picture"] is True
    got = api("clerk").client.get(body["files"][0]["url"], headers=api("clerk").headers)
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert kinds(api, "staff4")["bulletin_submit"] == 0
    assert kinds(api, "staff5")["bulletin_submit"] == 1
    assert card_of(api("staff4"), town1.message_id)["state"] == "submitted"
    # The editor got a card to decide on.
    review = Message.objects.filter(card__card_type="bulletin_item", card__ref=body["id"]).get()
    assert [a["action"] for a in card_of(api("clerk"), review.id)["actions"]] == ["adopt", "decline"]
    # A unit not asked cannot answer the call, but may submit on its own.
    assert api("staff6").post("/bulletins/zwxx/items", item_body(
        "东山乡信息", call=call["id"])).status_code == 400
    assert api("staff6").post("/bulletins/zwxx/items", item_body("东山乡信息")).status_code == 201
    detail = api("clerk").get(f"/bulletins/calls/{call['id']}").json()
    assert [(u["unit"]["code"], u["submitted"], u["items"]) for u in detail["units"]] == [
        ("town1", True, 1), ("town2", False, 0)]
    assert api("staff6").get(f"/bulletins/calls/{call['id']}").status_code == 404


def test_editors_adopt_with_edits_or_decline_with_a_reason_once(
        api: Any, call: dict[str, Any]) -> None:
    item = api("staff4").post("/bulletins/zwxx/items", item_body("原标题", call=call["id"])).json()
    other = api("staff5").post("/bulletins/zwxx/items", item_body("河西镇信息")).json()
    assert api("staff4").post(f"/bulletins/items/{item['id']}/decide",
                              {"action": "adopt"}).status_code == 403
    adopted = api("clerk").post(f"/bulletins/items/{item['id']}/decide", {
        "action": "adopt", "title": "城关镇扎实开展冬季安全生产大检查", "comment": "已精简"})
    assert adopted.status_code == 200
    assert adopted.json()["title"] == "城关镇扎实开展冬季安全生产大检查"
    assert adopted.json()["original"]["title"] == "原标题"
    again = api("clerk").post(f"/bulletins/items/{item['id']}/decide", {"action": "decline",
                                                                        "comment": "改主意"})
    assert again.status_code == 409 and "已采用" in again.json()["error"]["detail"]
    assert Item.objects.get(id=item["id"]).state == "adopted"
    no_reason = api("clerk").post(f"/bulletins/items/{other['id']}/decide", {"action": "decline"})
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["error"]["detail"]
    review = Message.objects.filter(card__card_type="bulletin_item", card__ref=other["id"]).get()
    declined = press(api("clerk"), review.id, "decline", comment="与本期主题不符")
    assert declined.status_code == 200 and declined.json()["card"]["state"] == "declined"
    told = Message.objects.filter(room__kind="direct", room__members__user__username="staff5",
                                  sender__username="kanwu", kind="text").last()
    assert told is not None and "未被采用" in told.body and "与本期主题不符" in told.body
    assert AuditEntry.objects.filter(event="bulletin.item_declined").count() == 1


def test_an_issue_is_signed_off_by_the_leader_then_published_numbered_sealed_and_delivered(
        api: Any, adopted: list[dict[str, Any]], demo: Any, clock: Any) -> None:
    bad = api("clerk").post("/bulletins/zwxx/issues", {"items": [adopted[0]["id"]],
                                                       "signer": "staff1"})
    assert bad.status_code == 400 and "签发人须是区政府办公室的领导" in bad.json()["error"]["detail"]
    issue = api("clerk").post("/bulletins/zwxx/issues", {
        "items": [i["id"] for i in adopted], "signer": "leader", "title": "冬季安全生产专刊"})
    assert issue.status_code == 201, issue.content
    body = issue.json()
    assert body["state"] == "awaiting_signoff" and body["number"] is None
    twice = api("clerk").post("/bulletins/zwxx/issues", {"items": [adopted[0]["id"]],
                                                         "signer": "leader"})
    assert twice.status_code == 409  # an item is in one issue
    early = api("clerk").post(f"/bulletins/issues/{body['id']}/publish")
    assert early.status_code == 409 and "签发" in early.json()["error"]["detail"]
    assert Issue.objects.get(id=body["id"]).number is None
    assert kinds(api, "leader")["bulletin_review"] == 1
    # The leader signs off from the card.
    assert api("clerk").post(f"/bulletins/issues/{body['id']}/decide",
                             {"action": "sign_off"}).status_code == 403
    signer_card = body["signer_message"] or Issue.objects.get(id=body["id"]).signer_message_id
    pressed = press(api("leader"), signer_card, "sign_off", comment="同意印发")
    assert pressed.status_code == 200 and pressed.json()["card"]["state"] == "signed_off"
    assert kinds(api, "leader")["bulletin_review"] == 0
    second = api("leader").post(f"/bulletins/issues/{body['id']}/decide", {"action": "return",
                                                                          "comment": "再看看"})
    assert second.status_code == 409
    signed = api("clerk").get(f"/bulletins/issues/{body['id']}").json()
    assert signed["chain"][0]["decision"] == "sign_off" and signed["chain"][0]["signature_valid"]
    published = api("clerk").post(f"/bulletins/issues/{body['id']}/publish")
    assert published.status_code == 200, published.content
    issue = published.json()
    year = timezone.localtime(clock.now()).year
    assert (issue["state"], issue["year"], issue["number"], issue["total_number"]) == (
        "published", year, 1, 1)
    assert issue["label"] == f"《政务信息》{year}年第1期（总第1期）"
    assert issue["masthead"]["issue"] == f"{year}年第1期"
    # Every unit (the default audience) has the card in its room.
    units = IssueUnit.objects.filter(issue_id=issue["id"])
    assert units.count() == 7
    town3 = units.get(unit__code="town3")
    assert town3.message.room_id == demo["rooms"]["town3"].id
    assert card_of(api("staff6"), town3.message_id)["card_type"] == "bulletin"
    assert api("clerk").post(f"/bulletins/issues/{issue['id']}/publish").status_code == 409
    verified = api("staff6").get(f"/bulletins/issues/{issue['id']}/verify").json()
    assert verified["valid"] is True and verified["seal"]["unit"] == "zfb"
    pdf = api("staff6").get(f"/bulletins/issues/{issue['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(
        pdf.streaming_content))).pages)
    assert "政务信息" in text and f"{year}年第1期" in text and "城关镇扎实开展冬季安全生产大检查" in text


def test_a_returned_issue_is_changed_and_signed_off_in_a_second_round(
        api: Any, adopted: list[dict[str, Any]]) -> None:
    issue = api("clerk").post("/bulletins/zwxx/issues", {"items": [adopted[0]["id"]],
                                                         "signer": "leader"}).json()
    no_reason = api("leader").post(f"/bulletins/issues/{issue['id']}/decide",
                                   {"action": "return"})
    assert no_reason.status_code == 400
    assert api("leader").post(f"/bulletins/issues/{issue['id']}/decide", {
        "action": "return", "comment": "请补充河西镇的稿件"}).json()["state"] == "returned"
    again = api("clerk").post(f"/bulletins/issues/{issue['id']}/resubmit",
                              {"items": [i["id"] for i in adopted]})
    assert again.status_code == 200 and again.json()["round"] == 2
    assert len(again.json()["items"]) == 2
    signed = api("leader").post(f"/bulletins/issues/{issue['id']}/decide", {"action": "sign_off"})
    assert [c["decision"] for c in signed.json()["chain"]] == ["return", "sign_off"]


def test_reads_by_unit_and_person_and_reminders_of_the_rest(
        api: Any, published: dict[str, Any], clock: Any) -> None:
    issue_id = published["id"]
    assert api("staff6").post(f"/bulletins/issues/{issue_id}/read").json()["read"] is True
    town3_card = IssueUnit.objects.get(issue_id=issue_id, unit__code="town3").message_id
    assert press(api("staff6"), town3_card, "read").status_code == 200  # once per person
    mine = api("staff6").get(f"/bulletins/issues/{issue_id}").json()
    assert [u["unit"]["code"] for u in mine["units"]] == ["town3"]
    assert mine["units"][0]["read"] is True
    assert [r["user"]["username"] for r in mine["units"][0]["readers"]] == ["staff6"]
    assert mine["mine"]["read"] is True
    full = api("clerk").get(f"/bulletins/issues/{issue_id}").json()
    assert len(full["units"]) == 7 and sum(u["read"] for u in full["units"]) == 1
    assert services.refresh_reads() == 1
    tracking = card_of(api("clerk"), full["tracking_message"])
    assert tracking["totals"] == {"units": 7, "units_read": 1, "readers": 1}
    assert [a["action"] for a in tracking["actions"]] == ["remind"]
    reminded = api("clerk").post(f"/bulletins/issues/{issue_id}/remind")
    assert reminded.json() == {"reminded": 6}
    assert Message.objects.filter(room__unit__code="town1", body__startswith="【催阅】").count() == 1
    assert not Message.objects.filter(room__unit__code="town3", body__startswith="【催阅】").exists()
    too_soon = api("clerk").post(f"/bulletins/issues/{issue_id}/remind")
    assert too_soon.status_code == 429 and int(too_soon["Retry-After"]) == 600
    assert api("staff6").post(f"/bulletins/issues/{issue_id}/remind").status_code == 403


def test_a_leaders_instruction_names_units_and_a_deadline_and_is_followed_up(
        api: Any, published: dict[str, Any], clock: Any, demo: Any) -> None:
    seen: list[followups.FollowUp] = []
    followups.register(seen.append)
    try:
        item = published["items"][0]
        deadline = (clock.now() + timedelta(days=10)).date().isoformat()
        refused = api("staff6").post(f"/bulletins/items/{item['id']}/instructions", {
            "comment": "请各乡镇学习借鉴", "units": ["town2", "town3"], "deadline": deadline})
        assert refused.status_code == 403
        made = api("leader").post(f"/bulletins/items/{item['id']}/instructions", {
            "comment": "请各乡镇学习借鉴", "units": ["town2", "town3"], "deadline": deadline})
        assert made.status_code == 201, made.content
        assert [u["code"] for u in made.json()["units"]] == ["town2", "town3"]
        assert len(seen) == 1 and seen[0].source == {"bulletin_item": item["id"]}
        assert [u.code for u in seen[0].units] == ["town2", "town3"]
        told = Message.objects.get(room=demo["rooms"]["town3"], body__startswith="【领导批示】")
        assert "请各乡镇学习借鉴" in told.body
        shown = api("staff4").get(f"/bulletins/items/{item['id']}").json()
        assert shown["instructions"][0]["comment"] == "请各乡镇学习借鉴"
        assert api("leader").post(f"/bulletins/items/{item['id']}/instructions", {
            "comment": "x", "units": ["nowhere"], "deadline": deadline}).status_code == 400
    finally:
        followups.unregister(seen.append)


def test_monthly_counts_per_unit_and_back_issues(api: Any, published: dict[str, Any],
                                                 clock: Any) -> None:
    api("staff6").post("/bulletins/zwxx/items", item_body("东山乡信息"))
    month = timezone.localtime(clock.now()).strftime("%Y-%m")
    stats = api("clerk").get("/bulletins/zwxx/stats", month=month).json()
    rows = {r["unit"]["code"]: r for r in stats["months"][0]["units"]}
    assert rows["town1"] == {"unit": rows["town1"]["unit"], "submitted": 1, "adopted": 1,
                             "declined": 0, "published": 1}
    assert rows["town3"]["submitted"] == 1 and rows["town3"]["adopted"] == 0
    assert stats["months"][0]["totals"]["submitted"] == 3
    # A township's clerk sees its own row only.
    own = api("staff6").get("/bulletins/zwxx/stats", month=month).json()
    assert [r["unit"]["code"] for r in own["months"][0]["units"]] == ["town3"]
    year = timezone.localtime(clock.now()).year
    assert len(api("clerk").get("/bulletins/zwxx/stats", year=str(year)).json()["months"]) == 12
    back = api("staff6").get("/bulletins/zwxx/issues", year=str(year)).json()
    assert back["years"] == [{"year": year, "count": 1}]
    assert [i["number"] for i in back["results"]] == [1]
    assert api("staff6").get("/bulletins/zwxx/issues", year="2001").json()["total"] == 0


def test_items_are_found_by_search_only_where_the_issue_went(
        api: Any, adopted: list[dict[str, Any]], settings: Any, tmp_path: Any,
        person: Any) -> None:
    from hub.core.models import IndexQueue
    from search import indexer

    settings.HUITONG_INDEX_DIR = tmp_path / "index"
    issue = api("clerk").post("/bulletins/zwxx/issues", {
        "items": [adopted[0]["id"]], "signer": "leader", "audience": ["town1", "town2"]}).json()
    api("leader").post(f"/bulletins/issues/{issue['id']}/decide", {"action": "sign_off"})
    api("clerk").post(f"/bulletins/issues/{issue['id']}/publish")
    for _ in range(20):
        indexer.drain()
        if not IndexQueue.objects.exists():
            break
    person("t2reader", "town2", "staff", "河西镇干部")
    # Published to town2: its people find it; the other item, not in an issue, they do not.
    hits = api("t2reader").get("/search", q="type:刊物 大检查").json()
    assert [r["id"] for r in hits["results"]] == [adopted[0]["id"]]
    assert hits["results"][0]["type"] == "bulletin_item"
    assert api("staff6").get("/search", q="大检查").json()["total"] == 0


def test_a_published_issue_is_filed_in_the_publishing_units_archive(
        api: Any, published: dict[str, Any]) -> None:
    from archive.filing import file_pending
    from archive.models import ArchiveEntry

    file_pending()
    entry = ArchiveEntry.objects.get(object_type="bulletin_issue", object_id=published["id"])
    assert entry.unit.code == "zfb" and entry.verified
    assert "-KW-" in entry.archive_no
    shown = api("clerk").get(f"/archive/{entry.id}").json()
    assert shown["metadata"]["刊名"] == "《政务信息》"
    assert shown["files"][0]["name"].endswith(".pdf")
