"""Folders and versions: a tree, three versions, a restore that is a new version with the
first one's bytes, downloads of each version, the audit trail, and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from hub.library.models import FileVersion
from hub.seals import audit
from hub.seals.models import AuditEntry
from tests.hub.library.conftest import add_file, folder, new_version, upload

pytestmark = pytest.mark.django_db


def download(client: Any, file_id: int, version: int) -> Any:
    return client.get(f"/library/files/{file_id}/versions/{version}/download")


def test_a_clerk_builds_a_tree_saves_three_versions_and_restores_the_first(api: Any) -> None:
    clerk = api("clerk")
    root = clerk.get("/library/unit:zfb").json()
    assert root["library"] == "unit:zfb" and root["parent"] is None and root["level"] == "manage"
    top = folder(clerk, "unit:zfb", "2026年")
    sub = folder(clerk, "unit:zfb", "会议纪要", parent=top["id"])
    assert sub["parent"] == top["id"]
    assert [p["name"] for p in sub["path"]] == [root["name"], "2026年", "会议纪要"]
    assert clerk.get(f"/library/folders/{top['id']}").json()["folders"] == [
        {"id": sub["id"], "name": "会议纪要"}]

    file = add_file(clerk, sub["id"], "纪要.txt", "第一稿".encode())
    assert file["version"] == 1 and file["folder"] == sub["id"]
    assert new_version(clerk, file["id"], 1, "第二稿".encode()).status_code == 201
    third = new_version(clerk, file["id"], 2, "第三稿".encode()).json()
    assert [v["version"] for v in third["versions"]] == [1, 2, 3]
    assert third["name"] == "纪要.txt"

    restored = clerk.post(f"/library/files/{file['id']}/restore", {"version": 1})
    assert restored.status_code == 201, restored.content
    body = restored.json()
    assert body["version"] == 4
    assert body["versions"][-1]["restored_from"] == 1
    assert body["versions"][-1]["by"]["username"] == "clerk"
    assert body["sha256"] == body["versions"][0]["sha256"] != body["versions"][2]["sha256"]
    # The restore stores nothing new: it points at the first version's bytes.
    assert len({v.attachment_id for v in FileVersion.objects.filter(file_id=file["id"])}) == 3

    for version, text in [(1, "第一稿"), (2, "第二稿"), (3, "第三稿"), (4, "第一稿")]:
        got = download(clerk, file["id"], version)
        assert got.status_code == 200
        assert b"".join(got.streaming_content).decode() == text
    assert "%E7%AC%AC2%E7%89%88" in download(clerk, file["id"], 2)["Content-Disposition"]
    assert download(clerk, file["id"], 5).status_code == 404

    events = list(AuditEntry.objects.filter(subject=f"library_file:{file['id']}")
                  .order_by("seq").values_list("event", flat=True))
    assert events == ["library.file_created", "library.version_added",
                      "library.version_added", "library.version_restored"]
    assert AuditEntry.objects.filter(event="library.folder_created").count() == 2
    assert audit.verify_chain()[1] == []


def test_a_stale_save_is_refused_with_409_and_stores_nothing(api: Any) -> None:
    clerk = api("clerk")
    file = add_file(clerk, clerk.get("/library/unit:zfb").json()["id"], "a.txt", b"one")
    assert new_version(clerk, file["id"], 1, b"two").status_code == 201
    stale = new_version(clerk, file["id"], 1, b"three")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert "第 2 版" in stale.json()["error"]["detail"]
    assert clerk.get(f"/library/files/{file['id']}").json()["version"] == 2
    assert FileVersion.objects.filter(file_id=file["id"]).count() == 2
    # A restore made against an old version is refused the same way.
    assert clerk.post(f"/library/files/{file['id']}/restore",
                      {"version": 1, "base_version": 1}).status_code == 409


def test_a_folder_cannot_move_under_itself_or_below_it(api: Any) -> None:
    clerk = api("clerk")
    a = folder(clerk, "unit:zfb", "甲")
    b = folder(clerk, "unit:zfb", "乙", parent=a["id"])
    c = folder(clerk, "unit:zfb", "丙", parent=b["id"])
    for target in (a, c):
        response = clerk.patch(f"/library/folders/{a['id']}", {"parent": target["id"]})
        assert response.status_code == 400, response.content
    moved = clerk.patch(f"/library/folders/{c['id']}", {"parent": a["id"], "name": "丁"})
    assert moved.status_code == 200 and moved.json()["parent"] == a["id"]
    assert moved.json()["name"] == "丁"
    assert AuditEntry.objects.filter(event="library.folder_changed").count() == 1
    other = clerk.get("/library/district").json()
    assert clerk.patch(f"/library/folders/{c['id']}",
                       {"parent": other["id"]}).status_code == 400


def test_names_and_duplicates_are_refused_clearly(api: Any) -> None:
    clerk = api("clerk")
    root = clerk.get("/library/unit:zfb").json()["id"]
    for bad in ("", "a/b", "..", "x" * 201):
        assert clerk.post("/library/folders", {"library": "unit:zfb", "name": bad}
                          ).status_code == 400
    folder(clerk, "unit:zfb", "同名")
    assert clerk.post("/library/folders", {"library": "unit:zfb", "name": "同名"}
                      ).status_code == 409
    add_file(clerk, root, "a.txt", b"x")
    again = clerk.post(f"/library/folders/{root}/files",
                       {"attachment": upload(clerk, "a.txt", b"y")})
    assert again.status_code == 409 and "新版本" in again.json()["error"]["detail"]


def test_an_upload_goes_through_the_attachment_limit_and_must_be_ones_own(
        api: Any, settings: Any) -> None:
    clerk, staff1 = api("clerk"), api("staff1")
    root = clerk.get("/library/unit:zfb").json()["id"]
    file = add_file(clerk, root, "a.txt", b"x")
    settings.HUITONG_MAX_UPLOAD_BYTES = 1000
    assert clerk.upload("big.bin", b"0" * 2000).status_code == 413
    # Someone else's upload is not the caller's to file.
    theirs = upload(staff1, "t.txt", b"t")
    assert clerk.post(f"/library/files/{file['id']}/versions",
                      {"attachment": theirs, "base_version": 1}).status_code == 404
    assert clerk.get(f"/library/files/{file['id']}").json()["version"] == 1


def test_a_file_is_renamed_and_moved_within_its_library(api: Any) -> None:
    clerk = api("clerk")
    a = folder(clerk, "unit:zfb", "甲")
    b = folder(clerk, "unit:zfb", "乙")
    file = add_file(clerk, a["id"], "x.txt", b"x")
    add_file(clerk, b["id"], "y.txt", b"y")
    assert clerk.patch(f"/library/files/{file['id']}", {"folder": b["id"], "name": "y.txt"}
                       ).status_code == 409
    moved = clerk.patch(f"/library/files/{file['id']}", {"folder": b["id"], "name": "z.txt"})
    assert moved.status_code == 200 and moved.json()["folder"] == b["id"]
    assert moved.json()["name"] == "z.txt" and moved.json()["version"] == 1
    district = clerk.get("/library/district").json()["id"]
    assert clerk.patch(f"/library/files/{file['id']}", {"folder": district}).status_code == 400
    assert clerk.patch(f"/library/files/{file['id']}", {"name": "a/b"}).status_code == 400
    assert AuditEntry.objects.filter(event="library.file_changed").count() == 1


def test_a_library_over_its_quota_refuses_new_content_clearly(api: Any, settings: Any) -> None:
    clerk = api("clerk")
    settings.HUITONG_LIBRARY_QUOTA_MB = 1
    root = clerk.get("/library/unit:zfb").json()["id"]
    file = add_file(clerk, root, "a.bin", b"a" * 700_000)
    over = new_version(clerk, file["id"], 1, b"b" * 400_000)
    assert over.status_code == 413 and "配额" in over.json()["error"]["detail"]
    # Content the library holds already costs nothing: the same bytes again, a restore.
    assert new_version(clerk, file["id"], 1, b"a" * 700_000).status_code == 201
    assert clerk.post(f"/library/files/{file['id']}/restore", {"version": 1}).status_code == 201
    assert FileVersion.objects.filter(file_id=file["id"]).count() == 3
    # Another unit's library has its own quota.
    staff2 = api("staff2")
    add_file(staff2, staff2.get("/library/unit:wsj").json()["id"], "b.bin", b"b" * 400_000)
