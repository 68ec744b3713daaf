"""Notices with 收到: cards to units, rooms and people, 收到 once and only for oneself, the
lists for the sender's side only, live counts coalesced, 催收 rate-limited, expiry, and the
errors with nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bots import jobs
from bots.notices import services
from bots.notices.models import CardRefresh, Notice, NoticeCard, Recipient
from hub.chat.models import Message, Room
from hub.seals.models import AuditEntry
from tests.bots.conftest import card_of, press

pytestmark = pytest.mark.django_db


def notice_body(**overrides: Any) -> dict[str, Any]:
    body = {"title": "关于元旦假期值班安排的通知",
            "body": "各单位：\n\n请于12月28日前报送值班表，并确认收到本通知。",
            "audience": ["town1", "town2", "staff2"], "expires_at": None}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def staffed(person: Any) -> dict[str, Any]:
    """town1 gains two staff members, town2 one."""
    return {"a": person("t1a", "town1", "staff", "陈一"), "b": person("t1b", "town1", "staff", "陈二"),
            "c": person("t2a", "town2", "staff", "陈三")}


@pytest.fixture
def sent(api: Any, staffed: Any, clock: Any) -> dict[str, Any]:
    response = api("clerk").post("/notices", notice_body())
    assert response.status_code == 201, response.content
    return response.json()


def card(notice_id: int, *, unit: str | None = None, user: str | None = None) -> NoticeCard:
    qs = NoticeCard.objects.filter(notice_id=notice_id)
    if unit is not None:
        return qs.get(unit__code=unit)
    return qs.get(kind="person", room__members__user__username=user)


def test_cards_go_to_unit_rooms_and_direct_rooms_with_a_button_per_person(
        sent: dict[str, Any], demo: Any, api: Any) -> None:
    town1 = card(sent["id"], unit="town1")
    assert town1.room_id == demo["rooms"]["town1"].id
    assert town1.message.sender.username == "tongzhi"
    staff2 = card(sent["id"], user="staff2")
    assert Room.objects.get(id=staff2.room_id).kind == "direct"
    assert NoticeCard.objects.filter(notice_id=sent["id"]).count() == 3  # town1, town2, staff2
    seen = card_of(api("t1a"), town1.message_id)
    assert (seen["card_type"], seen["view"], seen["state"]) == ("notice", "unit", "open")
    assert [a["action"] for a in seen["actions"]] == ["ack"]
    assert {"label": "确认情况", "value": "本单位已收到 0 / 未收到 3"} in seen["fields"]
    # The head says 通知; the state says where it stands, not 通知 again.
    assert seen["state_label"] == "确认中"
    assert card_of(api("staff2"), staff2.message_id)["state_label"] == "请确认收到"
    # The sender has the counts in their direct room with the bot.
    tracking = card_of(api("clerk"), sent["tracking_message"])
    assert tracking["card_type"] == "notice_tracking"
    assert tracking["totals"] == {"recipients": 6, "acked": 0, "pending": 6}
    assert [a["action"] for a in tracking["actions"]] == ["remind"]
    assert sent["totals"] == {"recipients": 6, "acked": 0, "pending": 6, "read": 0}


def test_the_lists_are_for_the_senders_side_and_others_see_it_without_them(
        sent: dict[str, Any], api: Any) -> None:
    full = api("clerk").get(f"/notices/{sent['id']}").json()
    assert {p["user"]["username"] for p in full["pending"]} == {
        "staff4", "t1a", "t1b", "staff5", "t2a", "staff2"}
    assert full["units"] == [
        {"unit": {"code": "wsj", "name": "区卫生健康局"}, "acked": 0, "pending": 1},
        {"unit": {"code": "town1", "name": "城关镇人民政府"}, "acked": 0, "pending": 3},
        {"unit": {"code": "town2", "name": "河西镇人民政府"}, "acked": 0, "pending": 2}]
    # The government office's leader manages its notices too.
    assert "pending" in api("leader").get(f"/notices/{sent['id']}").json()
    mine = api("t1a").get(f"/notices/{sent['id']}")
    assert mine.status_code == 200
    body = mine.json()
    assert not {"acked", "pending", "units"} & set(body)
    assert body["mine"]["acked"] is False and body["viewer"]["actions"] == ["ack"]
    hidden = api("staff3").get(f"/notices/{sent['id']}")
    missing = api("staff3").get(f"/notices/{sent['id'] + 1000}")
    assert hidden.status_code == 404 and hidden.json() == missing.json()


def test_ack_once_only_for_oneself_and_the_cards_follow_once_refreshed(
        sent: dict[str, Any], api: Any, demo: Any) -> None:
    town1 = card(sent["id"], unit="town1")
    pressed = press(api("t1a"), town1.message_id, "ack")
    assert pressed.status_code == 200
    # The presser's answer already lacks their button; the others keep theirs.
    assert pressed.json()["card"]["actions"] == []
    assert {"label": "确认情况", "value": "本单位已收到 1 / 未收到 2"} in pressed.json()["card"]["fields"]
    first = Recipient.objects.get(notice_id=sent["id"], user__username="t1a").acked_at
    again = press(api("t1a"), town1.message_id, "ack")
    assert again.status_code == 200
    assert api("t1a").post(f"/notices/{sent['id']}/ack").status_code == 200
    assert Recipient.objects.get(notice_id=sent["id"], user__username="t1a").acked_at == first
    assert AuditEntry.objects.filter(event="notice.acked").count() == 1
    # Nobody acks for someone else, and the sender is not a recipient.
    other = api("t1b").post(f"/notices/{sent['id']}/ack", {"user": "t1a"})
    assert other.status_code == 403 and other.json()["error"]["detail"] == "只能为本人确认收到，不能替他人确认"
    assert Recipient.objects.get(notice_id=sent["id"], user__username="t1b").acked_at is None
    own = api("t1b").post(f"/notices/{sent['id']}/ack", {"user": "t1b"})
    assert own.status_code == 200 and own.json()["mine"]["acked"] is True
    assert api("clerk").post(f"/notices/{sent['id']}/ack").status_code == 403
    # The first press after a quiet second re-rendered the cards at once (t1a's button went);
    # the second, within the same second, waits for the refresher.
    assert CardRefresh.objects.count() == 1
    assert card_of(api("t1a"), town1.message_id)["actions"] == []
    assert card_of(api("t1b"), town1.message_id)["actions"][0]["action"] == "ack"
    assert services.refresh_pending() == 1
    assert CardRefresh.objects.count() == 0
    assert card_of(api("staff4"), town1.message_id)["actions"][0]["action"] == "ack"
    assert card_of(api("t1b"), town1.message_id)["actions"] == []
    assert card_of(api("t1b"), town1.message_id)["state_label"] == "确认中"
    tracking = card_of(api("clerk"), sent["tracking_message"])
    assert tracking["totals"] == {"recipients": 6, "acked": 2, "pending": 4}
    assert {"unit": "town1", "name": "城关镇人民政府", "acked": 2, "pending": 1} in tracking["units"]
    # A person's own card changes at once.
    staff2 = card(sent["id"], user="staff2")
    assert press(api("staff2"), staff2.message_id, "ack").json()["card"]["state"] == "acked"
    assert card_of(api("staff2"), staff2.message_id)["state_label"] == "已确认收到"
    listed = api("clerk").get(f"/notices/{sent['id']}").json()
    assert [a["user"]["username"] for a in listed["acked"]] == ["t1a", "t1b", "staff2"]
    # The unit's last press: its card says everyone there has it.
    assert press(api("staff4"), town1.message_id, "ack").status_code == 200
    services.refresh_pending()
    assert card_of(api("t1a"), town1.message_id)["state_label"] == "已全部收到"


def test_many_presses_make_one_card_edit_each(sent: dict[str, Any], api: Any,
                                              monkeypatch: Any) -> None:
    """Coalescing: of five presses on two cards within a second, the first re-renders at
    once and the other four wait for the refresher, which re-renders the two cards and the
    sender's card once each, not once per press."""
    for user in ("t1a", "t1b", "staff4"):
        press(api(user), card(sent["id"], unit="town1").message_id, "ack")
    for user in ("t2a", "staff5"):
        press(api(user), card(sent["id"], unit="town2").message_id, "ack")
    edits: list[int] = []
    real = services.notice_bot().update_card

    class Spy:
        def update_card(self, *, message_id: int, card: dict[str, Any]) -> dict[str, Any]:
            edits.append(message_id)
            return real(message_id=message_id, card=card)

    monkeypatch.setattr(services, "notice_bot", lambda: Spy())
    assert services.refresh_pending() == 4
    assert sorted(edits) == sorted([card(sent["id"], unit="town1").message_id,
                                    card(sent["id"], unit="town2").message_id,
                                    sent["tracking_message"]])
    assert card_of(api("clerk"), sent["tracking_message"])["totals"]["acked"] == 5


