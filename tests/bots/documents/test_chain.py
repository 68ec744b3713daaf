"""The outgoing chain through the API, against PostgreSQL: the clerk drafts, the office head
reviews (核稿), the leader signs off (签发) from the card, the clerk issues (用印分发) and 95
units get it; returns, edits, resubmission, a new sign-off after a substantive edit; deputies
(代批); every bad input answered in Chinese with nothing half done."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bots.documents.models import (
    ChainDecision,
    Delivery,
    Document,
    DraftMessage,
    UnitDocumentSettings,
)
from hub.chat.models import Message
from hub.org.models import Unit
from hub.seals.models import AuditEntry, PersonalSignature
from tests.bots.conftest import card_of, press

pytestmark = pytest.mark.django_db
YEAR = timezone.localtime().year


@pytest.fixture
def office(demo: Any, person: Any) -> dict[str, Any]:
    """The government office with its head (周主任, who reviews) and a second reviewer for 会签."""
    return {"head": person("zfb_head", "zfb", "staff", "周主任"),
            "legal": person("zfb_legal", "zfb", "staff", "法制科郑科长")}


def draft_body(**overrides: Any) -> dict[str, Any]:
    body = {"doc_type": "通知", "title": "关于做好冬季安全生产工作的通知",
            "body": "各乡镇人民政府：\n为切实做好冬季安全生产工作，现将有关事项通知如下。",
            "recipients": ["town1", "town2", "town3"], "reviewers": [["zfb_head"]],
            "signer": "leader"}
    body.update(overrides)
    return body


def draft(api: Any, **overrides: Any) -> dict[str, Any]:
    response = api("clerk").post("/documents/drafts", draft_body(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def card_for(username: str, document_id: int) -> int:
    """The draft card in this person's direct room with the documents bot."""
    return DraftMessage.objects.filter(document_id=document_id, user__username=username) \
        .order_by("-message_id").values_list("message_id", flat=True)[0]


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    return response.json()["error"]["detail"]


def more_townships(count: int) -> None:
    district = Unit.objects.get(code="district")
    Unit.objects.bulk_create([Unit(code=f"xz{n:03d}", name=f"第{n}乡人民政府", short_name=f"第{n}乡",
                                   kind=Unit.Kind.TOWNSHIP, parent=district, sort_order=100 + n)
                              for n in range(count)])


