"""Check-out (签出) keeps others' saves out; the recycle bin hides a file everywhere (its
folder, search, a share card's link) until it is restored, and purges it after 30 days;
previews need only the view right."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hub.chat.models import Message
from hub.library import actions
from hub.library.models import File
from hub.org.models import UnitMembership, User
from hub.seals.models import AuditEntry
from tests.hub.library.conftest import add_file, folder, new_version, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(demo: Any) -> User:
    user = User.objects.create_user(username="zfbclerk2", password="demo-pass-1",
                                    display_name="吴十")
    UnitMembership.objects.create(unit=demo["units"]["zfb"], user=user, role="clerk")
    return user


def test_a_checked_out_file_takes_saves_only_from_its_holder(api: Any, colleague: User) -> None:
    clerk, other = api("clerk"), api("zfbclerk2")
    file = add_file(clerk, clerk.get("/library/unit:zfb").json()["id"], "a.txt", b"1")["id"]
    locked = clerk.post(f"/library/files/{file}/lock")
    assert locked.status_code == 200 and locked.json()["locked_by"]["username"] == "clerk"
    assert other.post(f"/library/files/{file}/lock").status_code == 409
    refused = new_version(other, file, 1, b"other")
    assert refused.status_code == 409 and "签出" in refused.json()["error"]["detail"]
    assert other.post(f"/library/files/{file}/restore", {"version": 1}).status_code == 409
    assert other.delete(f"/library/files/{file}").status_code == 409
    assert new_version(clerk, file, 1, b"mine").status_code == 201
    assert clerk.delete(f"/library/files/{file}/lock").json()["locked_by"] is None
    assert new_version(other, file, 2, b"other").status_code == 201
    # A manager may break a check-out; a mere member may not.
    other.post(f"/library/files/{file}/lock")
    assert clerk.delete(f"/library/files/{file}/lock").json()["locked_by"] is None
    events = set(AuditEntry.objects.filter(subject=f"library_file:{file}")
                 .values_list("event", flat=True))
    assert {"library.locked", "library.unlocked"} <= events


def test_the_recycle_bin_hides_a_file_until_it_is_restored(api: Any, drain: Any) -> None:
    clerk, staff3 = api("clerk"), api("staff3")
    sub = folder(clerk, "unit:zfb", "待删")
    file = add_file(clerk, sub["id"], "旧方案.txt", "青苔巷改造旧方案".encode())["id"]
    room = clerk.post("/rooms", {"name": "改造", "kind": "group", "members": ["staff3"]}).json()
    card_id = clerk.post(f"/library/files/{file}/share", {"room": room["id"]}).json()["message"]["id"]
    drain()
    assert clerk.get("/search", q="青苔巷").json()["total"] == 1

    assert clerk.delete(f"/library/files/{file}").status_code == 204
    drain()
    assert clerk.get(f"/library/folders/{sub['id']}").json()["files"] == []
    gone = staff3.get(f"/library/files/{file}")
    assert gone.status_code == 404 and "回收站" in gone.json()["error"]["detail"]
    assert clerk.get("/search", q="青苔巷").json()["total"] == 0
    assert staff3.get("/library").json()["shared"] == []
    assert Message.objects.get(id=card_id).card["state"] == "deleted"
    binned = clerk.get("/library/unit:zfb/bin").json()["files"]
    assert [f["id"] for f in binned] == [file] and binned[0]["purge_at"]
    assert staff3.get("/library/unit:zfb/bin").status_code == 404
    # A new file may take the name meanwhile; the restore then says so.
    other = clerk.post(f"/library/folders/{sub['id']}/files",
                       {"attachment": upload(clerk, "旧方案.txt", b"new")}).json()["id"]
    assert clerk.post(f"/library/files/{file}/undelete").status_code == 409
    clerk.delete(f"/library/files/{other}")
    restored = clerk.post(f"/library/files/{file}/undelete")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    drain()
    assert clerk.get("/search", q="青苔巷").json()["total"] == 1
    assert Message.objects.get(id=card_id).card["state"] == "v1"
    # Nothing is purged before 30 days; then the file goes, its search entry with it.
    clerk.delete(f"/library/files/{file}")
    assert actions.purge_bin(now=timezone.now() + timedelta(days=29)) == 0
    assert actions.purge_bin(now=timezone.now() + timedelta(days=31)) == 2
    assert not File.objects.filter(id__in=[file, other]).exists()
    drain()
    assert clerk.get("/search", q="青苔巷").json()["total"] == 0
    assert AuditEntry.objects.filter(event="library.purged").count() == 2
    # The emptied folder may be removed now; the root never.
    assert clerk.delete(f"/library/folders/{sub['id']}").status_code == 204
    root = clerk.get("/library/unit:zfb").json()["id"]
    assert clerk.delete(f"/library/folders/{root}").status_code == 400


def test_a_folder_with_content_is_not_removed(api: Any) -> None:
    clerk = api("clerk")
    sub = folder(clerk, "unit:zfb", "有内容")
    add_file(clerk, sub["id"], "a.txt", b"x")
    assert clerk.delete(f"/library/folders/{sub['id']}").status_code == 409


def test_view_right_previews_but_does_not_download(api: Any) -> None:
    clerk, staff2 = api("clerk"), api("staff2")
    sub = folder(clerk, "unit:zfb", "公开")
    file = add_file(clerk, sub["id"], "说明.txt", "只读内容".encode())["id"]
    clerk.client.put(f"/api/v1/library/folders/{sub['id']}/grants",
                     {"grants": [{"user": "staff2", "level": "view"}]},
                     content_type="application/json", headers=clerk.headers)
    shown = staff2.get(f"/library/files/{file}/versions/1/preview")
    assert shown.status_code == 200 and shown.json()["kind"] == "text"
    assert shown.json()["text"] == "只读内容"
    assert staff2.get(f"/library/files/{file}/versions/1/download").status_code == 403
    assert staff2.get(f"/library/files/{file}/versions/9/preview").status_code == 404
    assert api("staff3").get(f"/library/files/{file}/versions/1/preview").status_code == 404