def test_a_sender_in_the_room_is_no_recipient(api: Any, demo: Any) -> None:
    sent = api("clerk").post("/notices", notice_body(audience=["zfb"])).json()
    zfb = card(sent["id"], unit="zfb")
    assert card_of(api("clerk"), zfb.message_id)["actions"] == []
    assert [a["action"] for a in card_of(api("leader"), zfb.message_id)["actions"]] == ["ack"]
    refused = press(api("clerk"), zfb.message_id, "ack")
    assert refused.status_code == 403


def test_remind_the_pending_once_per_ten_minutes(sent: dict[str, Any], api: Any, demo: Any,
                                                 clock: Any) -> None:
    press(api("t1a"), card(sent["id"], unit="town1").message_id, "ack")
    reminded = api("clerk").post(f"/notices/{sent['id']}/remind")
    assert reminded.json() == {"reminded": 5}
    town1_text = Message.objects.filter(room=demo["rooms"]["town1"], kind="text",
                                        sender__username="tongzhi").get()
    assert town1_text.body.startswith("【催收】") and "@t1b" in town1_text.body
    assert "@t1a" not in town1_text.body
    assert set(town1_text.mentions.values_list("user__username", flat=True)) == {"t1b", "staff4"}
    assert Message.objects.filter(room__kind="direct", room__members__user__username="staff2",
                                  kind="text", body__startswith="【催收】").count() == 1
    too_soon = api("clerk").post(f"/notices/{sent['id']}/remind")
    assert too_soon.status_code == 429
    assert too_soon.json()["error"]["code"] == "rate_limited"
    assert int(too_soon["Retry-After"]) == 600
    assert press(api("clerk"), sent["tracking_message"], "remind").status_code == 429
    assert api("t1b").post(f"/notices/{sent['id']}/remind").status_code == 403
    clock.advance(minutes=10)
    assert api("leader").post(f"/notices/{sent['id']}/remind").json() == {"reminded": 5}
    tracking = card_of(api("clerk"), sent["tracking_message"])
    assert tracking["fields"][-1]["label"] == "催收"


