"""Two clerks pressing at the same moment, in two threads with their own PostgreSQL
connections: one signature, one audit entry, both answered with the signed card."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import connection

from bots.documents.models import Delivery
from hub.chat import cards
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.bots.conftest import document_body, recipient
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_clerks_signing_at_once_make_one_signature(demo: Any, api: Any, person: Any) -> None:
    second = person("town1_clerk2", "town1", "clerk")
    first = demo["users"]["staff4"]
    document = api("clerk").post("/documents", document_body()).json()
    message = recipient(document, "town1")["message"]
    for _ in range(3):  # a few rounds, so a lucky ordering does not pass by chance
        results = race(
            lambda: cards.press(user=first, message_id=message, action="sign", params={}),
            lambda: cards.press(user=second, message_id=message, action="sign", params={}),
            lambda: cards.press(user=first, message_id=message, action="sign", params={}),
        )
        assert all(isinstance(r, dict) and r["card"]["state"] == "signed" for r in results), results
    delivery = Delivery.objects.get(document_id=document["id"], unit__code="town1")
    assert delivery.signed_by_id in (first.id, second.id)
    assert AuditEntry.objects.filter(event="document.signed").count() == 1
    count, problems = audit.verify_chain()
    assert problems == [] and count == AuditEntry.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_units_acting_at_once_keep_the_tracking_totals_right(demo: Any, api: Any) -> None:
    """Three units sign at the same moment: each update of the sender's tracking card sees
    the others (the document row lock serialises them), so it ends at 3 signed."""
    document = api("clerk").post("/documents", document_body()).json()
    users = demo["users"]
    results = race(*[
        partial(cards.press, user=users[name], message_id=recipient(document, code)["message"],
                action="sign", params={})
        for code, name in (("town1", "staff4"), ("town2", "staff5"), ("town3", "staff6"))])
    assert all(isinstance(r, dict) for r in results), results
    from hub.chat.models import Message

    totals = Message.objects.get(id=document["tracking_message"]).card["totals"]
    assert totals["signed"] == 3 and totals["unsigned"] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_same_number_sent_twice_at_once_is_stored_once(demo: Any, api: Any) -> None:
    from bots.documents import services
    from bots.documents.models import Document
    from bots.documents.schemas import DocumentIn
    from hub.lib.errors import ApiError

    clerk = demo["users"]["clerk"]
    data = DocumentIn.model_validate(document_body())
    results = race(lambda: services.send_document(sender=clerk, data=data),
                   lambda: services.send_document(sender=clerk, data=data))
    assert sorted(type(r).__name__ for r in results) == ["ApiError", "Document"]
    error = next(r for r in results if isinstance(r, ApiError))
    assert error.code == "conflict"
    assert Document.objects.count() == 1 and Delivery.objects.count() == 3
