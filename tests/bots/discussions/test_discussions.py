"""Discussions (征求意见): cards to the asked units, replies by their clerks and leaders only
(a later one replaces, both kept), the to-do list, 催办, the owner's signed conclusion with
the thread, and nothing of it for anyone else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bots import jobs
from bots.discussions.models import AskedUnit, Discussion, Reply
from hub.chat.models import Message
from hub.seals.models import AuditEntry
from tests.bots.conftest import card_of, press

pytestmark = pytest.mark.django_db


def body(clock: Any, **overrides: Any) -> dict[str, Any]:
    data = {"title": "关于《河道管理办法（征求意见稿）》征求意见",
            "question": "请各乡镇对办法第三章提出修改意见。",
            "units": ["town1", "town2", "town3"],
            "deadline": (clock.now() + timedelta(days=3)).isoformat()}
    data.update(overrides)
    return data


@pytest.fixture
def opened(api: Any, clock: Any) -> dict[str, Any]:
    response = api("clerk").post("/discussions", body(clock))
    assert response.status_code == 201, response.content
    return response.json()


def todo_kinds(client: Any) -> dict[str, int]:
    return client.get("/todo").json()["counts"]


def test_open_puts_a_card_in_each_asked_units_room_and_waits_on_their_clerks(
        opened: dict[str, Any], api: Any, demo: Any) -> None:
    assert opened["state"] == "open"
    assert [u["unit"]["code"] for u in opened["units"]] == ["town1", "town2", "town3"]
    assert opened["totals"] == {"asked": 3, "replied": 0, "pending": 3}
    for code, clerk in (("town1", "staff4"), ("town2", "staff5"), ("town3", "staff6")):
        asked = AskedUnit.objects.get(discussion_id=opened["id"], unit__code=code)
        assert asked.message.room_id == demo["rooms"][code].id
        assert asked.message.topic == "征求意见：" + opened["title"][:55]
        card = card_of(api(clerk), asked.message_id)
        assert (card["card_type"], card["state"]) == ("discussion", "open")
        assert [a["action"] for a in card["actions"]] == ["reply"]
        assert todo_kinds(api(clerk)).get("discussion_reply") == 1
        item = next(i for i in api(clerk).get("/todo").json()["items"]
                    if i["kind"] == "discussion_reply")
        assert (item["ref"], item["message"]) == (opened["id"], asked.message_id)
    tracking = card_of(api("clerk"), opened["thread"])
    assert tracking["card_type"] == "discussion_tracking"
    assert {a["action"] for a in tracking["actions"]} == {"remind", "close"}
    assert AuditEntry.objects.filter(event="discussion.opened").count() == 1


def test_staff_may_not_open_and_bad_input_stores_nothing(api: Any, clock: Any,
                                                          person: Any) -> None:
    person("t1s", "town1", "staff")
    assert api("t1s").post("/discussions", body(clock)).status_code == 403
    bad = [body(clock, units=[]), body(clock, units=["nowhere"]), body(clock, title=" "),
           body(clock, question=""), body(clock, deadline=(clock.now() - timedelta(hours=1))
                                          .isoformat()), body(clock, deadline="明天")]
    for data in bad:
        response = api("clerk").post("/discussions", data)
        assert response.status_code == 400, (data, response.content)
        assert response.json()["error"]["code"] == "bad_request"
    assert Discussion.objects.count() == 0
    assert not Message.objects.filter(sender__username="zhengqiu").exists()


def test_replies_by_clerks_replace_earlier_ones_and_keep_the_log(
        opened: dict[str, Any], api: Any, clock: Any) -> None:
    did = opened["id"]
    first = api("staff4").post(f"/discussions/{did}/replies", {"body": "建议删除第十条。"})
    assert first.status_code == 201, first.content
    assert todo_kinds(api("staff4")).get("discussion_reply", 0) == 0
    clock.advance(minutes=5)
    second = api("staff4").post(f"/discussions/{did}/replies", {"body": "建议修改第十条。"})
    mine = second.json()
    # An asked unit's clerk sees their own unit only, with both replies in the log.
    assert [u["unit"]["code"] for u in mine["units"]] == ["town1"]
    assert mine["units"][0]["reply"] == "建议修改第十条。"
    assert mine["units"][0]["by"]["username"] == "staff4"
    assert [r["body"] for r in mine["log"]] == ["建议删除第十条。", "建议修改第十条。"]
    assert Reply.objects.filter(discussion_id=did).count() == 2
    owner = api("clerk").get(f"/discussions/{did}").json()
    assert owner["totals"] == {"asked": 3, "replied": 1, "pending": 2}
    # Each reply is in the owner's thread.
    thread = api("clerk").get(f"/messages/{opened['thread']}/thread").json()
    town1 = AskedUnit.objects.get(discussion_id=did, unit__code="town1").unit.name
    assert [m["body"].split("：")[0] for m in thread["replies"]] == [
        f"【{town1}】赵六回复意见", f"【{town1}】赵六修改意见"]


def test_who_may_reply_and_who_may_see(opened: dict[str, Any], api: Any, person: Any) -> None:
    did = opened["id"]
    person("t1s", "town1", "staff")
    # A member of an asked unit sees it but does not reply for the unit.
    assert api("t1s").get(f"/discussions/{did}").status_code == 200
    assert api("t1s").post(f"/discussions/{did}/replies", {"body": "我的意见"}).status_code == 403
    # Someone of another unit learns nothing of it.
    for client in (api("staff2"), api("staff3")):
        assert client.get(f"/discussions/{did}").status_code == 404
        assert client.post(f"/discussions/{did}/replies", {"body": "x"}).status_code == 404
        assert client.get("/discussions").json()["total"] == 0
    # The owning unit's leader sees everything, but only the owner closes and reminds.
    leader = api("leader").get(f"/discussions/{did}").json()
    assert len(leader["units"]) == 3 and leader["viewer"]["manager"] is True
    assert api("leader").post(f"/discussions/{did}/close", {"conclusion": "x"}).status_code == 403
    assert api("staff4").post(f"/discussions/{did}/remind").status_code == 403
    assert api("staff4").get("/discussions", box="asked").json()["items"][0]["waiting_for_me"]


def test_reply_from_the_card(opened: dict[str, Any], api: Any) -> None:
    asked = AskedUnit.objects.get(discussion_id=opened["id"], unit__code="town2")
    response = press(api("staff5"), asked.message_id, "reply", comment="同意。")
    assert response.status_code == 200, response.content
    card = response.json()["card"]
    assert card["state"] == "replied"
    assert [a["label"] for a in card["actions"]] == ["修改回复"]
    # Someone of another asked unit cannot see town2's card at all.
    assert press(api("staff4"), asked.message_id, "reply", comment="x").status_code == 404


def test_done_when_three_asked_two_reply_the_owner_closes_with_a_signed_conclusion(
        opened: dict[str, Any], api: Any) -> None:
    did = opened["id"]
    api("staff4").post(f"/discussions/{did}/replies", {"body": "同意。"})
    api("staff5").post(f"/discussions/{did}/replies", {"body": "建议延后实施。"})
    assert todo_kinds(api("staff6")).get("discussion_reply") == 1
    closed = api("clerk").post(f"/discussions/{did}/close",
                               {"conclusion": "采纳河西镇意见，延后至明年实施。"})
    assert closed.status_code == 200, closed.content
    result = closed.json()
    assert result["state"] == "closed"
    assert result["conclusion"] == "采纳河西镇意见，延后至明年实施。"
    assert result["signature"]["valid"] is True and result["signature"]["signer"] == "clerk"
    assert [u["replied"] for u in result["units"]] == [True, True, False]
    # The pending unit's to-do is gone; a reply or a second close now answers 409.
    assert todo_kinds(api("staff6")).get("discussion_reply", 0) == 0
    late = api("staff6").post(f"/discussions/{did}/replies", {"body": "迟到的意见"})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "conflict")
    assert api("clerk").post(f"/discussions/{did}/close", {"conclusion": "再次"}).status_code == 409
    # The conclusion ends the owner's thread; the unit cards lose their buttons.
    thread = api("clerk").get(f"/messages/{opened['thread']}/thread").json()
    assert thread["replies"][-1]["body"].startswith("【结论】")
    asked = AskedUnit.objects.get(discussion_id=did, unit__code="town3")
    card = card_of(api("staff6"), asked.message_id)
    assert (card["state"], card["actions"]) == ("closed", [])
    # Changing a reply behind the signature's back is caught.
    AskedUnit.objects.filter(discussion_id=did, unit__code="town1").update(reply="改动")
    assert api("clerk").get(f"/discussions/{did}").json()["signature"]["valid"] is False


def test_remind_goes_to_the_units_that_have_not_replied_once_per_ten_minutes(
        opened: dict[str, Any], api: Any, clock: Any, demo: Any) -> None:
    did = opened["id"]
    api("staff4").post(f"/discussions/{did}/replies", {"body": "同意。"})
    response = api("clerk").post(f"/discussions/{did}/remind")
    assert response.json() == {"reminded": 2}
    reminders = Message.objects.filter(sender__username="zhengqiu", body__startswith="【催办】")
    assert sorted(m.room_id for m in reminders) == sorted(
        [demo["rooms"]["town2"].id, demo["rooms"]["town3"].id])
    again = api("clerk").post(f"/discussions/{did}/remind")
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    clock.advance(minutes=11)
    assert api("clerk").post(f"/discussions/{did}/remind").json() == {"reminded": 2}


def test_the_bot_reminds_the_units_that_have_not_replied_a_day_before_the_deadline(
        api: Any, clock: Any, demo: Any) -> None:
    did = api("clerk").post("/discussions", body(clock)).json()["id"]  # deadline in 3 days
    deadline = Discussion.objects.get(id=did).deadline
    api("staff4").post(f"/discussions/{did}/replies", {"body": "同意。"})  # town1
    clock.current = deadline - timedelta(days=1, minutes=1)
    assert jobs.run_due() == 0
    clock.current = deadline - timedelta(days=1) + timedelta(minutes=1)
    assert jobs.run_due() == 1
    sent = list(Message.objects.filter(sender__username="zhengqiu", body__startswith="【催办】")
                .order_by("room_id"))
    assert [m.room_id for m in sent] == sorted([demo["rooms"]["town2"].id,
                                                demo["rooms"]["town3"].id])
    assert "@staff5" in sent[0].body and "@staff6" in sent[1].body
    cards = dict(AskedUnit.objects.filter(discussion_id=did).values_list("unit__code", "message"))
    assert {m.thread_id for m in sent} == {cards["town2"], cards["town3"]}
    entry = AuditEntry.objects.get(event="discussion.reminded")
    assert sorted(entry.data["units"]) == ["town2", "town3"] and entry.actor_id is None
    opened = api("clerk").get(f"/discussions/{did}").json()
    assert opened["reminders"] == 1
    # Once only, and the owner may still remind by hand.
    clock.advance(hours=12)
    assert jobs.run_due() == 0
    assert api("clerk").post(f"/discussions/{did}/remind").json() == {"reminded": 2}


def test_a_closed_or_answered_discussion_is_not_reminded_and_short_deadlines_come_half_way(
        api: Any, clock: Any) -> None:
    start = clock.now()
    closed = api("clerk").post("/discussions", body(clock)).json()["id"]
    api("clerk").post(f"/discussions/{closed}/close", {"conclusion": "不再征求。"})
    answered = api("clerk").post("/discussions", body(clock, units=["town1"])).json()["id"]
    api("staff4").post(f"/discussions/{answered}/replies", {"body": "无意见。"})
    soon = api("clerk").post("/discussions", body(
        clock, units=["town2"], deadline=(start + timedelta(hours=6)).isoformat())).json()["id"]
    api("clerk").post("/discussions", body(
        clock, units=["town3"], deadline=(start + timedelta(hours=1)).isoformat()))
    assert jobs.run_due(now=start + timedelta(hours=2, minutes=59)) == 0
    clock.current = start + timedelta(hours=3)
    assert jobs.run_due() == 1  # the six-hour one, half-way; the one-hour one has none
    assert api("clerk").get(f"/discussions/{soon}").json()["reminders"] == 1
    clock.current = start + timedelta(days=3)
    assert jobs.run_due() == 2  # the closed and the answered one: nothing to say
    assert [m.room.unit.code for m in Message.objects.filter(
        sender__username="zhengqiu", body__startswith="【催办】")] == ["town2"]
    for did in (closed, answered):
        assert api("clerk").get(f"/discussions/{did}").json()["reminders"] == 0
    assert not AuditEntry.objects.filter(event="discussion.reminded",
                                         data__units__contains=["town1"]).exists()


def test_a_closed_discussion_is_filed_with_its_thread_and_checked_signature(
        opened: dict[str, Any], api: Any) -> None:
    from archive.filing import file_pending
    from archive.models import ArchiveEntry

    did = opened["id"]
    api("staff4").post(f"/discussions/{did}/replies", {"body": "同意。"})
    assert file_pending() == 0  # open: nothing to file yet
    api("clerk").post(f"/discussions/{did}/close", {"conclusion": "按原稿执行。"})
    assert file_pending() == 1
    entry = ArchiveEntry.objects.get(object_type="discussion", object_id=did)
    shown = api("clerk").get(f"/archive/{entry.id}").json()
    assert shown["title"] == opened["title"]
    meta = shown["metadata"]
    assert meta["结论"] == "按原稿执行。"
    assert [r["是否回复"] for r in meta["各单位意见"]] == ["已回复", "未回复", "未回复"]
    assert len(meta["会话记录"]) == 2 and "同意。" in meta["会话记录"][0]["内容"]
    assert meta["会话记录"][-1]["内容"].startswith("【结论】")
    assert shown["verified"] is True
    # An asked unit's clerk does not see the owning unit's archive entry.
    assert api("staff4").get(f"/archive/{entry.id}").status_code == 404
    assert file_pending() == 0  # filed once
