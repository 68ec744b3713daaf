"""Topics (话题) and threads (跟帖): messages carry them, the room is read by topic with
unread counts per topic, a topic is renamed in batches with one frame, followed or muted per
person; a thread counts its replies on its root; v1 sends get no topic and seq stays per room."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from hub.chat import actions
from hub.chat.models import Message, TopicPreference
from hub.core.models import IndexQueue

pytestmark = pytest.mark.django_db


def general(demo: dict[str, Any]) -> int:
    return demo["rooms"]["general"].id


def test_a_send_without_topic_has_none_and_seq_stays_per_room(api: Any, demo: Any) -> None:
    room = general(demo)
    first = api("staff1").send(room, "没有话题").json()
    second = api("staff1").send(room, "有话题", topic="  冬季  值班 ").json()
    assert first["topic"] is None and first["thread"] is None
    assert second["topic"] == "冬季 值班"
    assert second["seq"] == first["seq"] + 1


def test_a_topic_over_60_characters_is_refused_and_nothing_stored(api: Any, demo: Any) -> None:
    room = general(demo)
    before = Message.objects.count()
    response = api("staff1").send(room, "太长", topic="话" * 61)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert Message.objects.count() == before


def test_topics_list_latest_first_with_unread_per_topic(api: Any, demo: Any) -> None:
    room = general(demo)
    api("staff1").send(room, "一", topic="值班")
    api("staff1").send(room, "二", topic="安全")
    api("staff2").send(room, "三", topic="值班")
    topics = api("staff3").get(f"/rooms/{room}/topics").json()
    assert [t["name"] for t in topics] == ["值班", "安全"]
    duty = topics[0]
    assert (duty["count"], duty["unread"], duty["state"]) == (2, 2, "none")
    # staff2 sent the last 值班 message: it read the room up to it, and its own is not unread.
    mine = {t["name"]: t for t in api("staff2").get(f"/rooms/{room}/topics").json()}
    assert mine["值班"]["unread"] == 0 and mine["安全"]["unread"] == 0
    last = duty["last_seq"]
    api("staff3").post(f"/rooms/{room}/read", {"seq": last})
    assert all(t["unread"] == 0 for t in api("staff3").get(f"/rooms/{room}/topics").json())


def test_read_the_room_by_one_topic(api: Any, demo: Any) -> None:
    room = general(demo)
    api("staff1").send(room, "一", topic="值班")
    api("staff1").send(room, "二", topic="安全")
    api("staff1").send(room, "三", topic="值班")
    page = api("staff2").get(f"/rooms/{room}/messages", topic="值班").json()
    assert [m["body"] for m in page] == ["一", "三"]


def test_topics_of_a_room_one_is_not_in_answer_not_found(api: Any, demo: Any) -> None:
    wsj = demo["rooms"]["wsj"].id
    api("staff2").send(wsj, "内部", topic="内部话题")
    assert api("staff1").get(f"/rooms/{wsj}/topics").status_code == 404
    assert api("staff1").get(f"/rooms/{wsj}/messages", topic="内部话题").status_code == 404
    response = api("staff1").post(f"/rooms/{wsj}/topics/rename", {"name": "内部话题", "to": "x"})
    assert response.status_code == 404
    response = api("staff1").post(f"/rooms/{wsj}/topics/follow",
                                  {"name": "内部话题", "state": "follow"})
    assert response.status_code == 404


def test_rename_moves_every_message_and_preference_and_queues_the_index(
        api: Any, demo: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "RENAME_BATCH", 2)  # several batches, then the locked tail
    room = general(demo)
    for i in range(5):
        api("staff1").send(room, f"第{i}条", topic="旧话题")
    api("staff1").send(room, "别的", topic="别的")
    api("staff2").post(f"/rooms/{room}/topics/follow", {"name": "旧话题", "state": "follow"})
    IndexQueue.objects.all().delete()
    response = api("staff1").post(f"/rooms/{room}/topics/rename", {"name": "旧话题", "to": "新话题"})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 5
    assert Message.objects.filter(topic="旧话题").count() == 0
    assert Message.objects.filter(topic="新话题").count() == 5
    assert IndexQueue.objects.filter(kind="message").count() == 5
    assert TopicPreference.objects.get(user__username="staff2").name == "新话题"
    names = {t["name"]: t for t in api("staff2").get(f"/rooms/{room}/topics").json()}
    assert names["新话题"]["state"] == "follow" and "旧话题" not in names


def test_only_admins_and_the_starter_rename_in_a_channel(api: Any, demo: Any) -> None:
    room = general(demo)
    api("staff1").send(room, "开始", topic="由我开始")
    api("staff2").send(room, "跟上", topic="由我开始")
    response = api("staff2").post(f"/rooms/{room}/topics/rename", {"name": "由我开始", "to": "改"})
    assert response.status_code == 403
    assert api("staff1").post(f"/rooms/{room}/topics/rename",
                              {"name": "由我开始", "to": "改"}).status_code == 200
    missing = api("staff1").post(f"/rooms/{room}/topics/rename", {"name": "没有的", "to": "改"})
    assert missing.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_rename_while_others_send_leaves_nothing_under_the_old_name(
        api: Any, demo: Any, monkeypatch: Any) -> None:
    """Senders keep going while the batches run (no room lock); whatever they committed to
    the old name before the locked tail is renamed with the rest."""
    monkeypatch.setattr(actions, "RENAME_BATCH", 3)
    room = general(demo)
    sender = demo["users"]["staff2"]
    for i in range(9):
        api("staff1").send(room, f"旧{i}", topic="忙碌")
    stop = threading.Event()
    sent: list[int] = []

    def keep_sending() -> None:
        try:
            while not stop.is_set() and len(sent) < 30:
                r = actions.send_message(sender=sender, room_id=room, body="并发", topic="忙碌",
                                         check_rate=False)
                sent.append(r.message["seq"])
        finally:
            connection.close()

    worker = threading.Thread(target=keep_sending)
    worker.start()
    try:
        result = actions.rename_topic(user=demo["users"]["staff1"], room_id=room, name="忙碌",
                                      to="已改名")
    finally:
        stop.set()
        worker.join()
    seqs = sorted(Message.objects.filter(room_id=room).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free throughout
    renamed = Message.objects.filter(room_id=room, topic="已改名").count()
    assert renamed == result["count"]
    # Whatever still carries the old name was sent after the locked tail: a new topic.
    last_renamed = max(Message.objects.filter(room_id=room, topic="已改名")
                       .values_list("seq", flat=True))
    assert all(m.seq > last_renamed for m in Message.objects.filter(room_id=room, topic="忙碌"))
    assert len(sent) > 0
    assert renamed >= 9


def test_threads_count_replies_on_the_root_and_read_back_in_order(api: Any, demo: Any) -> None:
    room = general(demo)
    root = api("staff1").send(room, "请大家提意见", topic="意见").json()
    one = api("staff2").send(room, "同意", thread=root["id"]).json()
    assert (one["thread"], one["topic"], one["reply_to"]) == (root["id"], "意见", root["id"])
    # A reply to a reply joins the same thread.
    two = api("staff3").send(room, "补充", thread=one["id"]).json()
    assert two["thread"] == root["id"]
    got = api("staff4").get(f"/messages/{root['id']}/thread").json()
    assert [m["body"] for m in got["replies"]] == ["同意", "补充"]
    assert got["root"]["thread_count"] == 2 and got["root"]["thread_last_seq"] == two["seq"]
    assert api("staff4").get(f"/messages/{two['id']}/thread").json()["root"]["id"] == root["id"]


def test_a_thread_is_only_in_its_own_room(api: Any, demo: Any) -> None:
    wsj = demo["rooms"]["wsj"].id
    secret = api("staff2").send(wsj, "单位内部").json()
    room = general(demo)
    response = api("staff1").send(room, "越权跟帖", thread=secret["id"])
    assert response.status_code == 404
    assert api("staff1").get(f"/messages/{secret['id']}/thread").status_code == 404
    same_user_other_room = api("staff2").send(room, "跨会话", thread=secret["id"])
    assert same_user_other_room.status_code == 400


def test_followed_topics_across_rooms(api: Any, demo: Any) -> None:
    room = general(demo)
    api("staff1").send(room, "一", topic="关注我")
    api("staff2").post(f"/rooms/{room}/topics/follow", {"name": "关注我", "state": "follow"})
    api("staff1").send(room, "二", topic="关注我")
    followed = api("staff2").get("/topics").json()
    assert [(t["room"], t["name"], t["state"], t["unread"]) for t in followed] == [
        (room, "关注我", "follow", 2)]
    api("staff2").post(f"/rooms/{room}/topics/follow", {"name": "关注我", "state": "none"})
    assert api("staff2").get("/topics").json() == []


def test_bad_topic_input_answers_400_or_409_and_changes_nothing(api: Any, demo: Any) -> None:
    room = general(demo)
    root = api("staff1").send(room, "开头", topic="值班").json()
    staff1 = api("staff1")
    cases = [
        staff1.post(f"/rooms/{room}/topics/rename", {"name": "值班", "to": "长" * 61}),
        staff1.post(f"/rooms/{room}/topics/rename", {"name": "值班", "to": "  "}),
        staff1.post(f"/rooms/{room}/topics/rename", {"name": "值班", "to": "值班"}),
        staff1.post(f"/rooms/{room}/topics/follow", {"name": "值班", "state": "loud"}),
        staff1.post(f"/rooms/{room}/topics/follow", {"name": " ", "state": "follow"}),
        staff1.send(room, "x", topic=123),
    ]
    for response in cases:
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "bad_request"
    assert Message.objects.filter(topic="值班").count() == 1
    staff1.delete(f"/messages/{root['id']}")
    late = api("staff2").send(room, "迟到的跟帖", thread=root["id"])
    assert (late.status_code, late.json()["error"]["code"]) == (409, "conflict")


def test_moving_a_topic_sends_it_again_in_the_target_room_with_its_thread(
        api: Any, demo: Any) -> None:
    room = api("clerk").post("/rooms", {"name": "值班专班", "kind": "group",
                                        "members": ["staff1", "staff2"]}).json()["id"]
    target = general(demo)
    root = api("staff1").send(room, "值班表", topic="值班").json()
    api("staff2").send(room, "收到", thread=root["id"])
    api("staff2").send(room, "别的事")
    before = Message.objects.get(id=root["id"]).seq
    moved = api("staff1").post(f"/rooms/{room}/topics/move", {"name": "值班", "room": target,
                                                             "to": "节日值班"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["count"] == 2
    copies = list(Message.objects.filter(room_id=target, topic="节日值班").order_by("seq"))
    assert [m.body for m in copies] == ["值班表", "收到"]
    assert copies[1].thread_id == copies[0].id and copies[0].thread_count == 1
    assert copies[0].forwarded["sender"]["username"] == "staff1"
    assert copies[1].forwarded["sender"]["username"] == "staff2"
    # The originals are deleted in place (the old room's seqs stay gap-free), with a note.
    originals = Message.objects.filter(room_id=room, seq__gte=before).order_by("seq")
    assert [m.deleted for m in originals] == [True, True, False, False]
    assert "移至" in originals.last().body
    assert api("staff1").get(f"/rooms/{room}/topics").json() == []


def test_a_topic_moves_only_where_the_caller_may_post_and_never_with_secrets(
        api: Any, demo: Any) -> None:
    room = general(demo)
    wsj = demo["rooms"]["wsj"].id
    api("staff1").send(room, "我的话题", topic="移动")
    # staff1 is not in wsj's room: it is as if it did not exist.
    assert api("staff1").post(f"/rooms/{room}/topics/move",
                              {"name": "移动", "room": wsj}).status_code == 404
    # staff2 did not start the topic and is no admin of the channel.
    assert api("staff2").post(f"/rooms/{room}/topics/move",
                              {"name": "移动", "room": wsj}).status_code == 403
    api("staff1").send(room, "秘密★1年 内部事项", topic="移动")
    qwb = demo["rooms"]["qwb"].id
    refused = api("staff1").post(f"/rooms/{room}/topics/move", {"name": "移动", "room": qwb})
    assert refused.status_code == 400
    assert Message.objects.filter(room_id=room, topic="移动", deleted=False).count() == 2
    assert not Message.objects.filter(room_id=qwb, topic="移动").exists()
