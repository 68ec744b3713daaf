"""发文字号 under concurrency, on PostgreSQL: clerks issuing signed-off drafts at the same
moment in several threads (each its own connection) take consecutive numbers of the unit's
机关代字, none twice, none skipped; a failed issue gives its number back."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from bots.documents import chain
from bots.documents.models import Document, NumberCounter
from hub.org.models import User
from tests.bots.documents.test_chain import draft_body

YEAR = timezone.localtime().year


def signed_off_drafts(api: Any, count: int) -> list[int]:
    ids = []
    for n in range(count):
        doc = api("clerk").post("/documents/drafts",
                                draft_body(reviewers=[], title=f"关于第{n + 1}项工作的通知")).json()
        api("leader").post(f"/documents/{doc['id']}/decide", {"action": "sign_off"})
        ids.append(doc["id"])
    return ids


@pytest.mark.django_db(transaction=True)
def test_clerks_issuing_at_once_take_every_number_once_without_gaps(demo: Any, api: Any,
                                                                     person: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (set DATABASE_URL)")
    clerks = [User.objects.get(username="clerk"),
              person("clerk2", "zfb", "clerk", "陈文书"), person("clerk3", "zfb", "clerk", "林文书")]
    ids = signed_off_drafts(api, 9)
    barrier = threading.Barrier(len(clerks))
    errors: list[BaseException] = []

    def issue_all(who: User, mine: list[int]) -> None:
        try:
            barrier.wait()
            for document_id in mine:
                chain.issue(user=who, document_id=document_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue_all, args=(who, ids[i::len(clerks)]))
               for i, who in enumerate(clerks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(Document.objects.filter(id__in=ids).values_list("number_seq", flat=True))
    assert numbers == list(range(1, 10))
    assert set(Document.objects.filter(id__in=ids).values_list("state", flat=True)) == {"issued"}
    assert NumberCounter.objects.get(code="区府办", year=YEAR).last == 9


@pytest.mark.django_db(transaction=True)
def test_an_issue_that_fails_gives_its_number_back(demo: Any, api: Any,
                                                   monkeypatch: Any) -> None:
    from bots.documents import supervision

    first, second = signed_off_drafts(api, 2)
    clerk = User.objects.get(username="clerk")

    def broken(document: Any) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(supervision, "schedule_for", broken)
        with pytest.raises(RuntimeError):
            chain.issue(user=clerk, document_id=first)
    failed = Document.objects.get(id=first)
    assert failed.state == "signed_off" and failed.number == "" and not failed.deliveries.exists()
    chain.issue(user=clerk, document_id=second)
    chain.issue(user=clerk, document_id=first)
    assert Document.objects.get(id=second).number == f"区府办〔{YEAR}〕1号"
    assert Document.objects.get(id=first).number == f"区府办〔{YEAR}〕2号"
