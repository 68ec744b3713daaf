"""Notices over the socket and against PostgreSQL: the presser's to-do count and the
sender's counts arrive live, and many people pressing 收到 at the same moment are each
counted once, none lost."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import close_old_connections

from bots.notices import services
from bots.notices.models import CardRefresh, NoticeCard, Recipient

pytestmark = pytest.mark.django_db(transaction=True)


def _send(api: Any, person: Any, count: int) -> dict[str, Any]:
    for i in range(count):
        person(f"t1p{i:02d}", "town1", "staff", f"职员{i}")
    response = api("clerk").post("/notices", {"title": "关于开展消防演练的通知",
                                              "audience": ["town1"]})
    assert response.status_code == 201, response.content
    return response.json()


async def test_the_sender_sees_the_counts_move_and_the_presser_their_to_do(
        api: Any, person: Any, connect: Any) -> None:
    notice = await database_sync_to_async(_send)(api, person, 2)
    clerk, presser = await database_sync_to_async(
        lambda: (api("clerk").token, api("t1p00").token))()
    sender_ws = await connect(token=clerk)
    presser_ws = await connect(token=presser)
    card_id = await database_sync_to_async(
        lambda: NoticeCard.objects.get(notice_id=notice["id"], kind="unit").message_id)()
    await presser_ws.send({"type": "action", "message": card_id, "action": "ack",
                           "client_id": "ack-1"})
    ack = await presser_ws.recv_type("ack")
    assert ack["message"]["card"]["actions"] == []
    # The presser's new to-do counts come from the worker's recount, not from the press.
    from hub.core import todo as registry

    assert await database_sync_to_async(registry.drain)() == 1
    todo = await presser_ws.recv_type("todo")
    assert todo["counts"]["notice_ack"] == 0
    # The first press after a quiet second re-renders the sender's card at once.
    tracking = await sender_ws.updated(lambda m: m["id"] == notice["tracking_message"])
    assert tracking["card"]["totals"] == {"recipients": 3, "acked": 1, "pending": 2}


def test_many_people_pressing_at_once_are_each_counted_once(api: Any, person: Any) -> None:
    notice = _send(api, person, 16)
    card_id = NoticeCard.objects.get(notice_id=notice["id"], kind="unit").message_id
    people = [f"t1p{i:02d}" for i in range(16)]
    clients = {name: api(name) for name in people}
    start = threading.Barrier(len(people))
    statuses: list[int] = []

    def press(name: str) -> None:
        try:
            start.wait()
            for _ in range(2):  # each presses twice, as an impatient person does
                response = clients[name].post(f"/messages/{card_id}/actions", {"action": "ack"})
                statuses.append(response.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=press, args=(n,)) for n in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses.count(200) == 32
    acked = Recipient.objects.filter(notice_id=notice["id"], acked_at__isnull=False)
    assert sorted(acked.values_list("user__username", flat=True)) == people
    services.refresh_pending()  # whatever the first press did not render
    assert not CardRefresh.objects.filter(notice_id=notice["id"]).exists()
    full = api("clerk").get(f"/notices/{notice['id']}").json()
    assert full["totals"]["acked"] == 16 and full["totals"]["pending"] == 1
    from hub.seals.audit import verify_chain

    assert verify_chain()[1] == []


def test_the_last_presses_show_without_the_worker(api: Any, person: Any, monkeypatch: Any
                                                  ) -> None:
    """Presses within a second of a render leave their rows; the pressing process renders
    them itself a second later, with no worker running."""
    import time

    monkeypatch.setattr(services, "TRAIL_IN_PROCESS", True)
    notice = _send(api, person, 3)
    card_id = NoticeCard.objects.get(notice_id=notice["id"], kind="unit").message_id
    for name in ("t1p00", "t1p01", "t1p02"):
        assert api(name).post(f"/messages/{card_id}/actions", {"action": "ack"}).status_code == 200
    deadline = time.monotonic() + 10
    while CardRefresh.objects.filter(notice_id=notice["id"]).exists():
        assert time.monotonic() < deadline, "the trailing refresh did not run"
        time.sleep(0.1)
    tracking = api("clerk").get(f"/messages/{notice['tracking_message']}").json()
    assert tracking["card"]["totals"]["acked"] == 3