def test_an_expired_notice_leaves_the_lists_and_its_cards_lose_the_button(
        api: Any, staffed: Any, clock: Any) -> None:
    expires = clock.now() + timedelta(days=2)
    sent = api("clerk").post("/notices", notice_body(expires_at=expires.isoformat())).json()
    assert api("t1a").get("/notices").json()["total"] == 1
    clock.advance(days=2, seconds=1)
    assert jobs.run_due(now=clock.now()) == 1
    town1 = card(sent["id"], unit="town1")
    assert card_of(api("t1a"), town1.message_id)["state"] == "expired"
    assert card_of(api("t1a"), town1.message_id)["actions"] == []
    late = press(api("t1a"), town1.message_id, "ack")
    assert late.status_code == 409 and "过期" in late.json()["error"]["detail"]
    assert api("t1a").get("/notices").json()["total"] == 0
    listed = api("t1a").get("/notices", expired="1").json()
    assert [n["id"] for n in listed["results"]] == [sent["id"]]
    assert api("clerk").post(f"/notices/{sent['id']}/remind").status_code == 409


def test_a_date_expiry_means_the_end_of_that_day(api: Any, clock: Any, staffed: Any) -> None:
    day = (clock.now() + timedelta(days=3)).date().isoformat()
    sent = api("clerk").post("/notices", notice_body(expires_at=day)).json()
    assert sent["expires_at"] is not None
    assert api("clerk").post("/notices", notice_body(expires_at="2020-01-01")).status_code == 400


@pytest.mark.parametrize("body, status, detail", [
    (notice_body(audience=["town1", "nosuchunit"]), 400, "找不到这些单位或人员：nosuchunit"),
    (notice_body(audience=[]), 400, "请指定通知对象"),
    (notice_body(title="  "), 400, "请填写通知标题"),
    (notice_body(expires_at="明天"), 400, "有效期"),
])
def test_bad_input_is_refused_and_nothing_is_stored(api: Any, demo: Any, body: dict[str, Any],
                                                    status: int, detail: str) -> None:
    before = Message.objects.count()
    response = api("clerk").post("/notices", body)
    assert response.status_code == status
    assert detail in response.json()["error"]["detail"]
    assert not Notice.objects.exists() and Message.objects.count() == before


def test_only_a_units_clerks_leaders_and_admins_address_other_units(
        api: Any, person: Any) -> None:
    person("t1staff", "town1", "staff", "小周")
    staff = api("t1staff")
    refused = staff.post("/notices", notice_body(audience=["all"]))
    assert refused.status_code == 403
    own = staff.post("/notices", notice_body(audience=["town1", "staff2"]))
    assert own.status_code == 201, own.content


def test_a_notice_to_everyone_reaches_each_person_once(api: Any, demo: Any, staffed: Any) -> None:
    sent = api("leader").post("/notices", notice_body(audience=["all"], unit="zfb")).json()
    people = {u.id for u in demo["users"].values() if not u.is_bot
              and u.unit_memberships.exists()} | {u.id for u in staffed.values()}
    people.discard(demo["users"]["leader"].id)
    assert set(Recipient.objects.filter(notice_id=sent["id"]).values_list("user_id", flat=True)) \
        == people
    # One card per unit room; leader's second unit (qwb) still gets its card for staff1.
    assert NoticeCard.objects.filter(notice_id=sent["id"], kind="unit").count() == 7


