"""Meeting notices: cards to units and people, answers from a unit (naming who attends) and
from people (attend, decline with a reason, delegate), the live roster, CSV and iCalendar
exports, changes and cancellation reaching every invitee, and the errors."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.utils import timezone

from bots.meetings.models import Invitee, Meeting
from hub.chat.models import Message
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.bots.conftest import card_of, press, run_commands
from tests.bots.meetings.conftest import entry, meeting_body

pytestmark = pytest.mark.django_db


def from_bot(username: str | None = None, room: int | None = None) -> list[str]:
    """Texts the meeting bot sent into a room, or directly to a person."""
    qs = Message.objects.filter(sender__username="huiyi", kind="text")
    if room is not None:
        qs = qs.filter(room_id=room)
    if username is not None:
        qs = qs.filter(room__kind="direct", room__members__user__username=username)
    return list(qs.order_by("id").values_list("body", flat=True))


@pytest.fixture
def notice(demo: Any, api: Any, clock: Any, person: Any) -> dict[str, Any]:
    person("town1_deputy", "town1", "staff", "刘副镇长")
    start = clock.now() + timedelta(days=7)
    response = api("clerk").post("/meetings", meeting_body(start))
    assert response.status_code == 201, response.content
    return response.json()


def test_cards_reach_units_and_people_and_the_roster_follows_every_answer(
        notice: dict[str, Any], demo: Any, api: Any) -> None:
    # A card in each township's room, one to each invited person, the roster to the organiser.
    assert [e["name"] for e in notice["invitees"]] == [
        "城关镇人民政府", "河西镇人民政府", "东山乡人民政府", "李四", "王五"]
    town1 = entry(notice, "town1")
    message = Message.objects.get(id=town1["message"])
    assert message.room_id == demo["rooms"]["town1"].id and message.sender.username == "huiyi"
    clerk_view = card_of(api("staff4"), town1["message"])
    assert (clerk_view["card_type"], clerk_view["view"], clerk_view["state"]) == (
        "meeting", "unit", "pending")
    assert [(a["action"], a.get("param"), a.get("comment")) for a in clerk_view["actions"]] == [
        ("attend", "attendees", None), ("decline", None, "required")]
    assert card_of(api("town1_deputy"), town1["message"])["actions"] == []  # plain staff
    staff2_card = card_of(api("staff2"), entry(notice, "staff2")["message"])
    assert [a["action"] for a in staff2_card["actions"]] == ["attend", "decline", "delegate"]

    # town1 attends, naming who goes; town2 asks leave with a reason; staff2 attends;
    # staff3 sends staff6 in their place.
    answered = press(api("staff4"), town1["message"], "attend", attendees="town1_deputy，staff4")
    assert answered.status_code == 200, answered.content
    assert answered.json()["card"]["attendees"] == ["赵六", "刘副镇长"]
    assert press(api("staff5"), entry(notice, "town2")["message"], "decline",
                 comment="同日召开镇党委会").status_code == 200
    assert press(api("staff2"), entry(notice, "staff2")["message"], "attend").status_code == 200
    delegated = press(api("staff3"), entry(notice, "staff3")["message"], "delegate",
                      delegate="staff6")
    assert delegated.json()["card"]["state"] == "delegated"
    delegate_card = Message.objects.filter(sender__username="huiyi", room__kind="direct",
                                           room__members__user__username="staff6",
                                           kind="card").get()
    assert delegate_card.card["view"] == "delegate" and delegate_card.card["actions"] == []

    # Pressing the same answer again changes nothing more.
    before = AuditEntry.objects.count()
    again = press(api("staff2"), entry(notice, "staff2")["message"], "attend")
    assert again.status_code == 200 and AuditEntry.objects.count() == before

    roster = api("clerk").get(f"/meetings/{notice['id']}/roster").json()
    assert roster["totals"] == {"invited": 5, "attending": 2, "declined": 1, "delegated": 1,
                                "pending": 1, "people": 4}
    assert [e["name"] for e in roster["pending"]] == ["东山乡人民政府"]
    assert [(e["name"], e["reason"]) for e in roster["excused"]] == [
        ("河西镇人民政府", "同日召开镇党委会")]
    card = Message.objects.get(id=notice["roster_message"]).card
    assert card["card_type"] == "meeting_roster" and card["totals"] == roster["totals"]
    fields = {f["label"]: f["value"] for f in card["fields"]}
    assert fields["请假名单"] == "河西镇人民政府：请假：同日召开镇党委会"
    assert "刘副镇长" in fields["参加名单"] and fields["未回复名单"] == "东山乡"

    # An invited unit sees its own entry only; the organiser's unit sees all of them.
    town2_view = api("staff5").get(f"/meetings/{notice['id']}").json()
    assert [e["name"] for e in town2_view["invitees"]] == ["河西镇人民政府"]
    assert town2_view["roster"]["totals"] is None
    assert api("staff5").get(f"/meetings/{notice['id']}/roster").status_code == 403
    assert api("staff1").get(f"/meetings/{notice['id']}").status_code == 404

    # The roster as CSV, for a spreadsheet.
    exported = api("clerk").get(f"/meetings/{notice['id']}/roster.csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "类型", "单位或人员", "回复"]
    by_name = {row[2]: row for row in rows[1:]}
    assert by_name["城关镇人民政府"][4] == "赵六、刘副镇长"
    assert by_name["河西镇人民政府"][5] == "同日召开镇党委会"
    assert by_name["王五"][3:7] == ["代参", "孙八", "", "孙八"]
    count, problems = audit.verify_chain()
    assert problems == [] and count >= 5


def test_the_notice_as_icalendar_parses(notice: dict[str, Any], api: Any) -> None:
    response = api("staff4").get(f"/meetings/{notice['id']}/calendar.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    meeting = Meeting.objects.get(id=notice["id"])
    assert str(event["SUMMARY"]) == "全区冬季安全生产工作会议"
    assert str(event["LOCATION"]) == "区政府三楼第一会议室"
    assert event.decoded("DTSTART") == meeting.start and event.decoded("DTEND") == meeting.end
    assert "二、部署冬季安全生产工作，明确责任分工。" in str(event["DESCRIPTION"])
    assert str(event["UID"]).startswith(f"meeting-{meeting.id}@")
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0
    alarm = list(event.walk("VALARM"))[0]
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=60)


def test_a_change_and_a_cancellation_reach_every_card_and_every_invitee(
        notice: dict[str, Any], demo: Any, api: Any) -> None:
    changed = api("clerk").patch(f"/meetings/{notice['id']}", {"location": "区行政中心大会议室",
                                                               "note": "因场地调整"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2
    for invitee in Invitee.objects.filter(meeting_id=notice["id"]):
        card = Message.objects.get(id=invitee.message_id).card
        assert card["location"] == "区行政中心大会议室" and card["version"] == 2
    for code in ("town1", "town2", "town3"):
        assert any("【会议变更】" in text and "区行政中心大会议室" in text
                   for text in from_bot(room=demo["rooms"][code].id))
    for username in ("staff2", "staff3"):
        assert any("【会议变更】" in text for text in from_bot(username))
    calendar = icalendar.Calendar.from_ical(
        api("clerk").get(f"/meetings/{notice['id']}/calendar.ics").content)
    assert int(list(calendar.walk("VEVENT"))[0]["SEQUENCE"]) == 1

    # Only the organising side may change or cancel it.
    assert api("staff4").post(f"/meetings/{notice['id']}/cancel",
                              {"reason": "x"}).status_code == 403
    assert api("clerk").post(f"/meetings/{notice['id']}/cancel", {}).status_code == 400
    cancelled = api("clerk").post(f"/meetings/{notice['id']}/cancel", {"reason": "上级会议改期"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    for invitee in Invitee.objects.filter(meeting_id=notice["id"]):
        card = Message.objects.get(id=invitee.message_id).card
        assert card["state"] == "cancelled" and card["actions"] == []
    assert any("【会议取消】" in t and "上级会议改期" in t for t in from_bot("staff3"))
    assert any("【会议取消】" in t for t in from_bot(room=demo["rooms"]["town3"].id))
    response = press(api("staff4"), entry(notice, "town1")["message"], "attend")
    assert response.status_code == 409 and "已取消" in response.json()["error"]["detail"]
    calendar = icalendar.Calendar.from_ical(
        api("clerk").get(f"/meetings/{notice['id']}/calendar.ics").content)
    assert str(list(calendar.walk("VEVENT"))[0]["STATUS"]) == "CANCELLED"


def test_bad_input_is_refused_and_nothing_changes(notice: dict[str, Any], api: Any,
                                                  clock: Any, demo: Any) -> None:
    start = clock.now() + timedelta(days=3)
    meetings = Meeting.objects.count()
    ends_first = api("clerk").post("/meetings", meeting_body(
        start, end=(start - timedelta(hours=1)).isoformat()))
    assert ends_first.status_code == 400
    assert "结束时间必须晚于开始时间" in ends_first.json()["error"]["detail"]
    unknown = api("clerk").post("/meetings", meeting_body(start, invitees=["town1", "nobody"]))
    assert unknown.status_code == 400 and "nobody" in unknown.json()["error"]["detail"]
    assert Meeting.objects.count() == meetings

    town2 = entry(notice, "town2")["message"]
    no_reason = press(api("staff5"), town2, "decline")
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["error"]["detail"]
    staff3 = entry(notice, "staff3")["message"]
    from hub.org.models import User

    User.objects.create(username="visitor", display_name="外单位来客")  # in no unit
    for outsider in ("nobody", "gongwen", "visitor"):
        response = press(api("staff3"), staff3, "delegate", delegate=outsider)
        assert response.status_code == 400, outsider
        assert "本组织" in response.json()["error"]["detail"]
    # Someone else's card: another township's clerk cannot see it; a non-clerk may not act.
    assert press(api("staff6"), town2, "attend").status_code == 404
    assert Invitee.objects.filter(meeting_id=notice["id"]).exclude(state="pending").count() == 0

    # After the meeting an answer is refused.
    clock.advance(days=8)
    late = press(api("staff5"), town2, "attend")
    assert late.status_code == 409 and "会议已结束" in late.json()["error"]["detail"]
    assert Invitee.objects.get(message_id=town2).state == "pending"


def test_a_meeting_by_command(demo: Any, api: Any, clock: Any,
                              django_capture_on_commit_callbacks: Any) -> None:
    start = timezone.localtime(clock.now() + timedelta(days=5))
    room = demo["rooms"]["zfb"].id
    line = (f'/meeting new 标题:“卫生健康工作推进会” 时间:“{start:%Y-%m-%d} 09:00-11:30” '
            f'地点:二楼会议室 参会:wsj,town1 议程:“听取工作汇报”')
    with django_capture_on_commit_callbacks(execute=True):
        assert api("clerk").send(room, line).status_code == 201
    run_commands()
    meeting = Meeting.objects.get(title="卫生健康工作推进会")
    assert [i.name for i in meeting.invitees.all()] == ["区卫生健康局", "城关镇人民政府"]
    assert (meeting.end - meeting.start) == timedelta(hours=2, minutes=30)
    reply = Message.objects.filter(room_id=room, sender__username="huiyi", kind="text").last()
    assert reply is not None and f"#{meeting.id}" in reply.body



def test_seed_demo_creates_the_meeting_and_approval_bots(demo: Any) -> None:
    from hub.org.models import User

    bots = {u.username: u for u in User.objects.filter(is_bot=True)}
    assert bots["huiyi"].display_name == "会议助手" and bots["shenpi"].display_name == "审批助手"
    assert not bots["huiyi"].has_usable_password()
