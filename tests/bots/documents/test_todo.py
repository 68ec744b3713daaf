"""The documents' to-do kinds: 签收 waits on the receiving unit's clerks and leaders and
leaves all their lists when one signs; 承办 on the assignee; 传阅 on the reader who has not
read. Counting in bulk agrees with the lists, and GET /todo costs a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.core import todo
from tests.bots.conftest import document_body, number, press

pytestmark = pytest.mark.django_db


def items(api: Any, username: str, kind: str | None = None) -> list[dict[str, Any]]:
    answer = api(username).get("/todo").json()
    assert answer["total"] == len(answer["items"])
    return [i for i in answer["items"] if kind is None or i["kind"] == kind]


def agree(demo: Any, *usernames: str) -> None:
    """The bulk counts are the lengths of the lists."""
    users = [demo["users"][u] if u in demo["users"] else None for u in usernames]
    from hub.org.models import User

    people = [u or User.objects.get(username=n) for u, n in zip(users, usernames, strict=True)]
    counts = todo.counts_for(user_ids=[p.id for p in people])
    for person in people:
        listed = todo.todo_for(user=person)["counts"]
        assert counts[person.id] == listed, person.username


@pytest.fixture
def town1(person: Any) -> dict[str, Any]:
    return {"leader": person("t1lead", "town1", "leader", "周镇长"),
            "staff": person("t1staff", "town1", "staff", "吴干事")}


def test_sign_waits_on_the_units_clerks_and_leaders_until_one_signs(
        demo: Any, api: Any, town1: Any) -> None:
    document = api("clerk").post("/documents", document_body(recipients=["town1", "town2"])).json()
    mine = items(api, "staff4", "document_sign")
    assert [(i["ref"], i["label"], i["object_type"]) for i in mine] == [
        (document["id"], "签收", "document")]
    item = mine[0]
    assert item["unit"] == {"code": "town1", "name": "城关镇人民政府"}
    assert item["title"] == document["title"] and item["number"] == document["number"]
    assert item["room"] == demo["rooms"]["town1"].id and item["overdue"] is False
    assert item["deadline"] > item["since"]
    assert "sign" in [a["action"] for a in item["card"]["actions"]]
    assert [i["ref"] for i in items(api, "t1lead", "document_sign")] == [document["id"]]
    assert [i["ref"] for i in items(api, "staff5", "document_sign")] == [document["id"]]
    for outsider in ("t1staff", "staff6", "clerk"):
        assert items(api, outsider, "document_sign") == [], outsider
    agree(demo, "staff4", "t1lead", "t1staff", "staff5", "staff6")

    assert press(api("t1lead"), item["message"], "sign").status_code == 200
    assert items(api, "staff4", "document_sign") == []
    assert items(api, "t1lead", "document_sign") == []
    assert len(items(api, "staff5", "document_sign")) == 1
    agree(demo, "staff4", "t1lead", "staff5")


def test_handle_waits_on_the_assignee_and_read_on_the_reader(
        demo: Any, api: Any, town1: Any) -> None:
    document = api("clerk").post("/documents", document_body(recipients=["town1"])).json()
    card = items(api, "staff4", "document_sign")[0]["message"]
    press(api("staff4"), card, "sign")
    press(api("staff4"), card, "assign", assignee="t1staff", comment="请抓紧办理")
    handle = items(api, "t1staff", "document_handle")
    assert [(i["ref"], i["label"]) for i in handle] == [(document["id"], "承办")]
    assert [a["action"] for a in handle[0]["card"]["actions"]] == ["complete"]
    assert handle[0]["room"] != demo["rooms"]["town1"].id  # the assignee's own card
    assert items(api, "staff4", "document_handle") == []

    press(api("staff4"), card, "circulate", assignee="t1lead")
    read = items(api, "t1lead", "document_read")
    assert [(i["ref"], i["label"]) for i in read] == [(document["id"], "传阅")]
    assert [a["action"] for a in read[0]["card"]["actions"]] == ["read"]
    assert items(api, "staff4", "document_read") == []
    agree(demo, "t1staff", "t1lead", "staff4")

    press(api("t1lead"), read[0]["message"], "read")
    assert items(api, "t1lead", "document_read") == []
    press(api("t1staff"), handle[0]["message"], "complete", comment="已办结")
    assert items(api, "t1staff", "document_handle") == []
    agree(demo, "t1staff", "t1lead")


def test_a_returned_copy_leaves_the_list(demo: Any, api: Any) -> None:
    api("clerk").post("/documents", document_body(recipients=["town1"]))
    card = items(api, "staff4", "document_sign")[0]["message"]
    assert press(api("staff4"), card, "return", comment="非本单位职责").status_code == 200
    assert items(api, "staff4") == []


def test_the_list_costs_the_same_queries_for_one_document_or_many(demo: Any, api: Any) -> None:
    """No query per item: the cards come in one query, each kind in a fixed few."""
    def cost() -> int:
        client = api("staff4")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/todo").status_code == 200
        return len(queries)

    api("clerk").post("/documents", document_body(recipients=["town1"]))
    one = cost()
    for seq in range(20, 26):
        api("clerk").post("/documents", document_body(recipients=["town1"], number=number(seq)))
    assert len(items(api, "staff4", "document_sign")) == 7
    assert cost() == one
    # The caller, the session and the cards' query, and one query per registered kind.
    from hub.core import todo

    assert one <= 8 + len(todo.kinds())


@pytest.mark.django_db(transaction=True)
async def test_the_units_people_hear_new_counts_when_a_document_arrives_and_is_signed(
        demo: Any, api: Any, connect: Any, person: Any) -> None:
    await database_sync_to_async(person)("t1lead", "town1", "leader")
    tokens = {n: await database_sync_to_async(lambda n=n: api(n).token)()
              for n in ("staff4", "t1lead", "staff6")}
    staff4 = await connect(token=tokens["staff4"])
    leader = await connect(token=tokens["t1lead"])
    staff6 = await connect(token=tokens["staff6"])
    sent = await database_sync_to_async(
        lambda: api("clerk").post("/documents", document_body(recipients=["town1"])))()
    assert sent.status_code == 201
    for sock in (staff4, leader):
        frame = await sock.recv_type("todo")
        assert frame["counts"]["document_sign"] == 1 and frame["total"] == 1
    card = (await database_sync_to_async(items)(api, "staff4"))[0]["message"]
    await database_sync_to_async(lambda: press(api("staff4"), card, "sign"))()
    frame = await leader.recv_type("todo")
    assert frame["counts"]["document_sign"] == 0 and frame["total"] == 0
    await staff6.nothing(timeout=0.3, ignore=("presence", "message", "message_updated",
                                               "room_joined", "receipt"))
