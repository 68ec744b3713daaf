"""HTTP round trips of every endpoint in hub/urls.py, as docs/protocol.md promises them,
through Django's middleware, URLconf and views against PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from hub.chat.models import Attachment, Message, Room
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def make_group(api: Any, creator: str, *members: str, kind: str = "group",
               name: str = "专班") -> dict[str, Any]:
    response = api(creator).post("/rooms", {"name": name, "kind": kind, "members": list(members)})
    assert response.status_code == 201, response.content
    return response.json()


def room_of(api: Any, username: str, room_id: int) -> dict[str, Any] | None:
    rooms = api(username).get("/rooms").json()
    return next((r for r in rooms if r["id"] == room_id), None)


def sent(api: Any, username: str, room_id: int, body: str = "你好", **extra: Any) -> dict[str, Any]:
    response = api(username).send(room_id, body, **extra)
    assert response.status_code == 201, response.content
    return response.json()


# --- authentication ------------------------------------------------------------------------------
def login(username: str, password: str) -> Any:
    return Client().post("/api/v1/auth/token", {"username": username, "password": password},
                         content_type="application/json")


def test_token_login_gives_a_token_that_authenticates_later_calls(demo: Any) -> None:
    response = login("clerk", DEMO_PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "clerk"
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


def test_wrong_password_and_unknown_user_answer_the_same_401(demo: Any) -> None:
    wrong = login("clerk", "not-the-password")
    unknown = login("nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert error_code(wrong) == "unauthorized"
    assert wrong.json() == unknown.json(), "the answer must not tell which usernames exist"


def test_login_with_missing_fields_is_400(demo: Any) -> None:
    response = Client().post("/api/v1/auth/token", {"username": "clerk"},
                             content_type="application/json")
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


def test_revoked_token_no_longer_authenticates_but_other_tokens_do(demo: Any, api: Any) -> None:
    clerk = api("clerk")
    other = Client().get("/api/v1/me", headers={
        "Authorization": f"Bearer {login('clerk', DEMO_PASSWORD).json()['token']}"})
    assert other.status_code == 200
    assert clerk.delete("/auth/token").status_code == 204
    after = clerk.get("/me")
    assert after.status_code == 401
    assert error_code(after) == "unauthorized"
    assert clerk.delete("/auth/token").status_code == 401, "a token is revoked once"
    fresh = login("clerk", DEMO_PASSWORD).json()["token"]
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Basic Y2xlcms6eA=="}])
def test_calls_without_valid_credentials_are_401(demo: Any, headers: dict[str, str]) -> None:
    response = Client().get("/api/v1/rooms", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_deactivated_user_cannot_log_in_and_their_tokens_stop_working(demo: Any, api: Any) -> None:
    staff1 = api("staff1")
    assert staff1.get("/me").status_code == 200
    demo["users"]["staff1"].is_active = False
    demo["users"]["staff1"].save(update_fields=["is_active"])
    assert staff1.get("/me").status_code == 401
    assert login("staff1", DEMO_PASSWORD).status_code == 401


def session_client(demo: Any, username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["users"][username])
    return client


def test_session_cookie_authenticates_safe_methods(demo: Any) -> None:
    response = session_client(demo, "clerk").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "clerk"


def test_session_post_without_csrf_token_is_403_and_stores_nothing(demo: Any) -> None:
    general = demo["rooms"]["general"].id
    client = session_client(demo, "clerk")
    response = client.post(f"/api/v1/rooms/{general}/messages", {"body": "跨站"},
                           content_type="application/json")
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    wrong = client.post(f"/api/v1/rooms/{general}/messages", {"body": "跨站"},
                        content_type="application/json",
                        headers={"X-CSRFToken": get_random_string(32)})
    assert wrong.status_code == 403
    assert not Message.objects.filter(room_id=general).exists()


def test_session_post_with_csrf_token_works(demo: Any) -> None:
    general = demo["rooms"]["general"].id
    client = session_client(demo, "clerk")
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    response = client.post(f"/api/v1/rooms/{general}/messages", {"body": "同源"},
                           content_type="application/json", headers={"X-CSRFToken": secret})
    assert response.status_code == 201, response.content
    assert response.json()["sender"]["username"] == "clerk"


# --- the caller, people, units -----------------------------------------------------------------
def test_me_describes_the_caller_with_their_units(demo: Any, api: Any) -> None:
    me = api("clerk").get("/me").json()
    assert me["username"] == "clerk"
    assert me["display_name"] == demo["users"]["clerk"].display_name
    assert me["is_bot"] is False
    assert {"id", "username", "display_name", "title", "units", "is_bot"} <= set(me)
    assert [u["code"] for u in me["units"]] == ["zfb"]
    assert me["units"][0]["id"] == demo["units"]["zfb"].id


def test_users_search_and_units_list(demo: Any, api: Any) -> None:
    found = api("clerk").get("/users", q="staff").json()
    assert sorted(u["username"] for u in found) == [f"staff{i}" for i in range(1, 7)]
    codes = {u["code"] for u in api("clerk").get("/units").json()}
    assert {"qwb", "zfb", "wsj", "wtj", "town1", "town2", "town3"} <= codes


# --- rooms ---------------------------------------------------------------------------------------
def test_rooms_lists_only_the_callers_rooms(demo: Any, api: Any) -> None:
    ids = {r["id"] for r in api("clerk").get("/rooms").json()}
    assert ids == {demo["rooms"]["zfb"].id, demo["rooms"]["general"].id}


def test_unread_and_last_seq_follow_sends_and_reads(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    sent(api, "clerk", general, "一")
    sent(api, "clerk", general, "二")
    sent(api, "staff1", general, "三")
    clerk = room_of(api, "clerk", general)
    assert clerk is not None
    assert (clerk["last_seq"], clerk["unread"]) == (3, 1), "one's own messages are not unread"
    assert room_of(api, "staff1", general)["unread"] == 0  # type: ignore[index]
    assert room_of(api, "staff2", general)["unread"] == 3  # type: ignore[index]
    staff2 = api("staff2")
    assert staff2.post(f"/rooms/{general}/read", {"seq": 2}).json() == {"room": general, "seq": 2}
    assert room_of(api, "staff2", general)["unread"] == 1  # type: ignore[index]
    assert staff2.post(f"/rooms/{general}/read", {"seq": 99}).json()["seq"] == 3, \
        "a read position is capped at the room's last seq"
    assert staff2.post(f"/rooms/{general}/read", {"seq": 1}).json()["seq"] == 3, \
        "a read position never moves back"
    assert room_of(api, "staff2", general)["unread"] == 0  # type: ignore[index]
    last = room_of(api, "staff2", general)["last_message"]  # type: ignore[index]
    assert last["seq"] == 3 and ISO_Z.match(last["created_at"])


def test_read_with_a_bad_seq_is_400(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    for body in ({"seq": -1}, {"seq": "3"}, {}, {"seq": True}):
        response = api("clerk").post(f"/rooms/{general}/read", body)
        assert response.status_code == 400, body
        assert error_code(response) == "bad_request"


def test_room_detail_describes_one_room(demo: Any, api: Any) -> None:
    zfb = demo["rooms"]["zfb"]
    room = api("clerk").get(f"/rooms/{zfb.id}").json()
    assert (room["id"], room["kind"], room["unit"]) == (zfb.id, "unit", "zfb")
    assert room["members_count"] == zfb.member_count


def test_create_group_with_members_is_201_and_visible_to_them_only(demo: Any, api: Any) -> None:
    room = make_group(api, "clerk", "staff1", "staff2")
    assert (room["kind"], room["name"], room["members_count"]) == ("group", "专班", 3)
    assert room["role"] == "admin", "the creator administers the group"
    assert room_of(api, "staff1", room["id"]) is not None
    assert room_of(api, "staff3", room["id"]) is None


def test_create_group_with_an_unknown_member_is_400_naming_them(demo: Any, api: Any) -> None:
    before = Room.objects.count()
    response = api("clerk").post("/rooms", {"name": "专班", "kind": "group",
                                            "members": ["staff1", "ghost-user"]})
    assert response.status_code == 400
    assert error_code(response) == "bad_request"
    assert "ghost-user" in response.json()["error"]["detail"]
    assert Room.objects.count() == before


def test_direct_room_is_found_again_rather_than_made_twice(demo: Any, api: Any) -> None:
    first = api("clerk").post("/rooms", {"kind": "direct", "members": ["staff1"]})
    assert first.status_code == 201
    again = api("clerk").post("/rooms", {"kind": "direct", "members": ["staff1"]})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other_side = api("staff1").post("/rooms", {"kind": "direct", "members": ["clerk"]})
    assert other_side.status_code == 200
    assert other_side.json()["id"] == first.json()["id"]
    assert first.json()["name"] == demo["users"]["staff1"].display_name
    assert other_side.json()["name"] == demo["users"]["clerk"].display_name


@pytest.mark.parametrize("body", [
    {"kind": "direct", "members": ["clerk"]},
    {"kind": "direct", "members": ["staff1", "staff2"]},
    {"kind": "direct", "members": []},
    {"kind": "unit", "name": "假单位", "members": ["staff1"]},
    {"kind": "bot", "name": "假机器人"},
    {"kind": "group", "name": "", "members": ["staff1"]},
    {"kind": "group", "name": "x" * 101},
    {"name": "没有类型"},
])
def test_invalid_room_requests_are_400_and_make_nothing(demo: Any, api: Any, body: Any) -> None:
    before = Room.objects.count()
    response = api("clerk").post("/rooms", body)
    assert response.status_code == 400, response.content
    assert error_code(response) == "bad_request"
    assert Room.objects.count() == before


# --- messages: paging ----------------------------------------------------------------------------
@pytest.fixture
def long_room(demo: Any, api: Any) -> int:
    """A group of clerk and staff1 holding 520 messages (stored directly, for speed)."""
    room = make_group(api, "clerk", "staff1")
    now = timezone.now()
    Message.objects.bulk_create([
        Message(room_id=room["id"], seq=seq, sender=demo["users"]["clerk"], body=f"第{seq}条",
                html=f"<p>第{seq}条</p>", created_at=now)
        for seq in range(1, 521)
    ])
    Room.objects.filter(id=room["id"]).update(last_seq=520)
    return room["id"]


def seqs(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["seq"] for m in response.json()]


def test_messages_default_page_is_the_newest_50_in_seq_order(api: Any, long_room: int) -> None:
    assert seqs(api("staff1").get(f"/rooms/{long_room}/messages")) == list(range(471, 521))


def test_messages_after_and_before_seq(api: Any, long_room: int) -> None:
    get = api("staff1").get
    path = f"/rooms/{long_room}/messages"
    assert seqs(get(path, after_seq=10, limit=5)) == [11, 12, 13, 14, 15]
    assert seqs(get(path, before_seq=100, limit=3)) == [97, 98, 99]
    assert seqs(get(path, after_seq=10, before_seq=14)) == [11, 12, 13]
    assert seqs(get(path, after_seq=520)) == []


def test_paging_forward_with_the_largest_limit_sees_every_seq_once(api: Any, long_room: int) -> None:
    get = api("staff1").get
    first = seqs(get(f"/rooms/{long_room}/messages", after_seq=0, limit=500))
    assert first == list(range(1, 501))
    rest = seqs(get(f"/rooms/{long_room}/messages", after_seq=first[-1], limit=500))
    assert rest == list(range(501, 521))


@pytest.mark.parametrize("params", [{"limit": 501}, {"limit": 0}, {"limit": "ten"},
                                    {"after_seq": -1}, {"before_seq": 0}])
def test_out_of_range_paging_parameters_are_400(api: Any, long_room: int, params: Any) -> None:
    response = api("staff1").get(f"/rooms/{long_room}/messages", **params)
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


# --- messages: sending ---------------------------------------------------------------------------
def test_send_answers_201_with_the_protocols_message(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"]
    response = api("clerk").send(general.id, "请 **今天** 报送", client_id="c-1")
    assert response.status_code == 201
    message = response.json()
    assert message["room"] == general.id and message["seq"] == 1
    assert message["sender"]["username"] == "clerk"
    assert (message["kind"], message["body"]) == ("text", "请 **今天** 报送")
    assert message["html"] == "<p>请 <strong>今天</strong> 报送</p>"
    assert (message["card"], message["reply_to"], message["client_id"]) == (None, None, "c-1")
    assert (message["attachments"], message["deleted"], message["edited_at"]) == ([], False, None)
    assert ISO_Z.match(message["created_at"])
    assert (message["read_count"], message["member_count"]) == (0, general.member_count - 1)
    fetched = api("staff1").get(f"/messages/{message['id']}").json()
    assert fetched["id"] == message["id"] and fetched["body"] == message["body"]


def test_same_client_id_answers_the_first_message_with_200(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    first = api("clerk").send(general, "原文", client_id="once")
    again = api("clerk").send(general, "重发的不同文本", client_id="once")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["body"] == "原文"
    assert Message.objects.filter(room_id=general).count() == 1
    assert Room.objects.get(id=general).last_seq == 1
    other = api("staff1").send(general, "别人的", client_id="once")
    assert other.status_code == 201, "client_id is scoped to its sender"
    assert other.json()["seq"] == 2


def test_reply_to_a_message_of_another_room_is_400(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    zfb = demo["rooms"]["zfb"].id
    elsewhere = sent(api, "clerk", zfb, "单位群里的")
    response = api("clerk").send(general, "回复", reply_to=elsewhere["id"])
    assert response.status_code == 400
    assert error_code(response) == "bad_request"
    assert Room.objects.get(id=general).last_seq == 0
    here = sent(api, "clerk", general, "频道里的")
    assert sent(api, "staff1", general, "回复", reply_to=here["id"])["reply_to"] == here["id"]


def test_body_over_10000_chars_is_413_and_stores_nothing(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    response = api("clerk").send(general, "长" * 10_001)
    assert response.status_code == 413
    assert error_code(response) == "too_large"
    assert Room.objects.get(id=general).last_seq == 0
    assert not Message.objects.filter(room_id=general).exists()
    assert api("clerk").send(general, "长" * 10_000).status_code == 201


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_empty_body_is_400(demo: Any, api: Any, body: str) -> None:
    general = demo["rooms"]["general"].id
    response = api("clerk").send(general, body)
    assert response.status_code == 400
    assert error_code(response) == "bad_request"
    assert Room.objects.get(id=general).last_seq == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_malformed_json_is_400_bad_request(demo: Any, api: Any, raw: bytes) -> None:
    general = demo["rooms"]["general"].id
    clerk = api("clerk")
    response = clerk.client.post(f"/api/v1/rooms/{general}/messages", raw,
                                 content_type="application/json", headers=clerk.headers)
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


@pytest.mark.parametrize("body", [
    {"body": 5},
    {"body": None},
    {"body": ["列表"]},
    {"body": "x", "client_id": 7},
    {"body": "x", "client_id": ""},
    {"body": "x", "client_id": "a" * 65},
    {"body": "x", "client_id": "含 空格"},
    {"body": "x", "reply_to": "1"},
    {"body": "x", "reply_to": 0},
    {"body": "x", "attachments": "1"},
    {"body": "x", "attachments": ["1"]},
])
def test_wrong_typed_fields_are_400_and_store_nothing(demo: Any, api: Any, body: Any) -> None:
    general = demo["rooms"]["general"].id
    response = api("clerk").post(f"/rooms/{general}/messages", body)
    assert response.status_code == 400, response.content
    assert error_code(response) == "bad_request"
    assert Room.objects.get(id=general).last_seq == 0


# --- receipts ------------------------------------------------------------------------------------
def test_readers_tells_the_sender_who_has_and_has_not_read(demo: Any, api: Any) -> None:
    room = make_group(api, "clerk", "staff1", "staff2")["id"]
    message = sent(api, "clerk", room, "请阅")
    api("staff1").post(f"/rooms/{room}/read", {"seq": message["seq"]})
    readers = api("clerk").get(f"/messages/{message['id']}/readers")
    assert readers.status_code == 200
    body = readers.json()
    assert [u["username"] for u in body["read"]] == ["staff1"]
    assert [u["username"] for u in body["unread"]] == ["staff2"]
    assert (body["read_count"], body["unread_count"]) == (1, 1)
    listed = api("clerk").get(f"/rooms/{room}/messages").json()[0]
    assert (listed["read_count"], listed["member_count"]) == (1, 2)


def test_readers_is_for_the_sender_and_room_admins_only(demo: Any, api: Any) -> None:
    room = make_group(api, "staff1", "clerk", "staff2")["id"]  # staff1 administers it
    message = sent(api, "clerk", room, "请阅")
    assert api("clerk").get(f"/messages/{message['id']}/readers").status_code == 200
    assert api("staff1").get(f"/messages/{message['id']}/readers").status_code == 200
    denied = api("staff2").get(f"/messages/{message['id']}/readers")
    assert denied.status_code == 403, "a member who can see the message is told forbidden"
    assert error_code(denied) == "forbidden"
    hidden = api("staff3").get(f"/messages/{message['id']}/readers")
    assert hidden.status_code == 404, "a non-member learns nothing"


# --- edits, deletions, reactions -----------------------------------------------------------------
def test_sender_edits_their_message(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    message = sent(api, "clerk", general, "初稿")
    response = api("clerk").patch(f"/messages/{message['id']}", {"body": "*定稿*"})
    assert response.status_code == 200
    edited = response.json()
    assert (edited["body"], edited["html"]) == ("*定稿*", "<p><em>定稿</em></p>")
    assert edited["edited_at"] is not None and ISO_Z.match(edited["edited_at"])
    assert api("staff1").get(f"/messages/{message['id']}").json()["body"] == "*定稿*"
    too_long = api("clerk").patch(f"/messages/{message['id']}", {"body": "长" * 10_001})
    assert too_long.status_code == 413


def test_other_members_may_not_edit_or_delete_a_message(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    message = sent(api, "clerk", general, "原文")
    edit = api("staff1").patch(f"/messages/{message['id']}", {"body": "篡改"})
    delete = api("staff1").delete(f"/messages/{message['id']}")
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert error_code(edit) == error_code(delete) == "forbidden"
    stored = Message.objects.get(id=message["id"])
    assert (stored.body, stored.deleted) == ("原文", False)


def test_non_members_get_not_found_for_edit_and_delete(demo: Any, api: Any) -> None:
    room = make_group(api, "clerk", "staff1")["id"]
    message = sent(api, "clerk", room, "内部")
    assert api("staff3").patch(f"/messages/{message['id']}", {"body": "x"}).status_code == 404
    assert api("staff3").delete(f"/messages/{message['id']}").status_code == 404
    assert Message.objects.get(id=message["id"]).body == "内部"


def test_sender_deletes_their_message_and_its_text_is_gone(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    message = sent(api, "clerk", general, "说错了")
    response = api("clerk").delete(f"/messages/{message['id']}")
    assert response.status_code == 200
    assert response.json()["deleted"] is True
    seen = api("staff1").get(f"/rooms/{general}/messages").json()[0]
    assert (seen["deleted"], seen["body"], seen["html"]) == (True, "", "")
    again = api("clerk").patch(f"/messages/{message['id']}", {"body": "复活"})
    assert again.status_code == 409
    assert error_code(again) == "conflict"


def test_room_admin_may_delete_but_not_edit_others_messages(demo: Any, api: Any) -> None:
    room = make_group(api, "clerk", "staff1")["id"]  # clerk administers it
    message = sent(api, "staff1", room, "违规内容")
    assert api("clerk").patch(f"/messages/{message['id']}", {"body": "x"}).status_code == 403
    assert api("clerk").delete(f"/messages/{message['id']}").status_code == 200
    assert Message.objects.get(id=message["id"]).deleted


def test_reactions_are_added_once_and_removed(demo: Any, api: Any) -> None:
    general = demo["rooms"]["general"].id
    message = sent(api, "clerk", general, "收到请回复")
    path = f"/messages/{message['id']}/reactions"
    staff1, clerk = demo["users"]["staff1"].id, demo["users"]["clerk"].id
    assert api("staff1").post(path, {"emoji": "👍"}).status_code == 200
    twice = api("staff1").post(path, {"emoji": "👍"}).json()
    assert twice["reactions"] == [{"emoji": "👍", "count": 1, "users": [staff1]}]
    both = api("clerk").post(path, {"emoji": "👍"}).json()
    assert both["reactions"] == [{"emoji": "👍", "count": 2, "users": [staff1, clerk]}]
    removed = api("staff1").delete(path, {"emoji": "👍"})
    assert removed.status_code == 200
    assert removed.json()["reactions"] == [{"emoji": "👍", "count": 1, "users": [clerk]}]
    for bad in ({"emoji": ""}, {"emoji": "x" * 33}, {}):
        assert api("staff1").post(path, bad).status_code == 400


def test_card_action_on_a_plain_message_is_400(demo: Any, api: Any) -> None:
    message = sent(api, "clerk", demo["rooms"]["general"].id, "不是卡片")
    response = api("staff1").post(f"/messages/{message['id']}/actions", {"action": "sign"})
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


# --- channels and members ------------------------------------------------------------------------
def test_channel_directory_join_and_leave(demo: Any, api: Any) -> None:
    channel = make_group(api, "clerk", kind="channel", name="公告")["id"]
    general = demo["rooms"]["general"].id
    directory = {c["id"]: c for c in api("staff1").get("/channels").json()}
    assert directory[channel]["joined"] is False
    assert directory[general]["joined"] is True
    joined = api("staff1").post(f"/rooms/{channel}/join")
    assert joined.status_code == 200
    assert joined.json()["id"] == channel and joined.json()["members_count"] == 2
    assert {c["id"]: c for c in api("staff1").get("/channels").json()}[channel]["joined"] is True
    assert room_of(api, "staff1", channel) is not None
    assert api("staff1").post(f"/rooms/{channel}/leave").status_code == 204
    assert room_of(api, "staff1", channel) is None
    gone = api("staff1").get(f"/rooms/{channel}/messages")
    assert gone.status_code == 404, "a former member no longer sees the channel"
    assert Room.objects.get(id=channel).member_count == 1


def test_only_channels_can_be_joined(demo: Any, api: Any) -> None:
    group = make_group(api, "clerk", "staff1")["id"]
    response = api("staff3").post(f"/rooms/{group}/join")
    assert response.status_code == 404
    assert room_of(api, "staff3", group) is None


def test_unit_and_direct_rooms_cannot_be_left(demo: Any, api: Any) -> None:
    zfb = demo["rooms"]["zfb"].id
    direct = api("clerk").post("/rooms", {"kind": "direct", "members": ["staff1"]}).json()["id"]
    for room in (zfb, direct):
        response = api("clerk").post(f"/rooms/{room}/leave")
        assert response.status_code == 403
        assert error_code(response) == "forbidden"
        assert room_of(api, "clerk", room) is not None


def test_group_members_are_listed_and_added_by_its_admin(demo: Any, api: Any) -> None:
    room = make_group(api, "clerk", "staff1")["id"]
    members = api("staff1").get(f"/rooms/{room}/members").json()
    assert [(m["username"], m["role"]) for m in members] == [("clerk", "admin"), ("staff1", "member")]
    added = api("clerk").post(f"/rooms/{room}/members", {"members": ["staff2"]})
    assert added.status_code == 200 and added.json() == {"added": 1}
    assert api("clerk").post(f"/rooms/{room}/members", {"members": ["staff2"]}).json() == {"added": 0}
    assert room_of(api, "staff2", room) is not None
    denied = api("staff1").post(f"/rooms/{room}/members", {"members": ["staff3"]})
    assert denied.status_code == 403
    assert room_of(api, "staff3", room) is None
    unknown = api("clerk").post(f"/rooms/{room}/members", {"members": ["ghost-user"]})
    assert unknown.status_code == 400 and "ghost-user" in unknown.json()["error"]["detail"]


def test_unit_room_membership_is_not_edited_by_hand(demo: Any, api: Any) -> None:
    zfb = demo["rooms"]["zfb"].id
    response = api("leader").post(f"/rooms/{zfb}/members", {"members": ["staff6"]})
    assert response.status_code == 403
    assert room_of(api, "staff6", zfb) is None


# --- attachments ---------------------------------------------------------------------------------
CONTENT = bytes(range(256)) * 40


def upload(api: Any, username: str, name: str, data: bytes = CONTENT) -> dict[str, Any]:
    response = api(username).upload(name, data)
    assert response.status_code == 201, response.content
    return response.json()


def test_upload_is_201_with_size_and_sha256(demo: Any, api: Any) -> None:
    attachment = upload(api, "clerk", "report.docx")
    assert attachment["size"] == len(CONTENT)
    assert attachment["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert attachment["name"] == "report.docx"
    assert attachment["url"].startswith(f"/api/v1/attachments/{attachment['id']}")


def test_upload_without_a_file_field_is_400(demo: Any, api: Any) -> None:
    clerk = api("clerk")
    response = clerk.client.post("/api/v1/attachments", {"other": "x"}, headers=clerk.headers)
    assert response.status_code == 400


def download(api: Any, username: str, url: str) -> Any:
    assert url.startswith("/api/v1/")
    client = api(username)
    return client.client.get(url, headers=client.headers)


def test_member_downloads_a_posted_file_with_its_chinese_name(demo: Any, api: Any) -> None:
    name = "关于开展安全生产检查的通知.docx"
    attachment = upload(api, "clerk", name)
    room = make_group(api, "clerk", "staff1")["id"]
    message = sent(api, "clerk", room, "附件请查收", attachments=[attachment["id"]])
    assert [a["id"] for a in message["attachments"]] == [attachment["id"]]
    for url in (attachment["url"], f"/api/v1/attachments/{attachment['id']}"):
        response = download(api, "staff1", url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == CONTENT
        assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
        assert response["Content-Length"] == str(len(CONTENT))


def test_file_posted_in_a_room_is_hidden_from_non_members(demo: Any, api: Any) -> None:
    attachment = upload(api, "clerk", "内部.docx")
    room = make_group(api, "clerk", "staff1")["id"]
    sent(api, "clerk", room, "附件", attachments=[attachment["id"]])
    response = download(api, "staff3", attachment["url"])
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_uploader_alone_can_download_before_posting(demo: Any, api: Any) -> None:
    attachment = upload(api, "clerk", "草稿.docx")
    assert download(api, "clerk", attachment["url"]).status_code == 200
    assert download(api, "staff1", attachment["url"]).status_code == 404


def test_attachment_of_someone_else_cannot_be_posted(demo: Any, api: Any) -> None:
    attachment = upload(api, "clerk", "别人的.docx")
    general = demo["rooms"]["general"].id
    response = api("staff1").send(general, "转发", attachments=[attachment["id"]])
    assert response.status_code == 404
    assert Room.objects.get(id=general).last_seq == 0


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_file_over_the_upload_limit_is_413_and_not_kept(demo: Any, api: Any, settings: Any) -> None:
    settings.HUITONG_MAX_UPLOAD_BYTES = 1000
    settings.HUITONG_MAX_REQUEST_BYTES = 100_000
    response = api("clerk").upload("big.bin", b"x" * 1001)
    assert response.status_code == 413
    assert error_code(response) == "too_large"
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert api("clerk").upload("fits.bin", b"x" * 1000).status_code == 201


def asgi_post(path: str, body: bytes, headers: list[tuple[bytes, bytes]],
              app: Any = None) -> dict[str, Any]:
    from channels.testing import HttpCommunicator

    if app is None:
        from hub.asgi import application as app

    async def run() -> dict[str, Any]:
        communicator = HttpCommunicator(app, "POST", path, body=body, headers=headers)
        try:
            return await communicator.get_response(timeout=5)
        finally:
            await communicator.wait(timeout=5)

    return async_to_sync(run)()


def test_request_over_the_request_limit_is_413_before_django_reads_it(
        demo: Any, api: Any, settings: Any) -> None:
    settings.HUITONG_MAX_UPLOAD_BYTES = 1000
    settings.HUITONG_MAX_REQUEST_BYTES = 2000
    body = b"x" * 2001
    headers = [(b"content-type", b"multipart/form-data; boundary=zz"),
               (b"content-length", str(len(body)).encode()),
               (b"authorization", f"Bearer {api('clerk').token}".encode())]
    response = asgi_post("/api/v1/attachments", body, headers)
    assert response["status"] == 413
    assert json.loads(response["body"])["error"]["code"] == "too_large"
    assert not Attachment.objects.exists()

    # The same middleware passes a request at the limit on to the application.
    from hub.lib.asgi import BodySizeLimit

    reached: list[bytes] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    at_limit = b"x" * 2000
    ok = asgi_post("/api/v1/attachments", at_limit,
                   [(b"content-length", str(len(at_limit)).encode())], app=BodySizeLimit(inner))
    assert ok["status"] == 204 and reached == [at_limit]


def test_storage_name_is_random_not_the_uploaded_name(demo: Any, api: Any, settings: Any) -> None:
    attachment = upload(api, "clerk", "../../../etc/秘密名单.html")
    assert attachment["name"] == "秘密名单.html", "only the base name is kept"
    stored = Attachment.objects.get(id=attachment["id"])
    assert "秘密" not in stored.storage_name and "html" not in stored.storage_name
    (path,) = stored_files(settings)
    assert path.resolve().is_relative_to((Path(settings.MEDIA_ROOT) / "attachments").resolve())
    assert re.fullmatch(r"[0-9a-f]{40}", path.name)
    assert path.read_bytes() == CONTENT


@pytest.mark.parametrize("name, data", [
    ("page.html", b"<script>alert(document.cookie)</script>"),
    ("PAGE.HTM", b"<script>alert(1)</script>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("page.xhtml", b"<html xmlns='http://www.w3.org/1999/xhtml'><script>1</script></html>"),
])
def test_html_and_svg_are_never_served_inline(demo: Any, api: Any, name: str, data: bytes) -> None:
    attachment = upload(api, "clerk", name, data)
    response = download(api, "clerk", attachment["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_declared_html_type_of_a_nameless_file_is_not_served_inline(demo: Any, api: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = api("clerk")
    upload_file = SimpleUploadedFile("noextension", b"<script>1</script>", content_type="text/html")
    attachment = clerk.client.post("/api/v1/attachments", {"file": upload_file},
                                   headers=clerk.headers).json()
    response = download(api, "clerk", attachment["url"])
    assert response["Content-Disposition"].startswith("attachment;")


def test_images_are_shown_inline_unless_download_is_asked(demo: Any, api: Any) -> None:
    attachment = upload(api, "clerk", "照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    shown = download(api, "clerk", attachment["url"])
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline;")
    saved = download(api, "clerk", attachment["url"] + "?download=1")
    assert saved["Content-Disposition"].startswith("attachment;")


# --- the API's edges -----------------------------------------------------------------------------
def api_routes() -> list[tuple[str, set[str]]]:
    """(OpenAPI path, HTTP methods) of every route under /api/v1 in hub/urls.py."""
    from hub.urls import api

    routes = []
    for pattern in api:
        path = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        methods = getattr(pattern.callback, "allowed_methods", None)
        assert methods, f"{path} is not an @endpoint view, so its methods are unknown"
        routes.append((path, {m.lower() for m in methods}))
    return routes


def test_openapi_documents_every_route_and_method_of_the_urlconf(demo: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    routes = api_routes()
    assert len(routes) >= 20
    for path, methods in routes:
        assert path in paths, f"{path} is served but not documented"
        documented = set(paths[path]) - {"parameters", "summary", "description"}
        assert documented == methods, f"{path}: serves {methods}, documents {documented}"
    served = {path for path, _ in routes}
    assert set(paths) <= served, f"documented but not served: {set(paths) - served}"


def test_unknown_api_path_is_404_json_not_found(demo: Any, api: Any) -> None:
    for response in (api("clerk").get("/xyz"), Client().post("/api/v1/xyz/1")):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert error_code(response) == "not_found"


@pytest.mark.parametrize("method, path, allowed", [
    ("delete", "/me", "GET"),
    ("put", "/rooms", "GET, POST"),
    ("get", "/auth/token", "DELETE, POST"),
    ("get", "/attachments", "POST"),
    ("post", "/openapi.json", "GET"),
])
def test_wrong_method_is_405(demo: Any, api: Any, method: str, path: str, allowed: str) -> None:
    clerk = api("clerk")
    response = getattr(clerk.client, method)(f"/api/v1{path}", headers=clerk.headers)
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert response["Allow"] == allowed


def test_rooms_list_puts_the_room_with_the_newest_message_first(api: Any, demo: Any) -> None:
    clerk = api("clerk")
    general, zfb = demo["rooms"]["general"].id, demo["rooms"]["zfb"].id
    clerk.send(general, "先发")
    clerk.send(zfb, "后发")
    assert [r["id"] for r in clerk.get("/rooms").json()][:2] == [zfb, general]
    clerk.send(general, "再发")
    assert [r["id"] for r in clerk.get("/rooms").json()][:2] == [general, zfb]
