"""Presence on the connect path (hub/chat/presence.py): who is told, and when."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.chat import presence
from hub.chat.models import RoomMember


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The presence frames `connected` hands to the live fan-out, in order."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(presence, "publish", sent.append)
    return sent


def small_room_mates(user_id: int, limit: int) -> set[int]:
    rooms = RoomMember.objects.filter(user_id=user_id, room__member_count__lte=limit)
    return set(RoomMember.objects.filter(room__in=rooms.values("room"))
               .exclude(user_id=user_id).values_list("user_id", flat=True))


def test_the_first_socket_anywhere_announces_online_to_small_room_mates_only(
        demo: Any, published: list[dict[str, Any]], settings: Any) -> None:
    leader, clerk = demo["users"]["leader"], demo["users"]["clerk"]
    general = demo["rooms"]["general"]
    settings.HUITONG_RECEIPT_FANOUT_MAX = general.member_count - 1  # general is not small
    presence.connected(server="a", user_id=leader.id)
    assert len(published) == 1
    frame = published[0]
    assert json.loads(frame["text"]) == {"type": "presence", "user": leader.id, "status": "online"}
    audience = set(frame["users"])
    assert clerk.id in audience  # the two share their unit's room
    assert leader.id not in audience
    assert audience == small_room_mates(leader.id, settings.HUITONG_RECEIPT_FANOUT_MAX)
    # Someone who shares only the big channel with the leader is not told.
    only_general = set(general.members.values_list("user_id", flat=True)) - audience - {leader.id}
    assert only_general


def test_a_second_socket_or_a_second_process_announces_nothing(
        demo: Any, published: list[dict[str, Any]]) -> None:
    leader = demo["users"]["leader"]
    presence.connected(server="a", user_id=leader.id)
    presence.connected(server="a", user_id=leader.id)  # a phone beside the browser
    presence.connected(server="b", user_id=leader.id)  # and one on the other process
    assert len(published) == 1
    assert presence.status_of(leader.id) == "online"


def test_online_elsewhere_only_as_away_still_announces_online(
        demo: Any, published: list[dict[str, Any]]) -> None:
    from hub.core.models import Presence

    leader = demo["users"]["leader"]
    presence.connected(server="a", user_id=leader.id)
    Presence.objects.filter(user_id=leader.id, server="a").update(away=True)
    published.clear()
    presence.connected(server="b", user_id=leader.id)
    assert len(published) == 1
    assert json.loads(published[0]["text"])["status"] == "online"


def test_offline_is_announced_when_the_last_socket_anywhere_closes(
        demo: Any, published: list[dict[str, Any]]) -> None:
    from hub.core.models import Presence

    leader = demo["users"]["leader"]
    presence.connected(server="a", user_id=leader.id)
    presence.connected(server="a", user_id=leader.id)
    presence.connected(server="b", user_id=leader.id)
    published.clear()
    presence.disconnected(server="a", user_id=leader.id)  # the phone closes; the browser stays
    assert Presence.objects.get(user_id=leader.id, server="a").sockets == 1
    presence.disconnected(server="a", user_id=leader.id)  # nothing left on a; still on b
    assert not Presence.objects.filter(user_id=leader.id, server="a").exists()
    assert published == []
    assert presence.status_of(leader.id) == "online"
    presence.disconnected(server="b", user_id=leader.id)
    assert not Presence.objects.filter(user_id=leader.id).exists()
    assert len(published) == 1
    frame = published[0]
    assert json.loads(frame["text"]) == {"type": "presence", "user": leader.id, "status": "offline"}
    assert set(frame["users"]) == set(presence.audience(leader.id))
    assert presence.status_of(leader.id) == "offline"


def test_someone_who_shares_no_small_room_announces_nothing(
        demo: Any, published: list[dict[str, Any]], settings: Any) -> None:
    leader = demo["users"]["leader"]
    settings.HUITONG_RECEIPT_FANOUT_MAX = 1  # no room of theirs is small
    presence.connected(server="a", user_id=leader.id)
    presence.disconnected(server="a", user_id=leader.id)
    assert published == []


def test_sockets_opening_together_each_get_their_own_answer_in_one_transaction(
        demo: Any, published: list[dict[str, Any]], django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    """The first trip of sockets opening together (hub/chat/consumers.py: _open_many): each
    credential resolved on its own, two sockets of one person counted twice, presence
    announced once per person after the commit, each person's rooms."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    from hub.chat.consumers import _open_many
    from hub.core.models import Presence
    from hub.org.actions import issue_token
    from tests.conftest import DEMO_PASSWORD

    settings.HUITONG_RECEIPT_FANOUT_MAX = 50
    leader, clerk = demo["users"]["leader"], demo["users"]["clerk"]
    browser = Client()
    assert browser.post("/login/", {"username": clerk.username, "password": DEMO_PASSWORD}
                        ).status_code == 302
    session_key = browser.cookies["sessionid"].value
    assert SessionStore(session_key=session_key).exists(session_key)
    phone, desk = issue_token(user=leader), issue_token(user=leader)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = _open_many(sockets=[
            ("token", phone), ("token", "not-a-token"), ("session", session_key),
            ("token", desk), ("session", "not-a-session")], server="a")
    assert [r[0] is None for r in results] == [False, True, False, False, True]
    assert results[0][0].user == leader and results[3][0].user == leader
    assert results[2][0][0] == clerk
    assert results[1] == (None, {}) and results[4] == (None, {})
    for (_, states), user in ((results[0], leader), (results[2], clerk)):
        rooms = dict(RoomMember.objects.filter(user=user)
                     .values_list("room_id", "room__last_seq"))
        assert states == rooms and rooms
    assert Presence.objects.get(user=leader, server="a").sockets == 2
    assert Presence.objects.get(user=clerk, server="a").sockets == 1
    assert len(callbacks) == len(published) == 2  # published only once committed
    assert {json.loads(f["text"])["user"] for f in published} == {leader.id, clerk.id}
