"""Sending a document (POST /api/v1/documents and `/doc send`): checks, sealing, delivery
to every recipient or to none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bots.documents.models import Delivery, Document, DocumentAttachment
from bots.models import Job
from bots.runtime import COMMAND_JOB
from hub.chat.models import Attachment, Message
from hub.seals.models import AuditEntry, Signature
from tests.bots.conftest import document_body, number, run_commands

pytestmark = pytest.mark.django_db


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["detail"]


def assert_nothing_stored() -> None:
    """Not a row of a half-sent document anywhere."""
    assert Document.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert DocumentAttachment.objects.count() == 0
    assert Signature.objects.count() == 0
    assert Message.objects.filter(kind="card").count() == 0
    assert Job.objects.exclude(kind=COMMAND_JOB).count() == 0  # the commands themselves aside
    assert AuditEntry.objects.exclude(event__startswith="login.").count() == 0  # logins aside
    assert not Attachment.objects.filter(uploader__is_bot=True).exists()


def test_a_clerk_sends_and_each_recipient_unit_gets_a_card_only_its_clerks_can_press(
        demo: Any, api: Any) -> None:
    response = api("clerk").post("/documents", document_body(cc=["wsj"]))
    assert response.status_code == 201, response.content
    document = response.json()
    assert document["number"] == number(12) and document["unit"]["code"] == "zfb"
    assert document["seal"]["unit"] == "zfb" and document["seal"]["alg"] == "ed25519"
    assert document["seal"]["image"].startswith("data:image/svg+xml;base64,")
    assert {r["unit"]["code"]: (r["kind"], r["state"]) for r in document["recipients"]} == {
        "town1": ("main", "delivered"), "town2": ("main", "delivered"),
        "town3": ("main", "delivered"), "wsj": ("cc", "delivered")}
    assert document["totals"]["delivered"] == 4 and document["totals"]["signed"] == 0
    for code, clerk in (("town1", "staff4"), ("town2", "staff5"), ("town3", "staff6"),
                        ("wsj", "staff2")):
        message = Message.objects.get(room=demo["rooms"][code], kind="card")
        assert message.sender.username == "gongwen" and message.sender.is_bot
        card = message.card
        assert (card["card_type"], card["ref"], card["state"]) == ("document", document["id"],
                                                                   "delivered")
        assert {"label": "发文字号", "value": number(12)} in card["fields"]
        seen = api(clerk).get(f"/rooms/{demo['rooms'][code].id}/messages").json()[-1]["card"]
        assert [a["action"] for a in seen["actions"]] == ["sign", "return"]
        assert all("users" not in a for a in seen["actions"])
    tracking = Message.objects.get(room=demo["rooms"]["zfb"], kind="card")
    assert tracking.card["card_type"] == "document_tracking"
    assert tracking.card["totals"]["delivered"] == 4
    assert document["tracking_message"] == tracking.id


def test_ascii_brackets_are_normalised_and_the_same_number_twice_is_a_conflict(
        demo: Any, api: Any) -> None:
    year = number(1)[4:8]
    first = api("clerk").post("/documents", document_body(number=f"区府办[{year}]7号"))
    assert first.status_code == 201 and first.json()["number"] == f"区府办〔{year}〕7号"
    again = api("clerk").post("/documents", document_body(number=f"区府办（{year}）第7号"))
    assert error(again)[:2] == (409, "conflict") and "已被本单位使用" in error(again)[2]
    assert Document.objects.count() == 1
    # Another unit may use its own sequence freely.
    other = api("staff1").post("/documents", document_body(number=f"区委办〔{year}〕7号"))
    assert other.status_code == 201


def test_groups_name_units_and_leave_out_the_sender(demo: Any, api: Any) -> None:
    response = api("clerk").post("/documents", document_body(recipients=["全部单位"]))
    assert response.status_code == 201
    codes = {r["unit"]["code"] for r in response.json()["recipients"]}
    assert codes == {"qwb", "wsj", "wtj", "town1", "town2", "town3"}
    meta = api("clerk").get("/documents/meta").json()
    assert len(meta["doc_types"]) == 15
    townships = next(g for g in meta["groups"] if g["code"] == "townships")
    assert townships["units"] == ["town1", "town2", "town3"]
    assert meta["issuing_units"] == [{"code": "zfb", "name": "区政府办公室", "short_name": "区府办"}]


@pytest.mark.parametrize("overrides, status, code, words", [
    ({"recipients": ["town1", "nowhere", "不存在的局"]}, 400, "bad_request", "nowhere、不存在的局"),
    ({"recipients": []}, 400, "bad_request", "主送单位"),
    ({"recipients": ["zfb"]}, 400, "bad_request", "本单位"),
    ({"number": "区府办2026年12号"}, 400, "bad_request", "格式不正确"),
    ({"number": "区府办〔26〕12号"}, 400, "bad_request", "格式不正确"),
    ({"number": ""}, 400, "bad_request", "请填写发文字号"),
    ({"title": "   "}, 400, "bad_request", "请填写标题"),
    ({"doc_type": "简报"}, 400, "bad_request", "15 种法定文种"),
    ({"urgency": "火急"}, 400, "bad_request", "紧急程度"),
    ({"deadline": "2001-01-01"}, 400, "bad_request", "办理期限必须晚于现在"),
    ({"deadline": "下周五"}, 400, "bad_request", "不是有效的日期"),
    ({"secrecy": "secret"}, 400, "bad_request", "非涉密系统"),
    ({"secrecy": "机密"}, 400, "bad_request", "非涉密系统"),
    ({"marks": "绝密★长期"}, 400, "bad_request", "非涉密系统"),
    ({"notes": "本件属秘密，注意保管"}, 400, "bad_request", "非涉密系统"),
    ({"title": "机密★1年 关于某事项的通知"}, 400, "bad_request", "非涉密系统"),
    ({"attachments": [999999]}, 404, "not_found", "附件"),
])
def test_bad_input_answers_a_clear_error_and_sends_nothing(
        demo: Any, api: Any, overrides: dict[str, Any], status: int, code: str,
        words: str) -> None:
    response = api("clerk").post("/documents", document_body(**overrides))
    got_status, got_code, detail = error(response)
    assert (got_status, got_code) == (status, code)
    assert words in detail, detail
    assert_nothing_stored()


def test_prose_about_secrets_is_not_a_classified_mark(demo: Any, api: Any) -> None:
    response = api("clerk").post("/documents", document_body(
        title="关于加强保守国家秘密宣传教育的通知", body="各单位要教育干部职工保守国家秘密。"))
    assert response.status_code == 201


def test_only_clerks_and_leaders_of_the_issuing_unit_may_send(
        demo: Any, api: Any, person: Any) -> None:
    person("zfb_staff", "zfb", "staff")
    response = api("zfb_staff").post("/documents", document_body())
    assert error(response)[:2] == (403, "forbidden") and "收发员或领导" in error(response)[2]
    # A clerk of another unit cannot send in the government office's name.
    response = api("staff1").post("/documents", document_body(unit="zfb"))
    assert error(response)[:2] == (403, "forbidden")
    # Someone who is a leader of two units must say which one sends.
    response = api("leader").post("/documents", document_body())
    assert error(response)[:2] == (400, "bad_request") and "unit" in error(response)[2]
    response = api("leader").post("/documents", document_body(unit="qwb",
                                                              number=number(3, "区委办")))
    assert response.status_code == 201 and response.json()["unit"]["code"] == "qwb"


def test_a_file_over_the_limit_is_refused_before_anything_is_sent(
        demo: Any, api: Any, settings: Any) -> None:
    settings.HUITONG_MAX_UPLOAD_BYTES = 1024
    upload = api("clerk").upload("大文件.pdf", b"x" * 2048)
    assert error(upload)[:2] == (413, "too_large")
    settings.HUITONG_MAX_UPLOAD_BYTES = 10 * 1024
    settings.HUITONG_DOC_MAX_ATTACHMENT_BYTES = 3 * 1024
    ids = [api("clerk").upload(f"附件{i}.pdf", b"x" * 2048).json()["id"] for i in range(2)]
    response = api("clerk").post("/documents", document_body(attachments=ids))
    assert error(response)[:2] == (413, "too_large")
    assert_nothing_stored()


def test_attachments_are_sealed_copies_posted_with_every_card(demo: Any, api: Any) -> None:
    upload = api("clerk").upload("实施方案.txt", "一、工作目标\n二、工作措施\n".encode())
    response = api("clerk").post("/documents", document_body(attachments=[upload.json()["id"]]))
    assert response.status_code == 201
    files = response.json()["attachments"]
    assert [f["name"] for f in files] == ["实施方案.txt"]
    assert files[0]["sha256"] == upload.json()["sha256"] and files[0]["id"] != upload.json()["id"]
    # A township clerk sees the file on the card and may download it.
    card = api("staff4").get(f"/rooms/{demo['rooms']['town1'].id}/messages").json()[-1]
    # The files, then the document laid out per GB/T 9704 (the PDF the seal covers).
    assert [a["id"] for a in card["attachments"]][:1] == [files[0]["id"]]
    assert [a["mime"] for a in card["attachments"]][1:] == ["application/pdf"]
    download = api("staff4").client.get(files[0]["url"], headers=api("staff4").headers)
    assert download.status_code == 200
    # The issuing unit's other members see the sealed copy on the tracking card.
    leader = api("leader")
    assert leader.client.get(files[0]["url"], headers=leader.headers).status_code == 200
    # Someone whose unit did not receive it may not.
    assert api("staff3").client.get(files[0]["url"], headers=api("staff3").headers).status_code == 404


def test_a_failure_while_delivering_rolls_everything_back(
        demo: Any, api: Any, monkeypatch: Any, settings: Any) -> None:
    """Delivery is all or nothing: if the tenth step fails, the first nine are undone."""
    from bots.documents import supervision

    def broken(document: Any) -> None:
        raise RuntimeError("disk full")

    upload = api("clerk").upload("附件.txt", b"abc")
    monkeypatch.setattr(supervision, "schedule_for", broken)
    with pytest.raises(RuntimeError):
        api("clerk").post("/documents", document_body(attachments=[upload.json()["id"]]))
    assert_nothing_stored()
    # The bot's copy of the file is gone from the disk too; the upload itself stays.
    files = [p for p in (Path(settings.MEDIA_ROOT) / "attachments").rglob("*") if p.is_file()]
    assert len(files) == 1


def test_doc_send_command_ends_in_the_same_service(
        demo: Any, api: Any, django_capture_on_commit_callbacks: Any) -> None:
    """Full-width colons and commas, Chinese keys, quotes; the command's file becomes the
    document's attachment; the bot answers in the room."""
    room = demo["rooms"]["zfb"].id
    upload = api("clerk").upload("方案.txt", "内容".encode()).json()
    body = (f"/doc send 文种：通知 字号：“{number(21)}” 标题：“关于 开展 安全检查的通知” "
            "主送：town1，town2 抄送:wsj 紧急：加急 答复：是 正文：“请于月底前报送检查情况。”")
    with django_capture_on_commit_callbacks(execute=True):
        sent = api("clerk").send(room, body, attachments=[upload["id"]])
    run_commands()
    assert sent.status_code == 201
    document = Document.objects.get()
    assert (document.title, document.urgency, document.reply_required) == (
        "关于 开展 安全检查的通知", "urgent", True)
    assert sorted(document.deliveries.values_list("unit__code", "kind")) == [
        ("town1", "main"), ("town2", "main"), ("wsj", "cc")]
    assert document.files.get().name == "方案.txt"
    reply = Message.objects.filter(room_id=room, kind="text").order_by("-seq").first()
    assert reply is not None and reply.sender.username == "gongwen"
    assert "已发送" in reply.body and number(21) in reply.body


def test_a_bad_doc_send_command_gets_the_reason_and_sends_nothing(
        demo: Any, api: Any, django_capture_on_commit_callbacks: Any) -> None:
    room = demo["rooms"]["zfb"].id
    with django_capture_on_commit_callbacks(execute=True):
        api("clerk").send(room, f"/doc send 文种:通知 字号:{number(5)} 标题:测试 主送:town9")
    run_commands()
    reply = Message.objects.filter(room_id=room).order_by("-seq").first()
    assert reply is not None and reply.sender.username == "gongwen"
    assert "找不到这些收文单位：town9" in reply.body
    with django_capture_on_commit_callbacks(execute=True):
        api("clerk").send(room, '/doc send 标题:"没有闭合')
    run_commands()
    reply = Message.objects.filter(room_id=room).order_by("-seq").first()
    assert reply is not None and "引号没有闭合" in reply.body
    assert_nothing_stored()
