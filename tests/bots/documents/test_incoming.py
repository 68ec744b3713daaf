"""收文 through the API, against PostgreSQL: the clerk signs and proposes (拟办), the leader
instructs (批办: 批示, lead and co-handlers, a deadline) on the card, the lead handler routes it
to readers in order (传阅 with 阅示), completes it (办结) with a result and a file, and the
result reaches the sending unit (答复). Every step with its comment is in the recipient's log,
in the audit chain and in the archive entry; a returned document is corrected and re-sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from archive import filing
from archive.models import ArchiveEntry
from bots.documents.models import Delivery, DeliveryFile, Document
from hub.chat.models import Message
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.bots.conftest import card_of, document_body, press, recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def town1(demo: Any, person: Any) -> dict[str, Any]:
    return {"head": person("t1_head", "town1", "leader", "周镇长"),
            "vice": person("t1_vice", "town1", "leader", "吴副镇长"),
            "worker": person("t1_worker", "town1", "staff", "郑干事"),
            "helper": person("t1_helper", "town1", "staff", "冯干事")}


def sent(api: Any, **overrides: Any) -> dict[str, Any]:
    overrides.setdefault("reply_required", True)
    response = api("clerk").post("/documents", document_body(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def test_propose_instruct_circulate_complete_and_answer(town1: Any, api: Any) -> None:
    document = sent(api)
    message = recipient(document, "town1")["message"]
    assert press(api("staff4"), message, "sign").status_code == 200
    # 拟办: the clerk's proposal, kept; the leaders are told.
    proposed = press(api("staff4"), message, "propose", comment="拟请郑干事主办，冯干事协办。")
    assert proposed.status_code == 200, proposed.content
    assert {"label": "拟办意见", "value": "拟请郑干事主办，冯干事协办。"} in proposed.json()["card"]["fields"]
    # 批办 is the leaders' (the clerk does not see the button; pressing answers 403).
    clerk_actions = [a["action"] for a in card_of(api("staff4"), message)["actions"]]
    assert "instruct" not in clerk_actions and "propose" in clerk_actions
    assert press(api("staff4"), message, "instruct", comment="同意").status_code == 403
    instruct = next(a for a in card_of(api("t1_head"), message)["actions"]
                    if a["action"] == "instruct")
    assert [p["name"] for p in instruct["params"]] == ["assignee", "co_assignees", "deadline"]
    deadline = (timezone.localtime() + timezone.timedelta(days=5)).date().isoformat()
    instructed = press(api("t1_head"), message, "instruct", comment="请郑干事牵头办理，按期报送。",
                       assignee="t1_worker", co_assignees=["t1_helper"], deadline=deadline)
    assert instructed.status_code == 200, instructed.content
    assert instructed.json()["card"]["state"] == "assigned"
    delivery = Delivery.objects.get(document_id=document["id"], unit__code="town1")
    assert delivery.assignee.username == "t1_worker" and delivery.handle_by is not None
    assert list(delivery.co_assignees.values_list("username", flat=True)) == ["t1_helper"]
    # The co-handler is told and may open the document.
    assert Message.objects.filter(room__kind="direct", room__members__user__username="t1_helper",
                                  body__contains="请您协办").exists()
    assert api("t1_helper").get(f"/documents/{document['id']}").status_code == 200
    # 传阅 to the two leaders in the order chosen, each with a 阅示.
    press(api("staff4"), message, "circulate", readers="t1_vice,t1_head", comment="请阅示")
    first = delivery.circulations.get(reader__username="t1_vice")
    press(api("t1_vice"), first.message_id, "read", comment="已阅，请周镇长审定。")
    second = delivery.circulations.get(reader__username="t1_head")
    press(api("t1_head"), second.message_id, "read", comment="同意。")
    # 办结 by the lead handler with the result and a file; the answer reaches the issuer.
    upload = api("t1_worker").upload("落实情况.txt", "已全部落实。".encode()).json()
    handler_card = delivery.assignee_message_id
    done = press(api("t1_worker"), handler_card, "complete", comment="已按要求落实，报告附后。",
                 attachments=[upload["id"]])
    assert done.status_code == 200, done.content
    result = DeliveryFile.objects.get(delivery=delivery)
    assert result.name == "落实情况.txt" and result.attachment_id != upload["id"]
    answer = Message.objects.filter(room__unit__code="zfb", body__startswith="【答复】").get()
    assert "已按要求落实" in answer.body and answer.attachments.count() == 1
    tracking = card_of(api("clerk"), document["tracking_message"])
    assert {"label": "答复·城关镇", "value": "已按要求落实，报告附后。"} in tracking["fields"]
    # The log: every step with its comment, for the issuer and for the unit alike.
    for who in ("clerk", "staff4"):
        town = recipient(api(who).get(f"/documents/{document['id']}").json(), "town1")
        assert [(e["action"], e["by"]["username"], e["comment"]) for e in town["log"]] == [
            ("sign", "staff4", None),
            ("propose", "staff4", "拟请郑干事主办，冯干事协办。"),
            ("instruct", "t1_head", "请郑干事牵头办理，按期报送。"),
            ("circulate", "staff4", "请阅示"),
            ("read", "t1_vice", "已阅，请周镇长审定。"),
            ("read", "t1_head", "同意。"),
            ("complete", "t1_worker", "已按要求落实，报告附后。"),
            ("answer", "t1_worker", "已按要求落实，报告附后。")]
        assert town["proposal"] == "拟请郑干事主办，冯干事协办。"
        assert town["instruction"] == "请郑干事牵头办理，按期报送。"
        assert [f["name"] for f in town["result_files"]] == ["落实情况.txt"]
    # Another recipient unit sees none of it.
    other = recipient(api("staff5").get(f"/documents/{document['id']}").json(), "town2")
    assert other["log"] == [] and [r["unit"]["code"] for r in api("staff5").get(
        f"/documents/{document['id']}").json()["recipients"]] == ["town2"]
    # The audit chain has each comment, and still verifies.
    logged = {e.event: e.data for e in AuditEntry.objects.filter(subject=f"document:{document['id']}")}
    assert logged["document.proposed"]["comment"] == "拟请郑干事主办，冯干事协办。"
    assert logged["document.instructed"]["comment"] == "请郑干事牵头办理，按期报送。"
    assert logged["document.read"]["comment"] == "同意。"
    assert audit.verify_chain()[1] == []
    # The archive entry keeps them too.
    filing.file_pending()
    entry = ArchiveEntry.objects.get(kind="incoming", unit__code="town1")
    assert entry.metadata["拟办意见"] == "拟请郑干事主办，冯干事协办。"
    assert entry.metadata["批办意见"] == "请郑干事牵头办理，按期报送。"
    assert entry.metadata["协办人"] == "冯干事"
    assert [s["意见"] for s in entry.metadata["办理记录"]][1:3] == [
        "拟请郑干事主办，冯干事协办。", "请郑干事牵头办理，按期报送。"]
    assert "落实情况.txt" in [f["name"] for f in entry.files]
    detail = api("staff4").get(f"/archive/{entry.id}").json()
    assert "批办" in [step["detail"] for step in detail["log"]]


def test_the_proposal_typed_when_assigning_is_kept(town1: Any, api: Any) -> None:
    """The 拟办意见 typed with 指派承办 is in the log, the audit entry and the archive."""
    document = sent(api, reply_required=False)
    message = recipient(document, "town1")["message"]
    press(api("staff4"), message, "sign")
    press(api("staff4"), message, "assign", assignee="t1_worker", comment="请郑干事阅处。")
    delivery = Delivery.objects.get(document_id=document["id"], unit__code="town1")
    assert delivery.proposal == "请郑干事阅处。"
    town = recipient(api("staff4").get(f"/documents/{document['id']}").json(), "town1")
    assert ("assign", "请郑干事阅处。") in [(e["action"], e["comment"]) for e in town["log"]]
    assigned = AuditEntry.objects.get(subject=f"document:{document['id']}",
                                      event="document.assigned")
    assert assigned.data["comment"] == "请郑干事阅处。"
    press(api("t1_worker"), delivery.assignee_message_id, "complete")
    filing.file_pending()
    entry = ArchiveEntry.objects.get(kind="incoming", unit__code="town1")
    assert entry.metadata["拟办意见"] == "请郑干事阅处。"


def test_circulation_asks_whom_and_a_reader_outside_the_unit_is_refused(town1: Any,
                                                                        api: Any) -> None:
    document = sent(api)
    message = recipient(document, "town1")["message"]
    press(api("staff4"), message, "sign")
    refused = press(api("staff4"), message, "circulate")
    assert refused.status_code == 400 and "请选择传阅人" in refused.json()["error"]["detail"]
    outsider = press(api("staff4"), message, "circulate", readers=["staff5"])
    assert outsider.status_code == 400 and "须是城关镇人民政府的人员" in outsider.json()["error"]["detail"]
    assert not Delivery.objects.get(document_id=document["id"], unit__code="town1") \
        .circulations.exists()


def test_a_returned_document_is_corrected_and_resent_to_that_unit(town1: Any, api: Any) -> None:
    document = sent(api, recipients=["town1", "town2"])
    message = recipient(document, "town1")["message"]
    press(api("staff4"), message, "return", comment="缺少附件，请补充后重发。")
    # Only units that returned it; an explanation is required.
    bad = api("clerk").post(f"/documents/{document['id']}/resend", {"units": ["town2"],
                                                                    "comment": "补发"})
    assert bad.status_code == 400 and "只能向退回该公文的单位" in bad.json()["error"]["detail"]
    upload = api("clerk").upload("实施方案.txt", "补充的附件".encode()).json()
    resent = api("clerk").post(f"/documents/{document['id']}/resend", {
        "units": ["town1"], "comment": "已补充附件", "attachments": [upload["id"]]})
    assert resent.status_code == 201, resent.content
    corrected = resent.json()
    assert corrected["corrects"] == document["id"] and corrected["number"] == document["number"]
    assert [r["unit"]["code"] for r in corrected["recipients"]] == ["town1"]
    assert [a["name"] for a in corrected["attachments"]] == ["实施方案.txt"]
    assert api("staff4").get(f"/documents/{corrected['id']}/verify").json()["valid"] is True
    original = recipient(api("clerk").get(f"/documents/{document['id']}").json(), "town1")
    assert original["resent_as"] == corrected["id"]
    assert original["log"][-1]["action"] == "resent" and original["log"][-1]["comment"] == "已补充附件"
    # The unit handles the corrected copy as any other.
    again = recipient(corrected, "town1")["message"]
    assert press(api("staff4"), again, "sign").status_code == 200
    assert Document.objects.filter(corrects_id=document["id"]).count() == 1
    # A second resend to the same unit is refused: nothing is returned and not yet resent.
    twice = api("clerk").post(f"/documents/{document['id']}/resend", {"units": ["town1"],
                                                                      "comment": "再发"})
    assert twice.status_code == 400