def test_clerk_drafts_head_reviews_leader_signs_off_clerk_issues_to_95_units(
        office: Any, api: Any) -> None:
    more_townships(89)  # with the demo's six other units: 95 recipients
    upload = api("clerk").upload("实施方案.txt", "一、工作目标\n".encode()).json()
    created = draft(api, recipients=["全部单位"], attachments=[upload["id"]], urgency="加急")
    assert created["state"] == "reviewing" and created["number"] == ""
    assert [(c["role"], c["user"]["username"], c["decision"]) for c in created["chain"]] == [
        ("review", "zfb_head", None), ("signoff", "leader", None)]
    assert created["recipients"] == [] and len(created["main"]) == 95
    doc_id = created["id"]
    # Nobody outside the chain and the office's clerks and leaders sees the draft.
    assert api("staff4").get(f"/documents/{doc_id}").status_code == 404

    # 核稿: the office head's card, in their direct room, with the text, the file, 同意/退回.
    head_card_id = card_for("zfb_head", doc_id)
    head_card = card_of(api("zfb_head"), head_card_id)
    assert head_card["card_type"] == "document_draft" and head_card["state"] == "reviewing"
    assert "为切实做好冬季安全生产工作" in head_card["body"]
    assert [a["action"] for a in head_card["actions"]] == ["approve", "return"]
    message = Message.objects.get(id=head_card_id)
    assert message.room.kind == "direct" and message.attachments.count() == 1
    # The leader's turn has not come.
    assert "尚未轮到您签发" in error(api("leader").post(f"/documents/{doc_id}/decide",
                                                     {"action": "sign_off"}), 403)
    reviewed = press(api("zfb_head"), head_card_id, "approve", comment="核稿无误，请领导签发。")
    assert reviewed.status_code == 200
    assert reviewed.json()["card"]["state"] == "awaiting_signoff"

    # 签发 from the card, in two taps: the leader's card offers 签发 with phrases.
    leader_card_id = card_for("leader", doc_id)
    leader_card = card_of(api("leader"), leader_card_id)
    sign_off = next(a for a in leader_card["actions"] if a["action"] == "sign_off")
    assert "同意，请抓紧办理。" in sign_off["phrases"] and sign_off["comment"] == "optional"
    signed = press(api("leader"), leader_card_id, "sign_off", comment="同意，请抓紧办理。")
    assert signed.json()["card"]["state"] == "signed_off"
    # Pressed again: the card as it stands, nothing more.
    again = press(api("leader"), leader_card_id, "sign_off", comment="同意。")
    assert again.status_code == 200
    assert ChainDecision.objects.filter(step__document_id=doc_id, decision="sign_off").count() == 1
    # Through the API a second sign-off is refused, in Chinese.
    assert "已由李明签发" in error(api("leader").post(f"/documents/{doc_id}/decide",
                                                  {"action": "sign_off"}), 409)
    detail = api("clerk").get(f"/documents/{doc_id}").json()
    assert detail["state"] == "signed_off" and detail["signer"] == "李明"
    assert detail["viewer"]["actions"] == ["issue"]

    # 用印分发 by the clerk: numbered from the unit's 机关代字, sealed, delivered.
    issued = api("clerk").post(f"/documents/{doc_id}/issue")
    assert issued.status_code == 200, issued.content
    body = issued.json()
    assert body["state"] == "issued" and body["number"] == f"区府办〔{YEAR}〕1号"
    assert body["totals"]["recipients"] == 95 and body["progress"] == "sent"
    assert Delivery.objects.filter(document_id=doc_id).count() == 95
    assert Delivery.objects.filter(document_id=doc_id, message__isnull=False).count() == 95
    assert body["signer"] == "李明" and body["date"] == timezone.localtime().date().isoformat()
    assert [(c["role"], c["decision"], c["comment"], c["signature_valid"])
            for c in body["chain"]] == [("review", "approve", "核稿无误，请领导签发。", True),
                                        ("signoff", "sign_off", "同意，请抓紧办理。", True)]
    # Each decision is signed with the decider's personal key; the seal covers the chain.
    assert PersonalSignature.objects.filter(subject__startswith=f"document:{doc_id}:").count() == 2
    verify = api("staff4").get(f"/documents/{doc_id}/verify").json()
    assert verify["valid"] is True and len(verify["decisions"]) == 2
    assert all(d["valid"] for d in verify["decisions"])
    sealed = Document.objects.get(id=doc_id).signature
    assert '"chain":[' in sealed.tbs and '"pdf":"' in sealed.tbs
    # A recipient sees its own copy, the 签发人 and the card with the PDF.
    town = api("staff4").get(f"/documents/{doc_id}").json()
    assert town["signer"] == "李明" and [r["unit"]["code"] for r in town["recipients"]] == ["town1"]
    card_message = Message.objects.get(id=town["recipients"][0]["message"])
    assert "application/pdf" in {a.mime for a in card_message.attachments.all()}
    # The card everyone held now reads 已印发; issuing again is refused.
    assert card_of(api("zfb_head"), head_card_id)["state"] == "issued"
    assert "已印发" in error(api("clerk").post(f"/documents/{doc_id}/issue"), 409)
    events = list(AuditEntry.objects.filter(subject=f"document:{doc_id}")
                  .values_list("event", flat=True).order_by("seq"))
    assert events[:5] == ["document.drafted", "document.decided", "document.decided",
                          "document.issued", "document.sent"]


