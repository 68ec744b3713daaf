"""转发 (a message into another room, with its files; document cards and classified content
refused) and 加急提醒 (the sender reminds those who have not read, once per 10 minutes)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.chat.models import Message, Room, RoomMember
from tests.bots.conftest import document_body
from tests.hub.chat.test_api import error_code, make_group, sent

pytestmark = pytest.mark.django_db


def test_forward_copies_the_message_and_its_files_and_says_where_from(
        demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1", name="项目专班")["id"]
    target = make_group(api, "staff1", "staff2", name="二组")["id"]
    file = api("clerk").upload("方案.txt", "实施方案正文".encode()).json()
    source = sent(api, "clerk", group, "请看**方案**", attachments=[file["id"]])
    # staff2 cannot download it yet: the file was only posted in the first group.
    assert api("staff2").client.get(file["url"], headers=api("staff2").headers).status_code == 404
    answer = api("staff1").post(f"/messages/{source['id']}/forward",
                                {"room": target, "comment": "供参考"})
    assert answer.status_code == 201, answer.content
    copy = answer.json()
    assert copy["room"] == target and copy["sender"]["username"] == "staff1"
    assert copy["body"] == "请看**方案**" and "<strong>方案</strong>" in copy["html"]
    assert copy["forwarded"]["room_name"] == "项目专班"
    assert copy["forwarded"]["sender"]["username"] == "clerk"
    assert copy["forwarded"]["created_at"] == source["created_at"]
    assert [a["id"] for a in copy["attachments"]] == [file["id"]]
    download = api("staff2").client.get(file["url"], headers=api("staff2").headers)
    assert download.status_code == 200
    after = api("staff2").get(f"/rooms/{target}/messages").json()
    assert [m["body"] for m in after] == ["请看**方案**", "供参考"]
    assert after[1]["reply_to"] == copy["id"]
    # Forwarding the copy keeps the first origin.
    again = api("staff2").post(f"/messages/{copy['id']}/forward",
                               {"room": demo["rooms"]["general"].id}).json()
    assert again["forwarded"]["sender"]["username"] == "clerk"


def test_forward_needs_the_source_visible_and_the_target_joined(demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1")["id"]
    source = sent(api, "clerk", group, "内部")
    not_member = api("staff1").post(f"/messages/{source['id']}/forward",
                                    {"room": demo["rooms"]["wsj"].id})
    assert not_member.status_code == 404 and error_code(not_member) == "not_found"
    outsider = api("staff2").post(f"/messages/{source['id']}/forward",
                                  {"room": demo["rooms"]["general"].id})
    assert outsider.status_code == 404


def test_document_cards_and_classified_content_are_refused(demo: Any, api: Any) -> None:
    document = api("clerk").post("/documents", document_body(recipients=["town1"])).json()
    card = document["recipients"][0]["message"]
    general = demo["rooms"]["general"].id
    refused = api("staff4").post(f"/messages/{card}/forward", {"room": general})
    assert refused.status_code == 400 and "公文" in refused.json()["error"]["detail"]
    marked = sent(api, "clerk", general, "机密★1年 关于某事项的通报")
    refused = api("clerk").post(f"/messages/{marked['id']}/forward",
                                {"room": demo["rooms"]["zfb"].id})
    assert refused.status_code == 400 and "密级" in refused.json()["error"]["detail"]
    file = api("clerk").upload("【绝密】名单.txt", b"x").json()
    with_file = sent(api, "clerk", general, "名单", attachments=[file["id"]])
    assert api("clerk").post(f"/messages/{with_file['id']}/forward",
                             {"room": demo["rooms"]["zfb"].id}).status_code == 400


def test_a_meeting_card_is_forwarded_as_its_text(demo: Any, api: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.localtime() + timedelta(days=3)
    api("clerk").post("/meetings", {
        "title": "专题会", "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
        "invitees": ["town1"]})
    card = Message.objects.filter(kind="card", room=demo["rooms"]["town1"]).latest("id")
    copy = api("staff4").post(f"/messages/{card.id}/forward",
                              {"room": demo["rooms"]["general"].id}).json()
    assert copy["kind"] == "text" and copy["card"] is None and "专题会" in copy["body"]


def test_remind_mentions_each_unread_member_in_a_direct_room(demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1", "staff2", "staff3", name="督查组")["id"]
    message = sent(api, "clerk", group, "请今天下班前报送材料")
    last = Room.objects.get(id=group).last_seq
    api("staff1").post(f"/rooms/{group}/read", {"seq": last})
    answer = api("clerk").post(f"/messages/{message['id']}/remind")
    assert answer.status_code == 200 and answer.json() == {"reminded": 2}
    for username in ("staff2", "staff3"):
        direct = next(r for r in api(username).get("/rooms").json()
                      if r["kind"] == "direct" and r["name"] == "王芳")
        (reminder,) = api(username).get(f"/rooms/{direct['id']}/messages").json()
        assert reminder["body"].startswith("【加急】")
        assert "请今天下班前报送材料" in reminder["body"] and "督查组" in reminder["body"]
        assert reminder["mentions"] == [demo["users"][username].id]
        assert reminder["remind_of"] == {"room": group, "message": message["id"],
                                         "seq": message["seq"]}
    assert not RoomMember.objects.filter(user__username="staff1", room__kind="direct",
                                         room__members__user__username="clerk").exists()

    again = api("clerk").post(f"/messages/{message['id']}/remind")
    assert again.status_code == 429 and error_code(again) == "rate_limited"
    assert 0 < int(again["Retry-After"]) <= 600


def test_only_the_sender_reminds_and_nobody_unread_is_nothing(demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1")["id"]
    message = sent(api, "clerk", group, "收到请回复")
    refused = api("staff1").post(f"/messages/{message['id']}/remind")
    assert refused.status_code == 403
    api("staff1").post(f"/rooms/{group}/read", {"seq": message["seq"]})
    assert api("clerk").post(f"/messages/{message['id']}/remind").json() == {"reminded": 0}
    # Nobody was reminded, so the ten minutes have not started.
    assert api("clerk").post(f"/messages/{message['id']}/remind").status_code == 200
