"""督办 tasks: 立项 (typed in, or from a leader's 批示 on an incoming document) → cards to the
units → 接收 → reports → an extension asked and decided → 办结 → 销号 (signed); the to-do
kinds; reminders before and at the deadline; who may see and do what; the ledger and CSV."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bots import jobs
from bots.tasks.models import Extension, Report, Task, TaskUnit
from hub.chat.models import Message
from hub.seals.models import AuditEntry
from tests.bots.conftest import card_of, document_body, number, press, recipient

pytestmark = pytest.mark.django_db


def task_body(**overrides: Any) -> dict[str, Any]:
    body = {"title": "推进老旧小区改造", "lead_unit": "town1", "co_units": ["wsj", {"code": "wtj"}],
            "deadline_days": 10, "report_cycle": "weekly"}
    body.update(overrides)
    return body


@pytest.fixture
def task(api: Any, clock: Any) -> dict[str, Any]:
    response = api("clerk").post("/tasks", task_body())
    assert response.status_code == 201, response.content
    return response.json()


def todo_kinds(api: Any, username: str) -> dict[str, int]:
    return {k: v for k, v in api(username).get("/todo").json()["counts"].items()
            if k.startswith("task_") and v}


def test_the_whole_flow_from_assignment_to_closing(api: Any, task: dict[str, Any],
                                                   demo: Any, clock: Any) -> None:
    assert task["state"] == "assigned" and task["status"] == "on_track"
    assert task["lead_unit"]["code"] == "town1"
    assert [u["code"] for u in task["co_units"]] == ["wsj", "wtj"]
    assert task["office"]["code"] == "zfb"
    # Cards: one in each unit's room and the office's own.
    units = {u.unit.code: u for u in TaskUnit.objects.filter(task_id=task["id"])
             .select_related("unit", "message")}
    assert units["town1"].message.room_id == demo["rooms"]["town1"].id
    lead_card = card_of(api("staff4"), units["town1"].message_id)
    assert [a["action"] for a in lead_card["actions"]] == ["accept"]
    assert [a["action"] for a in card_of(api("staff2"), units["wsj"].message_id)["actions"]] \
        == ["report"]
    office = card_of(api("clerk"), task["office_message"])
    assert [a["action"] for a in office["actions"]] == ["remind"]
    # The to-do lists: the lead clerk accepts; the co-units owe a report.
    assert todo_kinds(api, "staff4") == {"task_accept": 1}
    assert todo_kinds(api, "staff2") == {"task_report": 1}
    # 接收 on the card, once.
    assert press(api("staff4"), units["town1"].message_id, "accept").status_code == 200
    assert press(api("staff4"), units["town1"].message_id, "accept").status_code == 200
    assert AuditEntry.objects.filter(event="task.accepted").count() == 1
    assert todo_kinds(api, "staff4") == {"task_report": 1}
    # Two units report; the office's room gets each report.
    clock.advance(hours=2)
    response = api("staff4").post(f"/tasks/{task['id']}/reports", {"body": "已完成摸底调查。"})
    assert response.status_code == 201, response.content
    upload = api("staff2").upload("进展.txt", "卫生配套已落实".encode()).json()
    response = api("staff2").post(f"/tasks/{task['id']}/reports",
                                  {"body": "配合完成卫生设施规划。", "attachments": [upload["id"]]})
    assert response.status_code == 201, response.content
    detail = response.json()
    assert [(r["unit"]["code"], r["body"]) for r in detail["reports"]] == [
        ("town1", "已完成摸底调查。"), ("wsj", "配合完成卫生设施规划。")]
    assert detail["reports"][1]["attachments"][0]["name"] == "进展.txt"
    assert "task_report" not in todo_kinds(api, "staff2")  # the next falls due a week on
    wsj = TaskUnit.objects.get(task_id=task["id"], unit__code="wsj")
    # A week on, or the first working day after when that is a day off.
    from bots.tasks.services import on_workday

    assert wsj.report_due == on_workday(clock.now() + timedelta(days=7))
    office_room = demo["rooms"]["zfb"].id
    assert Message.objects.filter(room_id=office_room, body__startswith="【进展汇报】").count() == 2
    # The lead unit asks for an extension; whoever set the task approves it.
    old = Task.objects.get(id=task["id"]).deadline
    wanted = (old + timedelta(days=10)).isoformat()
    response = api("staff4").post(f"/tasks/{task['id']}/extension",
                                  {"deadline": wanted, "reason": "资金下达推迟"})
    assert response.status_code == 201, response.content
    assert api("staff4").post(f"/tasks/{task['id']}/extension",
                              {"deadline": wanted, "reason": "再申请"}).status_code == 409
    assert todo_kinds(api, "clerk") == {"task_extension": 1}
    office = card_of(api("clerk"), task["office_message"])
    assert [a["action"] for a in office["actions"]] == [
        "approve_extension", "reject_extension", "remind"]
    assert api("leader").post(f"/tasks/{task['id']}/extension/decide",
                              {"action": "approve"}).status_code == 403
    response = api("clerk").post(f"/tasks/{task['id']}/extension/decide", {"action": "approve"})
    assert response.status_code == 200, response.content
    assert response.json()["deadline"] == response.json()["extensions"][0]["deadline"]
    assert response.json()["extensions"][0]["state"] == "approved"
    assert api("clerk").post(f"/tasks/{task['id']}/extension/decide",
                             {"action": "reject"}).status_code == 409
    # 销号 before 办结 is refused; the lead unit completes; the office closes, signed.
    assert api("clerk").post(f"/tasks/{task['id']}/close").status_code == 409
    response = api("staff4").post(f"/tasks/{task['id']}/complete", {"result": "改造完成 12 个小区。"})
    assert response.status_code == 200 and response.json()["state"] == "completed"
    assert api("staff4").post(f"/tasks/{task['id']}/complete",
                              {"result": "again"}).status_code == 409
    assert api("staff2").post(f"/tasks/{task['id']}/reports",
                              {"body": "迟到的汇报"}).status_code == 409
    assert todo_kinds(api, "clerk") == {"task_close": 1}
    assert api("staff4").post(f"/tasks/{task['id']}/close").status_code == 403
    office = card_of(api("clerk"), task["office_message"])
    assert [a["action"] for a in office["actions"]] == ["close"]
    response = press(api("clerk"), task["office_message"], "close")
    assert response.status_code == 200, response.content
    closed = api("clerk").get(f"/tasks/{task['id']}").json()
    assert closed["state"] == "closed" and closed["closing_signed"] is True
    assert closed["status"] == "on_track"
    assert todo_kinds(api, "clerk") == {}
    assert api("clerk").post(f"/tasks/{task['id']}/close").status_code == 409
    assert [e.event for e in AuditEntry.objects.filter(subject=f"task:{task['id']}")
            .order_by("seq")] == ["task.created", "task.accepted", "task.reported", "task.reported",
                                  "task.extension_requested", "task.extension_decided",
                                  "task.completed", "task.closed"]


def test_a_rejected_extension_keeps_the_deadline(api: Any, task: dict[str, Any]) -> None:
    api("staff4").post(f"/tasks/{task['id']}/accept")
    before = Task.objects.get(id=task["id"]).deadline
    api("staff4").post(f"/tasks/{task['id']}/extension",
                       {"deadline": (before + timedelta(days=3)).isoformat(), "reason": "人手不足"})
    response = api("clerk").post(f"/tasks/{task['id']}/extension/decide",
                                 {"action": "reject", "comment": "请按期完成"})
    assert response.status_code == 200
    assert Task.objects.get(id=task["id"]).deadline == before
    assert Extension.objects.get(task_id=task["id"]).state == "rejected"
    # An extension that does not extend is refused.
    assert api("staff4").post(f"/tasks/{task['id']}/extension", {
        "deadline": (before - timedelta(days=1)).isoformat(), "reason": "x"}).status_code == 400


def test_nobody_sees_a_task_they_may_not(api: Any, task: dict[str, Any], person: Any) -> None:
    person("outsider", "town3", "clerk")
    path = f"/tasks/{task['id']}"
    # town2 and town3 are not on the task: not found, everywhere.
    for name in ("staff5", "outsider"):
        assert api(name).get(path).status_code == 404
        assert api(name).post(f"{path}/reports", {"body": "x"}).status_code == 404
        assert api(name).post(f"{path}/close").status_code == 404
        assert api(name).get("/tasks").json()["total"] == 0
        assert "推进老旧小区改造" not in api(name).get("/tasks.csv").content.decode()
    # A co-unit sees it but may not accept, complete or ask for more time; nor close it.
    assert api("staff2").get(path).status_code == 200
    assert api("staff2").post(f"{path}/accept").status_code == 403
    assert api("staff2").post(f"{path}/complete", {"result": "x"}).status_code == 403
    assert api("staff2").post(f"{path}/extension", {"deadline": "2099-01-01",
                                                    "reason": "x"}).status_code == 403
    assert api("staff2").post(f"{path}/close").status_code == 403
    # Only a supervising office's clerks and leaders set tasks.
    assert api("staff2").post("/tasks", task_body()).status_code == 403
    assert Task.objects.count() == 1


def test_bad_input_answers_clearly_and_stores_nothing(api: Any, clock: Any) -> None:
    clerk = api("clerk")
    assert clerk.post("/tasks", task_body(title=" ")).status_code == 400
    assert clerk.post("/tasks", task_body(lead_unit="nowhere")).status_code == 400
    assert clerk.post("/tasks", task_body(deadline_days=None)).status_code == 400
    assert clerk.post("/tasks", task_body(deadline_days=None,
                                          deadline="2001-01-01")).status_code == 400
    assert clerk.post("/tasks", task_body(source={"document": 999999})).status_code == 404
    assert clerk.post("/tasks", task_body(report_cycle="daily")).status_code == 400
    assert Task.objects.count() == 0
    task = clerk.post("/tasks", task_body()).json()
    assert api("staff4").post(f"/tasks/{task['id']}/reports", {"body": "  "}).status_code == 400
    assert api("staff4").post(f"/tasks/{task['id']}/complete", {"result": ""}).status_code == 400
    assert Report.objects.count() == 0


def test_reminders_before_and_at_the_deadline_and_the_escalation(
        api: Any, demo: Any, clock: Any, person: Any) -> None:
    head = person("t1_head", "town1", "leader", "城关镇镇长")
    task = api("clerk").post("/tasks", task_body(deadline_days=5, report_cycle="")).json()
    room = demo["rooms"]["town1"].id
    deadline = Task.objects.get(id=task["id"]).deadline
    jobs.run_due(now=deadline - timedelta(days=7))
    assert not Message.objects.filter(room_id=room, body__startswith="【催办】").exists()
    jobs.run_due(now=deadline - timedelta(minutes=1))
    assert Message.objects.filter(room_id=room, body__startswith="【催办】").count() == 1
    assert api("staff4").get(f"/tasks/{task['id']}").json()["status"] in ("due_soon", "on_track")
    clock.current = deadline + timedelta(minutes=1)
    jobs.run_due(now=clock.now())
    assert Message.objects.filter(room_id=room, body__startswith="【催办】").count() == 2
    assert Message.objects.filter(room__kind="direct", room__members__user=head,
                                  body__contains="已超过办结期限").exists()
    assert api("clerk").get(f"/tasks/{task['id']}").json()["status"] == "overdue"
    assert api("clerk").get("/tasks", status="overdue").json()["total"] == 1
    # The overdue report shows on the to-do list as overdue.
    from bots.tasks import todo

    [item] = todo.report_items(user=demo["users"]["staff2"], now=clock.now())
    assert item.overdue is True and item.ref == task["id"]
    # 催办 by the office: on many at once, at most every 10 minutes each.
    assert api("clerk").post("/tasks/remind", {"tasks": [task["id"]]}).json() == {"reminded": 1}
    assert api("clerk").post("/tasks/remind", {"tasks": [task["id"]]}).json() == {"reminded": 0}
    assert api("staff4").post("/tasks/remind", {"tasks": [task["id"]]}).status_code == 403


def test_a_moved_deadline_drops_the_old_reminders(api: Any, demo: Any, clock: Any) -> None:
    task = api("clerk").post("/tasks", task_body(deadline_days=5)).json()
    api("staff4").post(f"/tasks/{task['id']}/accept")
    old = Task.objects.get(id=task["id"]).deadline
    api("staff4").post(f"/tasks/{task['id']}/extension",
                       {"deadline": (old + timedelta(days=30)).isoformat(), "reason": "等资金"})
    api("clerk").post(f"/tasks/{task['id']}/extension/decide", {"action": "approve"})
    jobs.run_due(now=old + timedelta(minutes=1))
    assert not Message.objects.filter(room_id=demo["rooms"]["town1"].id,
                                      body__contains="已超过办结期限").exists()


def test_a_leaders_instruction_on_a_document_becomes_a_task(api: Any, demo: Any,
                                                           clock: Any) -> None:
    """town1 reports to the government office; its leader instructs on the copy naming a
    lead unit and a co-unit: the task is set with the 批示 and the document as its source."""
    document = api("staff4").post("/documents", document_body(
        doc_type="报告", number=number(3, "城关"), recipients=["zfb"],
        title="关于城关镇防汛工作情况的报告")).json()
    assert "id" in document, document
    message = recipient(document, "zfb")["message"]
    assert press(api("clerk"), message, "sign").status_code == 200
    deadline = (clock.now() + timedelta(days=20)).date().isoformat()
    response = press(api("leader"), message, "instruct", comment="请城关镇牵头抓好落实，卫生局配合。",
                     lead_unit="town1", co_units=["wsj"], deadline=deadline)
    assert response.status_code == 200, response.content
    task = Task.objects.get()
    assert (task.title, task.source_type, task.source_id) == (
        "落实《关于城关镇防汛工作情况的报告》的批示", "document", document["id"])
    assert task.instruction == "请城关镇牵头抓好落实，卫生局配合。"
    assert task.instructed_by.username == "leader" and task.office.code == "zfb"
    assert [u.unit.code for u in TaskUnit.objects.filter(task=task).order_by("id")] == [
        "town1", "wsj"]
    shown = api("staff4").get(f"/tasks/{task.id}").json()
    assert shown["source"] == {"type": "document", "id": document["id"], "label": "公文批示"}
    # Set from the ledger's form with the document as its source: the leader is in both
    # offices, and the task goes to the one that received the document.
    typed = api("leader").post("/tasks", {"title": "再立一项", "lead_unit": "town1", "deadline_days": 5,
                                          "source": {"document": document["id"]}})
    assert typed.status_code == 201, typed.content
    assert typed.json()["office"]["code"] == "zfb"
    assert api("staff1").post("/tasks", {"title": "区委办看不到这份公文", "lead_unit": "town1",
                                         "deadline_days": 5,
                                         "source": {"document": document["id"]}}).status_code == 404
    # A unit that does not exist refuses the whole instruction.
    response = press(api("leader"), message, "instruct", comment="再批示", lead_unit="nowhere")
    assert response.status_code == 400
    assert Task.objects.count() == 2


def test_the_ledger_filters_and_the_csv(api: Any, clock: Any) -> None:
    api("clerk").post("/tasks", task_body())
    api("clerk").post("/tasks", task_body(title="整治河道", lead_unit="town2", co_units=[]))
    ledger = api("clerk").get("/tasks").json()
    assert ledger["total"] == 2 and [r["title"] for r in ledger["results"]] == [
        "整治河道", "推进老旧小区改造"]
    assert api("clerk").get("/tasks", unit="town2").json()["total"] == 1
    assert api("clerk").get("/tasks", unit="wsj").json()["total"] == 1
    assert api("clerk").get("/tasks", state="closed").json()["total"] == 0
    assert api("clerk").get("/tasks", month=clock.now().strftime("%Y-%m")).json()["total"] == 2
    assert api("clerk").get("/tasks", status="bogus").status_code == 400
    response = api("clerk").get("/tasks.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff编号,督办事项")
    lines = text.strip().split("\r\n")
    assert len(lines) == 3 and "整治河道" in lines[1] and "河西镇人民政府" in lines[1]

    workbook = api("clerk").get("/tasks.xlsx", unit="town2")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "督办事项") and len(rows) == 2 and rows[1][1] == "整治河道"


def test_a_closed_task_is_filed_in_the_offices_archive_with_its_signature(
        api: Any, task: dict[str, Any]) -> None:
    from archive import filing
    from archive.models import ArchiveEntry

    api("staff4").post(f"/tasks/{task['id']}/reports", {"body": "已完成摸底调查。"})
    api("staff4").post(f"/tasks/{task['id']}/complete", {"result": "改造完成 12 个小区。"})
    filing.file_recent()
    assert not ArchiveEntry.objects.filter(kind="task").exists()  # not before 销号
    api("clerk").post(f"/tasks/{task['id']}/close")
    filing.file_recent()
    entry = ArchiveEntry.objects.get(kind="task")
    assert (entry.object_id, entry.unit.code, entry.verified) == (task["id"], "zfb", True)
    assert entry.metadata["销号签名"] == "有效" and entry.metadata["主办单位"] == "城关镇人民政府"
    # The office's and the units' people find it; others do not.
    assert api("clerk").get("/archive", kind="task").json()["total"] == 1
    assert api("staff4").get("/archive", kind="task").json()["total"] == 1
    assert api("staff5").get("/archive", kind="task").json()["total"] == 0
    # The closed task's text changed behind the archive's back no longer verifies.
    Task.objects.filter(id=task["id"]).update(result="改成别的")
    from bots.tasks import archiving

    valid, reason = archiving.verify(task["id"], {})
    assert not valid and "办结情况" in reason