def test_countersign_then_return_edit_resubmit_and_a_new_signoff_after_a_substantive_edit(
        office: Any, api: Any) -> None:
    doc = draft(api, reviewers=[["zfb_head", "zfb_legal"]])
    doc_id = doc["id"]
    assert doc["chain"][0]["user"]["username"] == "zfb_head"
    # 会签: both reviewers must approve before the leader's turn.
    api("zfb_head").post(f"/documents/{doc_id}/decide", {"action": "approve"})
    assert api("clerk").get(f"/documents/{doc_id}").json()["state"] == "reviewing"
    assert "退回须写明理由" in error(api("zfb_legal").post(
        f"/documents/{doc_id}/decide", {"action": "return"}), 400)
    returned = api("zfb_legal").post(f"/documents/{doc_id}/decide",
                                     {"action": "return", "comment": "缺少法律依据，请补充。"})
    assert returned.json()["state"] == "returned"
    told = Message.objects.filter(room__kind="direct", room__members__user__username="clerk",
                                  body__contains="缺少法律依据").count()
    assert told == 1
    # Only a returned draft may be edited; the edit is what round 2 signs.
    edited = api("clerk").patch(f"/documents/{doc_id}", {"body": "依据《安全生产法》，现通知如下。"})
    assert edited.status_code == 200 and edited.json()["body"].startswith("依据")
    resubmitted = api("clerk").post(f"/documents/{doc_id}/resubmit", {"comment": "已补充依据"})
    assert resubmitted.json()["state"] == "reviewing" and resubmitted.json()["round"] == 2
    for who in ("zfb_head", "zfb_legal"):
        api(who).post(f"/documents/{doc_id}/decide", {"action": "approve"})
    api("leader").post(f"/documents/{doc_id}/decide", {"action": "sign_off", "comment": "同意。"})
    # A change of wording after sign-off goes back to the signer (复核); the urgency does not.
    assert api("clerk").patch(f"/documents/{doc_id}", {"urgency": "urgent"}).json()["state"] == \
        "signed_off"
    changed = api("clerk").patch(f"/documents/{doc_id}", {"title": "关于做好冬季安全生产工作的紧急通知"})
    assert changed.json()["state"] == "awaiting_signoff" and changed.json()["round"] == 3
    assert "尚未签发" in error(api("clerk").post(f"/documents/{doc_id}/issue"), 409)
    api("leader").post(f"/documents/{doc_id}/decide", {"action": "sign_off"})
    issued = api("clerk").post(f"/documents/{doc_id}/issue").json()
    assert issued["title"] == "关于做好冬季安全生产工作的紧急通知" and issued["state"] == "issued"
    rounds = [(c["round"], c["role"], c["decision"]) for c in issued["chain"] if c["decision"]]
    assert rounds == [(1, "review", "approve"), (1, "review", "return"),
                      (2, "review", "approve"), (2, "review", "approve"),
                      (2, "signoff", "sign_off"), (3, "signoff", "sign_off")]
    assert all(c["signature_valid"] for c in issued["chain"] if c["decision"])
    # Round 1 never reached its sign-off: it shows as not reached, without a signature.
    assert [c["state"] for c in issued["chain"] if c["round"] == 1 and c["role"] == "signoff"] \
        == ["waiting"]
    # After issue nothing may change.
    assert "已印发" in error(api("clerk").patch(f"/documents/{doc_id}", {"title": "改"}), 409)


