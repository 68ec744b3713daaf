"""Handling a received document on its card: 签收, 登记, 指派承办, 办结, 退回, 传阅; who may
press what, once, and what the sender sees."""

from __future__ import annotations

from typing import Any

import pytest

from bots.documents.models import Circulation, Delivery, Document
from hub.chat.models import Message, Room
from hub.seals.models import AuditEntry
from tests.bots.conftest import card_of, document_body, number, press, recipient

pytestmark = pytest.mark.django_db


def send(api: Any, **overrides: Any) -> dict[str, Any]:
    response = api("clerk").post("/documents", document_body(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def card_message(document: dict[str, Any], code: str) -> int:
    return recipient(document, code)["message"]


def events(document: dict[str, Any], kind: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(subject=f"document:{document['id']}",
                                          event=f"document.{kind}"))


def tracking(document: dict[str, Any]) -> dict[str, Any]:
    return Message.objects.get(id=document["tracking_message"]).card


def test_sign_applies_once_and_the_tracking_card_counts_it(demo: Any, api: Any) -> None:
    document = send(api)
    message = card_message(document, "town1")
    first = press(api("staff4"), message, "sign")
    assert first.status_code == 200
    card = first.json()["card"]
    assert card["state"] == "signed" and card["state_label"] == "已签收"
    assert [a["action"] for a in card["actions"]] == ["register", "propose", "assign",
                                                      "complete", "circulate", "return"]
    again = press(api("staff4"), message, "sign")
    assert again.status_code == 200 and again.json()["card"] == card
    assert len(events(document, "signed")) == 1
    totals = tracking(document)["totals"]
    assert (totals["signed"], totals["unsigned"]) == (1, 2)


def test_people_who_may_not_act_get_forbidden_and_strangers_not_found(
        demo: Any, api: Any, person: Any) -> None:
    document = send(api)
    message = card_message(document, "town1")
    person("town1_staff", "town1", "staff")
    # A member of the unit who is not its clerk or leader sees the card without buttons...
    assert card_of(api("town1_staff"), message)["actions"] == []
    # ...and pressing anyway is refused.
    response = press(api("town1_staff"), message, "sign")
    assert response.status_code == 403 and "收发员或领导" in response.json()["error"]["detail"]
    # A clerk of another recipient unit cannot even see town1's card.
    assert press(api("staff5"), message, "sign").status_code == 404
    # The sender's clerk cannot sign for a recipient either.
    assert press(api("clerk"), message, "sign").status_code == 404
    assert Delivery.objects.get(document_id=document["id"], unit__code="town1").state == "delivered"
    # And cannot see the recipients' copies through the documents API unless concerned.
    assert api("staff3").get(f"/documents/{document['id']}").status_code == 404
    mine = api("staff4").get(f"/documents/{document['id']}").json()
    assert [r["unit"]["code"] for r in mine["recipients"]] == ["town1"] and mine["totals"] is None


def test_register_gives_the_next_incoming_number_of_the_unit(demo: Any, api: Any) -> None:
    year = number(1)[4:8]
    for seq in (1, 2):
        document = send(api, number=number(seq))
        message = card_message(document, "town1")
        press(api("staff4"), message, "sign")
        card = press(api("staff4"), message, "register").json()["card"]
        assert {"label": "收文编号", "value": f"城关镇收〔{year}〕{seq}号"} in card["fields"]
    assert press(api("staff4"), message, "register").json()["card"] == card


def test_steps_out_of_order_are_refused_with_the_reason(demo: Any, api: Any) -> None:
    document = send(api)
    message = card_message(document, "town1")
    for action in ("register", "assign", "complete", "circulate"):
        response = press(api("staff4"), message, action, assignee="staff4")
        assert response.status_code == 409 and "请先签收" in response.json()["error"]["detail"]
    response = press(api("staff4"), message, "fly")
    assert response.status_code == 400


def test_assign_sends_the_handler_a_card_and_their_completion_reaches_everyone(
        demo: Any, api: Any, person: Any) -> None:
    handler = person("town1_handler", "town1", "staff", "刘承办")
    document = send(api, reply_required=True)
    message = card_message(document, "town1")
    press(api("staff4"), message, "sign")
    missing = press(api("staff4"), message, "assign")
    assert missing.status_code == 400 and "请指定承办人" in missing.json()["error"]["detail"]
    outsider = press(api("staff4"), message, "assign", assignee="staff5")
    assert outsider.status_code == 400 and "须是城关镇人民政府的人员" in outsider.json()["error"]["detail"]
    card = press(api("staff4"), message, "assign", assignee="town1_handler").json()["card"]
    assert card["state"] == "assigned" and {"label": "承办人", "value": "刘承办"} in card["fields"]
    # The handler's card, in their direct room with the bot.
    delivery = Delivery.objects.get(document_id=document["id"], unit__code="town1")
    dm = Message.objects.get(id=delivery.assignee_message_id)
    assert dm.room.kind == Room.Kind.DIRECT and dm.sender.username == "gongwen"
    assert set(dm.room.members.values_list("user__username", flat=True)) == {"gongwen",
                                                                             "town1_handler"}
    handler_card = card_of(api("town1_handler"), dm.id)
    assert handler_card["view"] == "assignee"
    assert [a["action"] for a in handler_card["actions"]] == ["complete"]
    assert handler_card["actions"][0]["comment"] == "required"
    # A reply is required: completing without one is refused, with one it is done.
    refused = press(api("town1_handler"), dm.id, "complete")
    assert refused.status_code == 400 and "办理结果" in refused.json()["error"]["detail"]
    done = press(api("town1_handler"), dm.id, "complete", comment="已完成全面排查，未发现隐患。")
    assert done.status_code == 200 and done.json()["card"]["state"] == "handled"
    assert done.json()["card"]["actions"] == []
    unit_card = card_of(api("staff4"), message)
    assert unit_card["state"] == "handled"
    assert {"label": "办理结果", "value": "已完成全面排查，未发现隐患。"} in unit_card["fields"]
    detail = api("clerk").get(f"/documents/{document['id']}").json()
    town1 = recipient(detail, "town1")
    assert town1["assignee"]["id"] == handler.id and town1["reply"].startswith("已完成")
    assert detail["totals"]["handled"] == 1
    assert [e["event"] for e in detail["log"]][-5:] == [
        "document.delivered", "document.signed", "document.assigned", "document.handled",
        "document.answered"]


def test_a_returned_document_refuses_every_further_step(demo: Any, api: Any) -> None:
    document = send(api)
    message = card_message(document, "town2")
    no_reason = press(api("staff5"), message, "return")
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["error"]["detail"]
    card = press(api("staff5"), message, "return", comment="非我单位职责，请转交卫生局").json()["card"]
    assert card["state"] == "returned" and card["actions"] == []
    for action in ("sign", "register", "assign", "complete", "circulate"):
        response = press(api("staff5"), message, action, assignee="staff5", comment="x")
        assert response.status_code == 409, action
        assert "已被河西镇人民政府退回" in response.json()["error"]["detail"]
    # Pressing return again is the same return, not a second one.
    assert press(api("staff5"), message, "return", comment="again").status_code == 200
    assert len(events(document, "returned")) == 1
    assert tracking(document)["totals"]["returned"] == 1
    notice = Message.objects.filter(room=demo["rooms"]["zfb"], kind="text").last()
    assert notice is not None and "【退文】" in notice.body and "非我单位职责" in notice.body


def test_circulation_goes_to_the_readers_chosen_in_order_with_their_notes(
        demo: Any, api: Any, person: Any) -> None:
    """传阅 asks whom (not every leader at once): the readers chosen get the card one after
    another, each reading with a 阅示 that the unit's log keeps."""
    person("town1_head", "town1", "leader", "周镇长")
    person("town1_deputy", "town1", "leader", "吴副镇长")
    document = send(api)
    message = card_message(document, "town1")
    press(api("staff4"), message, "sign")
    asked = press(api("staff4"), message, "circulate")
    assert asked.status_code == 400 and "请选择传阅人" in asked.json()["error"]["detail"]
    offered = next(a for a in card_of(api("staff4"), message)["actions"]
                   if a["action"] == "circulate")
    assert offered["param"] == "readers" and offered["params"][0]["kind"] == "people"
    card = press(api("staff4"), message, "circulate", readers=["town1_deputy", "town1_head"],
                 comment="请两位领导阅示").json()["card"]
    assert {"label": "传阅", "value": "吴副镇长（待阅） → 周镇长（排队中）"} in card["fields"]
    press(api("staff4"), message, "circulate", readers="town1_deputy,town1_head")  # nothing new
    assert Circulation.objects.count() == 2
    first = Circulation.objects.get(reader__username="town1_deputy")
    second = Circulation.objects.get(reader__username="town1_head")
    assert first.message is not None and second.message is None  # one at a time
    assert [a["action"] for a in card_of(api("town1_deputy"), first.message.id)["actions"]] == [
        "read"]
    assert press(api("town1_head"), first.message.id, "read").status_code == 404
    read = press(api("town1_deputy"), first.message.id, "read", comment="已阅，请周镇长审定。")
    assert read.json()["card"]["state"] == "read" and read.json()["card"]["actions"] == []
    second.refresh_from_db()
    assert second.message is not None  # the next reader's turn
    press(api("town1_head"), second.message.id, "read", comment="同意，抓紧落实。")
    card = card_of(api("staff4"), message)
    assert {"label": "传阅", "value": "吴副镇长（已阅：已阅，请周镇长审定。） → "
                                     "周镇长（已阅：同意，抓紧落实。）"} in card["fields"]
    detail = api("clerk").get(f"/documents/{document['id']}").json()
    town1 = recipient(detail, "town1")
    assert [(c["user"]["username"], c["comment"]) for c in town1["circulation"]] == [
        ("town1_deputy", "已阅，请周镇长审定。"), ("town1_head", "同意，抓紧落实。")]
    assert [(e["action"], e["by"]["username"], e["comment"]) for e in town1["log"]] == [
        ("sign", "staff4", None), ("circulate", "staff4", "请两位领导阅示"),
        ("read", "town1_deputy", "已阅，请周镇长审定。"), ("read", "town1_head", "同意，抓紧落实。")]


def test_the_sender_reminds_units_from_the_tracking_card_once_per_five_minutes(
        demo: Any, api: Any, clock: Any) -> None:
    document = send(api)
    press(api("staff4"), card_message(document, "town1"), "sign")
    press(api("staff4"), card_message(document, "town1"), "complete")
    tracking_id = document["tracking_message"]
    assert [a["action"] for a in card_of(api("clerk"), tracking_id)["actions"]] == ["remind"]
    assert press(api("staff5"), tracking_id, "remind").status_code == 404
    assert press(api("clerk"), tracking_id, "remind").status_code == 200
    press(api("clerk"), tracking_id, "remind")  # a double click
    reminders = Message.objects.filter(sender__username="duban")
    assert sorted(m.room.unit.code for m in reminders) == ["town2", "town3"]
    assert "@staff5" in reminders.get(room=demo["rooms"]["town2"]).body
    clock.advance(minutes=6)
    assert api("clerk").post(f"/documents/{document['id']}/remind").json() == {"reminded": 2}
    assert len(events(document, "reminded")) == 4


def test_the_documents_list_shows_sent_and_received(demo: Any, api: Any) -> None:
    document = send(api)
    sent = api("clerk").get("/documents", box="sent").json()
    assert sent["total"] == 1 and sent["results"][0]["totals"]["delivered"] == 3
    received = api("staff4").get("/documents").json()["results"]
    assert [(r["id"], r["box"], r["mine"][0]["state"]) for r in received] == [
        (document["id"], "received", "delivered")]
    assert api("staff3").get("/documents").json() == {"total": 0, "results": []}
    assert Document.objects.count() == 1
