"""Per-room seq under concurrency: consecutive, unique, and given back on rollback."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from hub.chat import actions
from hub.chat.models import Message, Room
from hub.lib.errors import ApiError

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_senders_get_gap_free_unique_seqs(demo: Any) -> None:
    room = demo["rooms"]["general"]
    senders = list(demo["users"].values())[:8]
    per_thread, threads = 10, 20
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def send(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                actions.send_message(sender=senders[n % len(senders)], room_id=room.id,
                                     body=f"线程{n}第{i}条", client_id=f"t{n}-{i}",
                                     check_rate=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    seqs = sorted(Message.objects.filter(room=room).values_list("seq", flat=True))
    assert seqs == list(range(1, threads * per_thread + 1))
    assert Room.objects.get(id=room.id).last_seq == threads * per_thread


def test_concurrent_retries_of_one_client_id_store_one_message(demo: Any) -> None:
    room = demo["rooms"]["general"]
    clerk = demo["users"]["clerk"]
    ids: list[int] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        try:
            barrier.wait()
            ids.append(actions.send_message(sender=clerk, room_id=room.id, body="只存一次",
                                            client_id="same", check_rate=False).message["id"])
        finally:
            connection.close()

    workers = [threading.Thread(target=send) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(ids) == 8 and len(set(ids)) == 1
    assert Message.objects.filter(room=room).count() == 1
    assert Room.objects.get(id=room.id).last_seq == 1


def test_a_send_that_fails_after_taking_its_seq_leaves_no_gap(demo: Any, monkeypatch: Any) -> None:
    room = demo["rooms"]["general"]
    clerk = demo["users"]["clerk"]
    actions.send_message(sender=clerk, room_id=room.id, body="一", check_rate=False)

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(Message.objects, "create", crash)
        with pytest.raises(RuntimeError):
            actions.send_message(sender=clerk, room_id=room.id, body="二", check_rate=False)
    assert Room.objects.get(id=room.id).last_seq == 1
    with pytest.raises(ApiError):
        actions.send_message(sender=clerk, room_id=room.id, body="二", attachment_ids=[999999],
                             check_rate=False)
    second = actions.send_message(sender=clerk, room_id=room.id, body="三", check_rate=False)
    assert second.message["seq"] == 2