def test_bad_input_is_refused_in_chinese_and_nothing_is_half_done(office: Any, api: Any,
                                                                  person: Any) -> None:
    assert "签发人须是区政府办公室的领导" in error(
        api("clerk").post("/documents/drafts", draft_body(signer="staff1")), 400)
    assert "找不到核稿人" in error(
        api("clerk").post("/documents/drafts", draft_body(reviewers=[["nobody"]])), 400)
    assert "拟稿人不能核稿或签发" in error(
        api("clerk").post("/documents/drafts", draft_body(reviewers=[["clerk"]])), 400)
    assert "非涉密系统" in error(
        api("clerk").post("/documents/drafts", draft_body(title="机密★1年 关于……的通知")), 400)
    assert not Document.objects.exists()
    doc_id = draft(api)["id"]
    # Someone outside the chain cannot even see it; a member of the chain out of turn is told.
    assert api("staff1").post(f"/documents/{doc_id}/decide",
                              {"action": "approve"}).status_code == 404
    assert "当前是核稿环节" in error(api("zfb_head").post(f"/documents/{doc_id}/decide",
                                                      {"action": "sign_off"}), 400)
    assert "尚未签发" in error(api("clerk").post(f"/documents/{doc_id}/issue"), 409)
    assert "正在核稿或签发中" in error(api("clerk").patch(f"/documents/{doc_id}", {"title": "改"}), 409)
    api("zfb_head").post(f"/documents/{doc_id}/decide", {"action": "approve"})
    assert "当前是签发环节" in error(api("leader").post(f"/documents/{doc_id}/decide",
                                                    {"action": "approve"}), 400)
    # Only a clerk of the issuing unit issues.
    api("leader").post(f"/documents/{doc_id}/decide", {"action": "sign_off"})
    assert "收发员" in error(api("leader").post(f"/documents/{doc_id}/issue"), 403)
    assert ChainDecision.objects.filter(step__document_id=doc_id).exclude(decision="").count() == 2
    # A unit whose rules require the chain refuses direct sending.
    UnitDocumentSettings.objects.create(unit=Unit.objects.get(code="zfb"), direct_issue=False)
    from tests.bots.conftest import document_body

    assert "须经核稿、签发" in error(api("clerk").post("/documents", document_body()), 403)


