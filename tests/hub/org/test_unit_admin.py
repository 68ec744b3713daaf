"""部门管理员: wsjadmin manages the health bureau's people and nobody else's; roles, the last
clerk and admin, password resets shown once and changed at first login, deactivation with
工作移交, the unit's audit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, Api

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Weisheng-ju-2026"


def add(api: Any, unit: str = "wsj", **fields: Any) -> Any:
    body = {"username": "zhaoyi", "display_name": "赵一", "title": "科员", "role": "member",
            **fields}
    return api("wsjadmin").post(f"/units/{unit}/people", body)


def test_a_unit_admin_adds_a_person_who_must_set_a_password_first(api: Any) -> None:
    response = add(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == "zhaoyi"
    assert [(u["code"], u["role"]) for u in body["user"]["units"]] == [("wsj", "member")]
    initial = body["initial_password"]
    person = Api.__new__(Api)
    from django.test import Client

    person.client = Client()
    token = person.client.post("/api/v1/auth/token", {"username": "zhaoyi", "password": initial},
                               content_type="application/json")
    assert token.status_code == 200
    assert token.json()["user"]["must_change_password"] is True
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    # Nothing but the password change (and /me) until then.
    refused = person.client.get("/api/v1/rooms", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "password_change_required"
    assert person.client.get("/api/v1/me", headers=headers).status_code == 200
    changed = person.client.post("/api/v1/people/zhaoyi/password",
                                 {"old_password": initial, "password": NEW_PASSWORD},
                                 content_type="application/json", headers=headers)
    assert changed.status_code == 200, changed.content
    assert changed.json()["user"]["must_change_password"] is False
    assert person.client.get("/api/v1/rooms", headers=headers).status_code == 200
    # The unit room has them.
    rooms = person.client.get("/api/v1/rooms", headers=headers).json()
    assert any(r["kind"] == "unit" for r in rooms)


def test_a_unit_admin_is_refused_on_another_unit(api: Any) -> None:
    admin = api("wsjadmin")
    refused = add(api, unit="wtj")
    assert refused.status_code == 403
    assert "单位管理员" in refused.json()["error"]["detail"]
    assert admin.get("/units/wtj/people").status_code == 403
    # Another unit's people: not to edit, reset, deactivate or end sessions.
    for call in (lambda: admin.patch("/people/staff3", {"title": "改"}),
                 lambda: admin.patch("/people/staff3", {"active": False}),
                 lambda: admin.post("/people/staff3/password", {}),
                 lambda: admin.post("/people/staff3/sessions/end", {}),
                 lambda: admin.get("/units/wtj/audit")):
        response = call()
        assert response.status_code == 403, response.content
    # Nor move their own people into a unit they do not manage.
    add(api)
    moved = admin.patch("/people/zhaoyi", {"units": [{"code": "wtj", "role": "member"}]})
    assert moved.status_code == 403
    # An unknown unit or person is not found.
    assert admin.get("/units/nope/people").status_code == 404
    assert admin.patch("/people/nobody", {"title": "x"}).status_code == 404
    # Ordinary members see no unit's people list.
    assert api("staff6").get("/units/wsj/people").status_code == 403
    from hub.org.models import User

    assert User.objects.get(username="staff3").title == "综合科科长"


def test_granting_admin_needs_the_district_permission(api: Any, demo: Any) -> None:
    assert add(api, role="admin").status_code == 403
    assert add(api).status_code == 201
    assert api("wsjadmin").patch("/people/zhaoyi", {"units": [{"code": "wsj", "role": "admin"}]}
                                 ).status_code == 403
    # The superuser may.
    assert api("admin").patch("/people/zhaoyi", {"units": [{"code": "wsj", "role": "admin"}]}
                              ).status_code == 200


def test_a_unit_never_loses_its_last_clerk_or_admin(api: Any) -> None:
    admin = api("wsjadmin")
    response = admin.patch("/people/staff2", {"units": [{"code": "wsj", "role": "member"}]})
    assert response.status_code == 409
    assert "收发员" in response.json()["error"]["detail"]
    assert admin.patch("/people/staff2", {"active": False}).status_code == 409
    # With a second clerk it works.
    add(api, role="clerk")
    assert admin.patch("/people/staff2", {"units": [{"code": "wsj", "role": "member"}]}
                       ).status_code == 200
    # The admin may not remove themselves as the unit's last admin, nor deactivate themselves.
    assert admin.patch("/people/wsjadmin", {"units": [{"code": "wsj", "role": "member"}]}
                       ).status_code == 409


def test_edit_reset_and_list_with_audit(api: Any) -> None:
    admin = api("wsjadmin")
    add(api)
    assert admin.patch("/people/zhaoyi", {"display_name": "赵一鸣", "title": "副科长"}
                       ).status_code == 200
    reset = admin.post("/people/zhaoyi/password", {})
    assert reset.status_code == 200
    assert len(reset.json()["initial_password"]) >= 10
    weak = admin.post("/people/zhaoyi/password", {"password": "12345678"})
    assert weak.status_code == 400
    people = admin.get("/units/wsj/people").json()["people"]
    row = next(p for p in people if p["username"] == "zhaoyi")
    assert row["display_name"] == "赵一鸣" and row["title"] == "副科长"
    assert row["must_change_password"] is True
    assert {p["username"] for p in people} >= {"staff2", "wsjadmin", "zhaoyi"}
    events = [e["event"] for e in admin.get("/units/wsj/audit").json()]
    assert events[:3] == ["org.password_reset", "org.person_retitled", "org.person_renamed"]
    assert "org.person_added" in events
    # The unit's leaders read the list too, not the audit.
    assert api("wsjadmin").get("/units/wsj/people").status_code == 200


def test_deactivation_hands_pending_approvals_to_the_successor(api: Any) -> None:
    admin = api("wsjadmin")
    add(api)
    add(api, username="qianer", display_name="钱二")
    # zhaoyi sets a password, then an approval waits on them.
    from hub.org.models import User

    zhaoyi = User.objects.get(username="zhaoyi")
    zhaoyi.set_password(DEMO_PASSWORD)
    zhaoyi.must_change_password = False
    zhaoyi.save()
    qianer = User.objects.get(username="qianer")
    qianer.set_password(DEMO_PASSWORD)
    qianer.must_change_password = False
    qianer.save()
    created = api("staff2").post("/approvals", {"title": "采购申请", "body": "请审批",
                                                "steps": [["zhaoyi"]]})
    assert created.status_code == 201, created.content
    seen = admin.get("/people/zhaoyi").json()["pending"]
    assert {"kind": "approval", "label": "待审批", "count": 1} in seen
    zhaoyi_api = Api("zhaoyi")
    response = admin.patch("/people/zhaoyi", {"active": False, "successor": "qianer"})
    assert response.status_code == 200, response.content
    assert response.json()["handover"] == {"approval": 1, "document": 0, "library": 0}
    assert response.json()["active"] is False
    # Their token is dead; the successor has the approval in their to-do list.
    assert zhaoyi_api.get("/me").status_code == 401
    todo = Api("qianer").get("/todo").json()
    assert [i["kind"] for i in todo["items"]] == ["approval"]
    # Logging in again fails.
    from django.test import Client

    again = Client().post("/api/v1/auth/token", {"username": "zhaoyi", "password": DEMO_PASSWORD},
                          content_type="application/json")
    assert again.status_code == 401
    # The successor must be someone the admin manages.
    add(api, username="sunsan", display_name="孙三")
    far = admin.patch("/people/sunsan", {"active": False, "successor": "staff3"})
    assert far.status_code == 403
    # Reactivation brings the account back.
    assert admin.patch("/people/zhaoyi", {"active": True}).status_code == 200
