"""工作移交 of documents: a person deactivated with a successor hands over the copies assigned
to them (承办), their place in a reading queue (传阅) and their 核稿/签发 places (as a standing
deputy); each lands in the successor's to-do list with a card."""

from __future__ import annotations

from typing import Any

import pytest

from bots.documents.models import Circulation, Delivery
from tests.bots.conftest import document_body, press, recipient
from tests.conftest import Api

pytestmark = pytest.mark.django_db


def kinds(api: Any, username: str) -> list[str]:
    return sorted(i["kind"] for i in Api(username).get("/todo").json()["items"])


def test_assigned_copy_reading_and_review_pass_to_the_successor(api: Any, person: Any) -> None:
    person("t1_admin", "town1", "admin", "镇管理员")
    leaving = person("t1_old", "town1", "staff", "老郑")
    person("t1_new", "town1", "staff", "小冯")
    person("t1_reader", "town1", "staff", "读者")
    person("t1_head", "town1", "leader", "周镇长")
    # A copy assigned to t1_old, then another in their reading queue.
    first = api("clerk").post("/documents", document_body()).json()
    message = recipient(first, "town1")["message"]
    assert press(api("staff4"), message, "sign").status_code == 200
    assert press(api("staff4"), message, "assign", assignee="t1_old").status_code == 200
    second = api("clerk").post("/documents", document_body(number="青委办〔2026〕13号")).json()
    message2 = recipient(second, "town1")["message"]
    assert press(api("staff4"), message2, "sign").status_code == 200
    circulated = press(api("staff4"), message2, "circulate", readers=["t1_old", "t1_reader"])
    assert circulated.status_code == 200, circulated.content
    # A draft of town1 waiting for t1_old's review.
    draft = Api("t1_reader").post("/documents/drafts", {
        "doc_type": "通知", "title": "关于冬季防火的通知", "body": "各村：请做好防火。",
        "recipients": ["town2"], "reviewers": [["t1_old"]], "signer": "t1_head"})
    assert draft.status_code == 201, draft.content
    assert kinds(api, "t1_old") == ["document_handle", "document_read", "document_review"]
    pending = Api("t1_admin").get("/people/t1_old").json()["pending"]
    assert {"kind": "document", "label": "待办公文（核稿、签发、承办、传阅）", "count": 3} in pending

    response = Api("t1_admin").patch("/people/t1_old", {"active": False, "successor": "t1_new"})
    assert response.status_code == 200, response.content
    assert response.json()["handover"]["document"] == 3
    assert kinds(api, "t1_new") == ["document_handle", "document_read", "document_review"]
    delivery = Delivery.objects.get(document_id=first["id"], unit__code="town1")
    assert delivery.assignee_id != leaving.id
    assert not Circulation.objects.filter(reader=leaving, read_at__isnull=True).exists()
    # The successor reviews in the leaver's place (代批).
    decided = Api("t1_new").post(f"/documents/{draft.json()['id']}/decide",
                                 {"action": "approve", "comment": "同意"})
    assert decided.status_code == 200, decided.content