def test_a_deputy_signs_off_in_the_period_and_is_refused_outside_it(
        office: Any, api: Any, person: Any, clock: Any) -> None:
    person("vice", "zfb", "leader", "吴副区长")
    doc_id = draft(api, reviewers=[])["id"]
    start = clock.now() + timedelta(hours=1)
    made = api("leader").post("/approvals/delegations", {
        "deputy": "vice", "start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()})
    assert made.status_code == 201, made.content
    # Before the period: refused, saying why.
    assert "不在委托期内" in error(api("vice").post(f"/documents/{doc_id}/decide",
                                                 {"action": "sign_off"}), 403)
    clock.advance(hours=2)
    signed = api("vice").post(f"/documents/{doc_id}/decide",
                              {"action": "sign_off", "comment": "同意印发。"})
    assert signed.status_code == 200, signed.content
    body = signed.json()
    assert body["state"] == "signed_off" and body["signer"] == "吴副区长"
    entry = body["chain"][-1]
    assert entry["user"]["username"] == "leader" and entry["decided_by"]["username"] == "vice"
    assert entry["proxy"] is True and entry["signature_valid"] is True
    # After the period the deputy may not sign off a new draft.
    other = draft(api, reviewers=[], title="关于另一事项的通知")["id"]
    clock.advance(days=2)
    assert "不在委托期内" in error(api("vice").post(f"/documents/{other}/decide",
                                                 {"action": "sign_off"}), 403)


def test_a_drafter_may_give_the_number_and_the_counter_steps_over_it(office: Any, api: Any) -> None:
    given = draft(api, reviewers=[], number=f"区府办[{YEAR}]2号")
    assert given["number"] == f"区府办〔{YEAR}〕2号"
    assert "已被本单位使用" in error(api("clerk").post(
        "/documents/drafts", draft_body(number=f"区府办〔{YEAR}〕2号")), 409)
    numbers = []
    for doc in (draft(api, reviewers=[], title="一"), given, draft(api, reviewers=[], title="二")):
        api("leader").post(f"/documents/{doc['id']}/decide", {"action": "sign_off"})
        numbers.append(api("clerk").post(f"/documents/{doc['id']}/issue").json()["number"])
    assert numbers == [f"区府办〔{YEAR}〕1号", f"区府办〔{YEAR}〕2号", f"区府办〔{YEAR}〕3号"]


def test_unit_settings_name_the_number_code_and_only_leaders_and_admins_change_them(
        office: Any, api: Any) -> None:
    got = api("clerk").get("/documents/units/zfb/settings").json()
    assert got["number_code"] == "区府办" and got["direct_issue"] is True
    assert got["may_change"] is False
    assert api("clerk").patch("/documents/units/zfb/settings",
                              {"number_code": "示府办"}).status_code == 403
    assert api("staff4").get("/documents/units/zfb/settings").status_code == 404
    changed = api("leader").patch("/documents/units/zfb/settings",
                                  {"number_code": "示府办", "masthead": "示范区人民政府办公室文件"})
    assert changed.json()["number_code"] == "示府办"
    doc = draft(api, reviewers=[])
    api("leader").post(f"/documents/{doc['id']}/decide", {"action": "sign_off"})
    assert api("clerk").post(f"/documents/{doc['id']}/issue").json()["number"] == \
        f"示府办〔{YEAR}〕1号"


def test_the_compose_form_learns_where_the_caller_drafts_its_rules_and_its_signers(
        office: Any, api: Any) -> None:
    """`GET /documents/meta` names every unit the caller may draft for (staff too), whether it
    may still send without the chain (直接发文), its 机关代字 and the leaders who may sign off."""
    UnitDocumentSettings.objects.create(unit=Unit.objects.get(code="zfb"), direct_issue=False,
                                        number_code="区府办")
    head = api("zfb_head").get("/documents/meta").json()
    assert head["issuing_units"] == []  # staff send nothing directly, but draft
    [zfb] = head["drafting_units"]
    assert zfb["code"] == "zfb" and zfb["direct_issue"] is False
    assert zfb["number_code"] == "区府办"
    assert [u["username"] for u in zfb["leaders"]] == ["leader"]
    # The leader is not offered as their own signer; another unit keeps its default rules.
    leader = api("leader").get("/documents/meta").json()["drafting_units"]
    assert [u["leaders"] for u in leader if u["code"] == "zfb"] == [[]]
    town = api("staff4").get("/documents/meta").json()["drafting_units"]
    assert [(u["code"], u["direct_issue"]) for u in town] == [("town1", True)]


def test_the_to_do_list_shows_review_signoff_issue_and_instruct_to_whom_it_waits_on(
        office: Any, api: Any, person: Any) -> None:
    def kinds(who: str) -> dict[str, int]:
        got = api(who).get("/todo").json()
        return {k: n for k, n in got["counts"].items() if n and k.startswith("document_")}

    doc_id = draft(api)["id"]
    assert kinds("zfb_head") == {"document_review": 1} and kinds("leader") == {}
    item = next(i for i in api("zfb_head").get("/todo").json()["items"]
                if i["kind"] == "document_review")
    assert item["ref"] == doc_id and item["message"] == card_for("zfb_head", doc_id)
    assert [a["action"] for a in item["card"]["actions"]] == ["approve", "return"]
    api("zfb_head").post(f"/documents/{doc_id}/decide", {"action": "approve"})
    assert kinds("zfb_head") == {} and kinds("leader") == {"document_signoff": 1}
    api("leader").post(f"/documents/{doc_id}/decide", {"action": "sign_off"})
    assert kinds("leader") == {} and kinds("clerk") == {"document_issue": 1}
    api("clerk").post(f"/documents/{doc_id}/issue")
    assert kinds("clerk") == {}
    # 批办 waits on the receiving unit's leaders once the clerk has proposed.
    person("t1_head", "town1", "leader", "周镇长")
    town = recipient_message(api, doc_id, "staff4", "town1")
    press(api("staff4"), town, "sign")
    assert "document_instruct" not in kinds("t1_head")
    press(api("staff4"), town, "propose", comment="拟请综合办阅处。")
    assert kinds("t1_head").get("document_instruct") == 1
    press(api("t1_head"), town, "instruct", comment="同意。")
    assert "document_instruct" not in kinds("t1_head")


def recipient_message(api: Any, doc_id: int, who: str, code: str) -> int:
    detail = api(who).get(f"/documents/{doc_id}").json()
    return next(r["message"] for r in detail["recipients"] if r["unit"]["code"] == code)
