"""Filing: what was handled is filed once, in the right unit, year, retention period and
series, with a gap-free archive number, its seal checked and the filing in the audit log."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from archive import filing, registry
from archive.models import ArchiveEntry
from bots.documents.models import DocumentAttachment
from hub.chat.actions import attachment_path
from hub.core import worker
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.archive.conftest import handle, settle_approval, sweep

pytestmark = pytest.mark.django_db

YEAR = timezone.localtime().year


def entry(**filters: Any) -> ArchiveEntry:
    return ArchiveEntry.objects.get(**filters)


def test_a_handled_delivery_is_filed_once_in_its_unit(sent: Any, api: Any) -> None:
    document = sent()
    assert sweep() == 0  # nothing handled yet
    handle(api, document, "town1", "staff4")
    assert sweep() == 1
    assert sweep() == 0  # filed once
    filed = entry(kind="incoming", unit__code="town1")
    # Read only (阅知): kept ten years; the first of its series.
    assert filed.archive_no == f"TOWN1-WS·{YEAR}-D10-SW-0001"
    assert (filed.year, filed.retention, filed.item_no) == (YEAR, "10y", 1)
    assert filed.title == document["title"] and filed.number == document["number"]
    assert filed.doc_type == "通知" and filed.responsible == "区政府办公室"
    assert filed.verified is True and "签章有效" in filed.verify_detail
    assert filed.metadata["档号"] == filed.archive_no
    assert filed.metadata["保管期限"] == "定期10年" and filed.metadata["办结人"] == "赵六"
    # The sealed file, and beside it the document laid out as a PDF (GB/T 9704).
    assert [f["name"] for f in filed.files] == ["实施方案.txt",
                                                f"{filed.number} {filed.title}.pdf"]
    assert filed.files[1]["rendition"] == "pdf"
    assert filed.filed_by is None and filed.source_type == "delivery"
    # Filing is in the audit log, on the archive entry and on the document's own history.
    events = {e.event: e for e in AuditEntry.objects.filter(
        subject__in=[filed.subject, f"document:{document['id']}"])}
    assert events["archive.filed"].data["archive_no"] == filed.archive_no
    assert events["document.archived"].data == {"unit": "town1", "archive_no": filed.archive_no}
    assert filed.seq == events["archive.filed"].seq
    assert audit.verify_chain()[1] == []


def test_retention_and_series_follow_the_rules(sent: Any, api: Any, person: Any) -> None:
    person("town2_handler", "town2", "staff", "刘承办")
    first = sent()
    second = sent(number=first["number"].replace("12号", "13号"), title="关于第二件事的通知")
    handle(api, first, "town2", "staff5", assignee="town2_handler")   # 承办件: 30 years
    handle(api, first, "town3", "staff6")                             # 阅知件: 10 years
    handle(api, second, "town3", "staff6")
    sweep()
    assert entry(unit__code="town2").archive_no == f"TOWN2-WS·{YEAR}-D30-SW-0001"
    numbers = sorted(ArchiveEntry.objects.filter(unit__code="town3")
                     .values_list("archive_no", flat=True))
    assert numbers == [f"TOWN3-WS·{YEAR}-D10-SW-0001", f"TOWN3-WS·{YEAR}-D10-SW-0002"]
    # A reply-required document is a 承办件 too.
    replied = sent(number=first["number"].replace("12号", "14号"), reply_required=True)
    handle(api, replied, "town1", "staff4", reply="已办理。")
    sweep()
    assert entry(unit__code="town1").retention == "30y"


def test_an_outgoing_document_is_filed_when_every_copy_is_settled(sent: Any, api: Any) -> None:
    document = sent(doc_type="决定", title="关于表彰先进集体的决定")
    handle(api, document, "town1", "staff4")
    handle(api, document, "town2", "staff5")
    sweep()
    assert not ArchiveEntry.objects.filter(kind="outgoing").exists()  # town3 still open
    message = next(r["message"] for r in document["recipients"] if r["unit"]["code"] == "town3")
    returned = api("staff6").post(f"/messages/{message}/actions",
                                  {"action": "return", "comment": "非我单位职责"})
    assert returned.status_code == 200
    sweep()
    outgoing = entry(kind="outgoing")
    # A 决定 of the issuing unit is kept for good.
    assert outgoing.unit.code == "zfb" and outgoing.retention == "permanent"
    assert outgoing.archive_no == f"ZFB-WS·{YEAR}-Y-FW-0001"
    assert "已办结 2，退回 1" in outgoing.metadata["办理情况"]
    assert outgoing.metadata["电子签章"]["印章"]


def test_a_settled_approval_is_filed_in_the_requesters_unit(demo: Any, api: Any) -> None:
    approved = settle_approval(api, steps=[["staff1"], ["leader"]],
                               decisions=[("staff1", "approve"), ("leader", "approve")])
    returned = settle_approval(api, steps=[["staff1"]], decisions=[("staff1", "return")],
                               title="待修改的请示")
    rejected = settle_approval(api, steps=[["staff2"]], decisions=[("staff2", "reject")],
                               title="不同意的请示")
    assert (approved["state"], returned["state"], rejected["state"]) == (
        "approved", "returned", "rejected")
    sweep()
    filed = {e.object_id: e for e in ArchiveEntry.objects.filter(kind="approval")}
    assert set(filed) == {approved["id"], rejected["id"]}  # a returned request is not settled
    first = filed[approved["id"]]
    assert first.unit.code == "zfb" and first.retention == "10y"
    assert first.archive_no.startswith(f"ZFB-WS·{YEAR}-D10-SP-")
    assert first.verified is True
    assert [d["审批人"] for d in first.metadata["审批记录"]] == ["张三", "李明"]
    assert first.metadata["审批结果"] == "已同意"


def test_a_tampered_document_is_filed_with_the_check_failed(sent: Any, api: Any) -> None:
    document = sent()
    handle(api, document, "town1", "staff4")
    path = attachment_path(DocumentAttachment.objects.get(document_id=document["id"]).attachment)
    path.write_bytes(path.read_bytes() + b"!")
    sweep()
    filed = entry(unit__code="town1")
    assert filed.verified is False and "实施方案.txt" in filed.verify_detail
    assert filed.metadata["真实性与完整性检测"].startswith("未通过")


def test_a_failure_halfway_files_nothing_and_the_others_go_on(sent: Any, api: Any,
                                                              monkeypatch: Any) -> None:
    first, second = sent(), sent(number=f"区府办〔{YEAR}〕20号")
    handle(api, first, "town1", "staff4")
    handle(api, second, "town1", "staff4")
    real = audit.append
    calls = []

    def failing_once(events: Any) -> Any:
        calls.append(events)
        if len(calls) == 1:  # after the number was taken and the entry written
            raise RuntimeError("disk full")
        return real(events)

    monkeypatch.setattr(filing.audit, "append", failing_once)
    assert sweep() == 1  # the other one is filed; the failed one left nothing behind
    assert ArchiveEntry.objects.count() == 1
    monkeypatch.setattr(filing.audit, "append", real)
    assert sweep() == 1
    # The failed attempt took no number: the series has no gap.
    assert sorted(ArchiveEntry.objects.values_list("item_no", flat=True)) == [1, 2]


def test_the_worker_files_from_the_audit_log_and_reconciles_now_and_then() -> None:
    task, every = worker._tasks["archive.file"]
    assert task is filing.file_recent and every <= 2.0
    task, every = worker._tasks["archive.reconcile"]
    assert task is filing.file_pending and every <= 3600


def test_recent_handling_is_filed_from_the_log_past_the_cursor(sent: Any, api: Any) -> None:
    document = sent(recipients=["town1"])
    assert filing.file_recent() == 0
    handle(api, document, "town1", "staff4")
    # Its only recipient handled it: the received copy and the issuer's copy, at once.
    assert filing.file_recent() == 2
    assert set(ArchiveEntry.objects.values_list("kind", flat=True)) == {"incoming", "outgoing"}
    assert filing.file_recent() == 0  # the cursor has moved past those events
    settle_approval(api, steps=[["staff1"]], decisions=[("staff1", "reject")])
    assert filing.file_recent() == 1
    assert ArchiveEntry.objects.filter(kind="approval").count() == 1


def test_what_the_recent_path_failed_to_file_the_reconciler_files(sent: Any, api: Any,
                                                                  monkeypatch: Any) -> None:
    document = sent(recipients=["town1"])
    handle(api, document, "town1", "staff4")

    real = filing.file_item

    def failing(kind: Any, source_id: int, **kwargs: Any) -> Any:
        if kind.kind == "incoming":
            raise RuntimeError("disk full")
        return real(kind, source_id, **kwargs)

    monkeypatch.setattr(filing, "file_item", failing)
    assert filing.file_recent() == 1  # the outgoing copy; the received one failed
    monkeypatch.setattr(filing, "file_item", real)
    assert filing.file_recent() == 0  # past the cursor: not retried here...
    assert sweep() == 1               # ...but by the reconciling sweep
    assert ArchiveEntry.objects.filter(kind="incoming", unit__code="town1").exists()


@pytest.mark.django_db(transaction=True)
def test_two_filers_at_once_file_one_entry(sent: Any, api: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (set DATABASE_URL)")
    document = sent()
    handle(api, document, "town1", "staff4")
    incoming = registry.get("incoming")
    assert incoming is not None
    delivery_id = incoming.pending(filing.filed_sources(incoming), 10)[0]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        from django.db import connection as conn
        barrier.wait()
        try:
            results.append(filing.file_item(incoming, delivery_id))
        except Exception as exc:  # noqa: BLE001 - the loser may see the unique constraint
            results.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ArchiveEntry.objects.count() == 1
    assert sum(isinstance(r, ArchiveEntry) for r in results) == 1
    assert ArchiveEntry.objects.get().item_no == 1
