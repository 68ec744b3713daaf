"""工作移交 of the library: a person deactivated with a successor hands over the rights granted
to them by name, the files shared to them and their check-outs; a check-out the successor may
not use is released instead of staying locked by an account that cannot log in."""

from __future__ import annotations

from typing import Any

import pytest

from hub.library.models import File, FileShare, FolderGrant
from hub.org.models import User
from hub.seals.models import AuditEntry
from tests.conftest import DEMO_PASSWORD, Api
from tests.hub.library.conftest import add_file, folder, new_version

pytestmark = pytest.mark.django_db


def person(api: Any, username: str, name: str, role: str) -> Api:
    made = api("wsjadmin").post("/units/wsj/people", {"username": username, "display_name": name,
                                                      "role": role})
    assert made.status_code == 201, made.content
    user = User.objects.get(username=username)
    user.set_password(DEMO_PASSWORD)
    user.must_change_password = False
    user.save()
    return Api(username)


def put_grants(client: Api, folder_id: int, grants: list[dict[str, str]]) -> Any:
    return client.client.put(f"/api/v1/library/folders/{folder_id}/grants", {"grants": grants},
                             content_type="application/json", headers=client.headers)


def test_grants_shares_and_check_outs_pass_to_the_successor(api: Any) -> None:
    clerk = api("staff2")  # the health bureau's clerk manages its library
    zhao = person(api, "zhaoyi", "赵一", "clerk")
    person(api, "qianer", "钱二", "member")
    root = clerk.get("/library/unit:wsj").json()["id"]
    policy = folder(clerk, "unit:wsj", "政策文件")
    money = folder(clerk, "unit:wsj", "财务")
    assert put_grants(clerk, policy["id"], [{"user": "zhaoyi", "level": "edit"}]).status_code == 200
    assert put_grants(clerk, money["id"], [{"user": "zhaoyi", "level": "manage"},
                                           {"user": "qianer", "level": "view"}]).status_code == 200
    plan = add_file(clerk, policy["id"], "实施方案.txt", b"v1")
    budget = add_file(clerk, money["id"], "预算.txt", b"v1")
    notes = add_file(clerk, root, "会议纪要.txt", b"v1")
    assert clerk.post(f"/library/files/{budget['id']}/share",
                      {"users": ["zhaoyi"]}).status_code in (200, 201)
    # zhaoyi checks out a file under their grant and one they edit as the unit's clerk.
    assert zhao.post(f"/library/files/{plan['id']}/lock").status_code == 200
    assert zhao.post(f"/library/files/{notes['id']}/lock").status_code == 200
    pending = api("wsjadmin").get("/people/zhaoyi").json()["pending"]
    assert {"kind": "library", "label": "文档管理（个人授权、共享给本人的文件、签出的文件）",
            "count": 5} in pending

    response = api("wsjadmin").patch("/people/zhaoyi", {"active": False, "successor": "qianer"})
    assert response.status_code == 200, response.content
    assert response.json()["handover"]["library"] == 5

    # The grants: qianer edits 政策文件 and manages 财务 (the higher of the two grants).
    assert sorted(FolderGrant.objects.filter(user__username="qianer")
                  .values_list("folder_id", "level")) == sorted([(policy["id"], 3),
                                                                 (money["id"], 4)])
    assert not FolderGrant.objects.filter(user__username="zhaoyi").exists()
    assert list(FileShare.objects.filter(file_id=budget["id"]).values_list(
        "user__username", flat=True)) == ["qianer"]
    # The check-out under the grant goes on with qianer, who saves the next version; the
    # one qianer (a member) may not edit is released.
    assert File.objects.get(id=plan["id"]).locked_by.username == "qianer"
    assert File.objects.get(id=notes["id"]).locked_by is None
    saved = new_version(Api("qianer"), plan["id"], 1, b"v2")
    assert saved.status_code == 201, saved.content
    assert new_version(clerk, notes["id"], 1, b"v2").status_code == 201
    entries = list(AuditEntry.objects.filter(event="library.handed_over").values_list(
        "data", flat=True))
    assert sorted(e["what"] for e in entries) == ["grant", "grant", "lock", "lock_released",
                                                  "share"]
    assert all(e["from"] == "zhaoyi" and e["to"] == "qianer" for e in entries)
    # Nothing of the library is left waiting for zhaoyi.
    left = api("wsjadmin").get("/people/zhaoyi").json()
    assert left["active"] is False


def test_nothing_to_hand_over_moves_nothing(api: Any) -> None:
    person(api, "zhaoyi", "赵一", "member")
    person(api, "qianer", "钱二", "member")
    response = api("wsjadmin").patch("/people/zhaoyi", {"active": False, "successor": "qianer"})
    assert response.status_code == 200, response.content
    assert response.json()["handover"]["library"] == 0
    assert not AuditEntry.objects.filter(event="library.handed_over").exists()
