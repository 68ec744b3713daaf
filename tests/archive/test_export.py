"""A year's export: a BagIt bag that `bagit` validates, with the files as sent, metadata,
signatures an outside system can check offline, the audit entries with their chain, and a
check made at export that shows a file changed since filing."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.utils import timezone

from bots.documents.models import DocumentAttachment
from hub.chat.actions import attachment_path
from hub.seals.audit import entry_hash
from tests.archive.conftest import handle, settle_approval, sweep

pytestmark = pytest.mark.django_db

YEAR = timezone.localtime().year
CONTENT = "一、工作目标\n二、工作措施\n".encode()


def unpack(data: bytes, into: Path) -> Path:
    into = into / "unpacked"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(into)
    [root] = list(into.iterdir())
    return root


def download(api: Any, who: str, **params: Any) -> Any:
    response = api(who).get("/archive/export", **params)
    return response


def test_a_units_year_exports_as_a_valid_bag(sent: Any, api: Any, tmp_path: Path) -> None:
    document = sent()
    handle(api, document, "town1", "staff4")
    sweep()
    response = download(api, "staff4", unit="town1", year=YEAR)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "town1" in response["Content-Disposition"]
    root = unpack(b"".join(response.streaming_content), tmp_path)
    assert root.name == f"TOWN1-{YEAR}"
    bag = bagit.Bag(str(root))
    bag.validate()  # every file's SHA-256 matches the manifest; Payload-Oxum agrees
    assert "sha256" in bag.algorithms
    index = json.loads((root / "data" / "index.json").read_text())
    assert (index["count"], index["year"], index["unit"]["code"]) == (1, YEAR, "town1")
    [entry] = index["entries"]
    number = f"TOWN1-WS·{YEAR}-D10-SW-0001"
    assert entry["archive_no"] == number and entry["metadata"]["档号"] == number
    assert entry["check_at_export"]["valid"] is True
    assert entry["check_at_export"]["files_intact"] is True
    folder = root / "data" / number.replace("·", ".")
    assert (folder / "files" / "01-实施方案.txt").read_bytes() == CONTENT
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["files"][0]["sha256"] == metadata["files"][0]["sha256_at_filing"]

    # The seal checks offline: the public key, the signed bytes, the file's hash inside them.
    [seal] = json.loads((folder / "signatures.json").read_text())
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(seal["public_key"]))
    key.verify(base64.b64decode(seal["value"]), seal["tbs"].encode())
    signed = json.loads(seal["tbs"])["content"]
    assert signed["number"] == document["number"]
    assert signed["attachments"][0]["sha256"] == metadata["files"][0]["sha256"]

    # The audit entries recompute to their hashes.
    entries = json.loads((folder / "audit.json").read_text())
    assert [e["event"] for e in entries][-2:] == ["archive.filed", "document.archived"]
    for item in entries:
        at = datetime.fromisoformat(item["at"].replace("Z", "+00:00"))
        assert entry_hash(seq=item["seq"], at=at, actor_id=item["actor"],
                          subject=item["subject"], event=item["event"], data=item["data"],
                          prev_hash=item["prev_hash"]) == item["hash"]


def test_an_approval_exports_with_its_decision_signatures(demo: Any, api: Any,
                                                         tmp_path: Path) -> None:
    settle_approval(api, steps=[["staff1"], ["leader"]],
                    decisions=[("staff1", "approve"), ("leader", "approve")])
    sweep()
    response = download(api, "clerk", unit="zfb", year=YEAR)
    assert response.status_code == 200
    root = unpack(b"".join(response.streaming_content), tmp_path)
    bagit.Bag(str(root)).validate()
    [folder] = [p for p in (root / "data").iterdir() if p.is_dir()]
    signatures = json.loads((folder / "signatures.json").read_text())
    assert [s["approver"] for s in signatures] == ["staff1", "leader"]
    for item in signatures:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(item["public_key"]))
        key.verify(base64.b64decode(item["value"]), item["tbs"].encode())


def test_a_file_changed_after_filing_shows_in_the_export(sent: Any, api: Any,
                                                         tmp_path: Path) -> None:
    document = sent()
    handle(api, document, "town1", "staff4")
    sweep()
    path = attachment_path(DocumentAttachment.objects.get(document_id=document["id"]).attachment)
    path.write_bytes(b"tampered")
    response = download(api, "archivist", unit="town1", year=YEAR)
    root = unpack(b"".join(response.streaming_content), tmp_path)
    bagit.Bag(str(root)).validate()  # the package is whole; what it holds has changed
    [entry] = json.loads((root / "data" / "index.json").read_text())["entries"]
    assert entry["verified"] is True  # at filing
    check = entry["check_at_export"]
    assert check["valid"] is False and "实施方案.txt" in check["reason"]
    assert check["files_intact"] is False


def test_who_may_export_and_bad_requests(sent: Any, api: Any, person: Any) -> None:
    person("town1_staff", "town1", "staff")
    document = sent()
    handle(api, document, "town1", "staff4")
    sweep()
    assert download(api, "town1_staff", unit="town1", year=YEAR).status_code == 404
    assert download(api, "staff5", unit="town1", year=YEAR).status_code == 404
    assert download(api, "archivist", unit="town1", year=YEAR).status_code == 200
    empty = download(api, "staff4", unit="town1", year=YEAR - 1)
    assert empty.status_code == 404 and "没有已归档的文件" in empty.json()["error"]["detail"]
    assert download(api, "staff4", unit="town1").status_code == 400
    assert download(api, "staff4", year=YEAR).status_code == 400
    assert download(api, "staff4", unit="town1", year="明年").status_code == 400


def test_the_export_command_writes_the_same_package(sent: Any, api: Any,
                                                    tmp_path: Path) -> None:
    document = sent()
    handle(api, document, "town1", "staff4")
    call_command("archive_file", stdout=io.StringIO())
    out = tmp_path / "town1.zip"
    call_command("archive_export", unit="town1", year=YEAR, out=str(out), stdout=io.StringIO())
    root = unpack(out.read_bytes(), tmp_path / "x")
    bagit.Bag(str(root)).validate()
    assert json.loads((root / "data" / "index.json").read_text())["count"] == 1