def test_a_notice_in_an_announce_only_channel(api: Any, demo: Any, staffed: Any) -> None:
    channel = api("clerk").post("/rooms", {"name": "全区公告", "kind": "channel",
                                           "members": ["staff1", "t1a", "staff5"],
                                           "announce_only": True}).json()
    refused = api("staff1").post("/notices", notice_body(room=channel["id"], audience=[],
                                                         unit="qwb"))
    assert refused.status_code == 403
    sent = api("clerk").post("/notices", notice_body(room=channel["id"], audience=["town1"]))
    assert sent.status_code == 201, sent.content
    notice = sent.json()
    in_channel = NoticeCard.objects.get(notice_id=notice["id"], kind="room")
    assert in_channel.room_id == channel["id"]
    # Channel members press on the channel's card; the rest of town1 on town1's card.
    on_channel = set(Recipient.objects.filter(card=in_channel).values_list("user__username",
                                                                             flat=True))
    assert on_channel == {"staff1", "t1a", "staff5"}
    on_town1 = set(Recipient.objects.filter(card__unit__code="town1")
                   .values_list("user__username", flat=True))
    assert on_town1 == {"staff4", "t1b"}
    seen = card_of(api("staff5"), in_channel.message_id)
    assert seen["view"] == "room" and [a["action"] for a in seen["actions"]] == ["ack"]
    assert press(api("staff5"), in_channel.message_id, "ack").status_code == 200


def test_a_direct_room_is_refused(api: Any, demo: Any) -> None:
    room = api("clerk").post("/rooms", {"kind": "direct", "members": ["staff1"]}).json()
    response = api("clerk").post("/notices", notice_body(room=room["id"]))
    assert response.status_code == 400


def test_read_counts_people_who_opened_their_card(sent: dict[str, Any], api: Any,
                                                  demo: Any) -> None:
    town1 = card(sent["id"], unit="town1")
    api("t1b").post(f"/rooms/{town1.room_id}/read", {"seq": town1.message.seq})
    press(api("t1a"), town1.message_id, "ack")
    assert api("clerk").get(f"/notices/{sent['id']}").json()["read"] == 2


def test_lists_by_box(sent: dict[str, Any], api: Any) -> None:
    assert [n["box"] for n in api("clerk").get("/notices").json()["results"]] == ["sent"]
    received = api("t1a").get("/notices", box="received").json()["results"]
    assert received[0]["mine"]["acked"] is False and received[0]["totals"] is None
    assert api("t1a").get("/notices", box="sent").json()["total"] == 0
    assert api("staff3").get("/notices").json()["total"] == 0


def test_the_to_do_lists_a_notice_until_its_recipient_acks(sent: dict[str, Any], api: Any,
                                                          clock: Any) -> None:
    todo = api("t1a").get("/todo").json()
    item = next(i for i in todo["items"] if i["kind"] == "notice_ack")
    assert (item["ref"], item["label"], item["object_type"]) == (sent["id"], "确认收到", "notice")
    assert item["message"] == card(sent["id"], unit="town1").message_id
    assert [a["action"] for a in item["card"]["actions"]] == ["ack"]
    assert todo["counts"]["notice_ack"] == 1
    assert api("clerk").get("/todo").json()["counts"]["notice_ack"] == 0
    api("t1a").post(f"/notices/{sent['id']}/ack")
    assert api("t1a").get("/todo").json()["counts"]["notice_ack"] == 0
    assert api("t1b").get("/todo").json()["counts"]["notice_ack"] == 1


def test_a_pinned_notice_stays_at_the_top_of_its_rooms_until_it_expires(
        api: Any, demo: Any, staffed: Any, clock: Any, person: Any) -> None:
    expires = (clock.now() + timedelta(days=1)).isoformat()
    pinned = api("clerk").post("/notices", notice_body(pin=True, expires_at=expires)).json()
    api("clerk").post("/notices", notice_body(title="另一则通知"))
    room = demo["rooms"]["town1"].id
    top = api("t1a").get("/notices", room=str(room), pinned="1").json()
    assert [n["id"] for n in top["results"]] == [pinned["id"]]
    assert top["results"][0]["message"] == card(pinned["id"], unit="town1").message_id
    assert card_of(api("t1a"), top["results"][0]["message"])["pinned"] is True
    assert api("t1a").get("/notices", room=str(room)).json()["total"] == 2
    assert api("staff3").get("/notices", room=str(room)).status_code == 404
    person("t1staff", "town1", "staff", "小周")
    refused = api("t1staff").post("/notices", notice_body(audience=["town1"], pin=True))
    assert refused.status_code == 403
    clock.advance(days=1, seconds=1)
    jobs.run_due(now=clock.now())
    assert api("t1a").get("/notices", room=str(room), pinned="1").json()["total"] == 0
