"""The to-do registry (hub/core/todo.py) with a kind of its own: what GET /todo answers, and
who hears the live `todo` frame when an action says their to-do changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from hub.core import todo
from hub.core.models import TodoDirty

WAITING: dict[int, list[todo.TodoItem]] = {}


def _provider(*, user: Any, now: Any) -> list[todo.TodoItem]:
    return list(WAITING.get(user.id, []))


@pytest.fixture
def probe_kind() -> Iterator[None]:
    """A kind of work that waits on whoever WAITING names."""
    WAITING.clear()
    todo.register(kind="probe", label="探测", object_type="probe", provider=_provider)
    yield
    todo.unregister("probe")
    WAITING.clear()


def _card_message(demo: Any, *, actors: list[int]) -> dict[str, Any]:
    from hub.chat import actions

    card = {"card_type": "probe", "ref": 1, "title": "探测卡片", "state": "open", "fields": [],
            "actions": [{"action": "go", "label": "办理", "style": "primary", "users": actors},
                        {"action": "look", "label": "查看", "style": "default"}]}
    return actions.send_message(sender=demo["users"]["clerk"], room_id=demo["rooms"]["zfb"].id,
                                body="探测", kind="card", card=card).message


@pytest.mark.django_db
def test_items_come_oldest_first_with_the_card_as_the_caller_sees_it(
        demo: Any, api: Any, probe_kind: None) -> None:
    users = demo["users"]
    clerk, leader = users["clerk"], users["leader"]
    message = _card_message(demo, actors=[clerk.id])
    now = timezone.now()
    WAITING[clerk.id] = [
        todo.TodoItem(kind="probe", ref=2, title="后来的", since=now, message=message["id"],
                      deadline=now + timedelta(hours=1)),
        todo.TodoItem(kind="probe", ref=1, title="先来的", since=now - timedelta(days=1),
                      unit={"code": "zfb", "name": "区政府办公室"}, overdue=True),
    ]
    WAITING[leader.id] = [todo.TodoItem(kind="probe", ref=2, title="后来的", since=now,
                                        message=message["id"])]
    answer = api("clerk").get("/todo").json()
    assert answer["total"] == 2 and answer["counts"]["probe"] == 2
    first, second = answer["items"]
    assert (first["title"], first["ref"], first["overdue"]) == ("先来的", 1, True)
    assert first["unit"] == {"code": "zfb", "name": "区政府办公室"}
    assert first["message"] is None and first["room"] is None and first["card"] is None
    assert (first["kind"], first["label"], first["object_type"]) == ("probe", "探测", "probe")
    assert second["message"] == message["id"] and second["room"] == demo["rooms"]["zfb"].id
    assert [a["action"] for a in second["card"]["actions"]] == ["go", "look"]
    assert "users" not in second["card"]["actions"][0]
    assert second["deadline"].endswith("Z") and second["since"].endswith("Z")
    # The leader is in the room too but may not press 办理: the card shows it only to clerk.
    leaders = api("leader").get("/todo").json()["items"]
    assert [a["action"] for a in leaders[0]["card"]["actions"]] == ["look"]


@pytest.mark.django_db
def test_a_card_in_a_room_the_caller_is_not_in_is_not_shown(
        demo: Any, api: Any, probe_kind: None) -> None:
    """A provider that names a card message the caller cannot see leaks nothing of it."""
    message = _card_message(demo, actors=[])
    staff3 = demo["users"]["staff3"]  # not in zfb
    WAITING[staff3.id] = [todo.TodoItem(kind="probe", ref=1, title="x", since=timezone.now(),
                                        message=message["id"])]
    item = api("staff3").get("/todo").json()["items"][0]
    assert (item["message"], item["room"], item["card"]) == (None, None, None)


@pytest.mark.django_db
def test_kinds_lists_the_registry_and_todo_needs_a_login(
        demo: Any, api: Any, probe_kind: None) -> None:
    from django.test import Client

    kinds = api("clerk").get("/todo/kinds").json()
    assert {"kind": "probe", "label": "探测", "object_type": "probe"} in kinds
    assert Client().get("/api/v1/todo").status_code == 401


@pytest.mark.django_db
def test_a_failing_provider_leaves_the_other_kinds(demo: Any, api: Any, probe_kind: None) -> None:
    def broken(*, user: Any, now: Any) -> list[todo.TodoItem]:
        raise RuntimeError("boom")

    todo.register(kind="broken", label="坏", object_type="x", provider=broken)
    try:
        WAITING[demo["users"]["clerk"].id] = [
            todo.TodoItem(kind="probe", ref=1, title="x", since=timezone.now())]
        answer = api("clerk").get("/todo").json()
        assert answer["counts"]["probe"] == 1 and answer["total"] == 1
    finally:
        todo.unregister("broken")


async def _tokens(api: Any, *names: str) -> list[str]:
    return [await database_sync_to_async(lambda n=n: api(n).token)() for n in names]


@pytest.mark.django_db(transaction=True)
async def test_a_change_reaches_the_sockets_of_those_it_names_after_commit(
        demo: Any, api: Any, connect: Any, probe_kind: None) -> None:
    clerk_token, staff1_token = await _tokens(api, "clerk", "staff1")
    clerk = await connect(token=clerk_token)
    second = await connect(token=clerk_token)
    staff1 = await connect(token=staff1_token)
    clerk_id = demo["users"]["clerk"].id

    def act() -> None:
        with transaction.atomic():
            WAITING[clerk_id] = [todo.TodoItem(kind="probe", ref=1, title="x",
                                               since=timezone.now())]
            todo.changed(user_ids=[clerk_id])

    await database_sync_to_async(act)()
    for sock in (clerk, second):
        frame = await sock.recv_type("todo")
        assert frame["counts"]["probe"] == 1 and frame["total"] >= 1
    await staff1.nothing(timeout=0.5)


@pytest.mark.django_db(transaction=True)
async def test_a_rolled_back_change_announces_nothing(
        demo: Any, api: Any, connect: Any, probe_kind: None) -> None:
    (token,) = await _tokens(api, "clerk")
    clerk = await connect(token=token)

    def act() -> None:
        try:
            with transaction.atomic():
                todo.changed(user_ids=[demo["users"]["clerk"].id])
                todo.changed_units(unit_ids=[u.id for u in demo["units"].values()])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    await database_sync_to_async(act)()
    await clerk.nothing(timeout=0.5)
    assert await database_sync_to_async(TodoDirty.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_a_change_to_many_units_is_left_to_the_worker_then_reaches_everyone(
        demo: Any, api: Any, connect: Any, probe_kind: None) -> None:
    """Beyond a few units the request only writes rows; the worker task recounts and tells
    every member of those units, once each."""
    clerk_token, staff6_token = await _tokens(api, "clerk", "staff6")
    clerk = await connect(token=clerk_token)
    staff6 = await connect(token=staff6_token)
    units = demo["units"]
    named = [units[c].id for c in ("zfb", "qwb", "wsj", "wtj")]  # not town3 (staff6's)

    def act() -> None:
        with transaction.atomic():
            todo.changed_units(unit_ids=named)
            todo.changed(user_ids=[demo["users"]["clerk"].id])

    await database_sync_to_async(act)()
    await clerk.nothing(timeout=0.4)
    assert await database_sync_to_async(TodoDirty.objects.count)() == 5
    told = await database_sync_to_async(todo.drain)()
    assert told == 6  # leader, clerk, staff1, staff2, staff3, wsjadmin
    frame = await clerk.recv_type("todo")
    assert set(frame["counts"]) >= {"probe"}
    await clerk.nothing(timeout=0.3)
    await staff6.nothing(timeout=0.3)
    assert await database_sync_to_async(TodoDirty.objects.count)() == 0
    assert await database_sync_to_async(todo.drain)() == 0


@pytest.mark.django_db
def test_counts_without_a_counter_agree_with_the_items(demo: Any, probe_kind: None) -> None:
    users = demo["users"]
    now = timezone.now()
    WAITING[users["clerk"].id] = [todo.TodoItem(kind="probe", ref=i, title="x", since=now)
                                  for i in range(3)]
    counts = todo.counts_for(user_ids=[users["clerk"].id, users["leader"].id])
    assert counts[users["clerk"].id]["probe"] == 3
    assert counts[users["leader"].id]["probe"] == 0
