"""People on Matrix (`is_external`): no login, in bridged rooms only, never recipients."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bots.meetings.services import find_person, in_organisation
from hub.chat import actions
from hub.chat.serializers import user_summary
from hub.lib.errors import ApiError
from integrations.matrix.store import external_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(demo: dict[str, Any]) -> Any:
    return external_user("@alice:matrix.test", "Alice")


def test_an_external_person_cannot_log_in(outsider: Any) -> None:
    assert outsider.is_external and not outsider.has_usable_password()
    answer = Client().post("/api/v1/auth/token", {"username": outsider.username, "password": "anything-at-all"},
                           content_type="application/json")
    assert answer.status_code == 401
    assert user_summary(outsider)["is_external"] is True


def test_external_people_are_no_recipients(api: Any, outsider: Any) -> None:
    assert find_person(outsider.username) is None
    assert find_person("Alice") is None
    assert not in_organisation(outsider)
    answer = api("staff1").post("/approvals", {"title": "请假", "steps": [[outsider.username]]})
    assert answer.status_code == 400 and outsider.username in answer.json()["error"]["detail"]
    answer = api("clerk").post("/meetings", {
        "title": "例会", "start": "2030-01-07T09:00:00+08:00", "end": "2030-01-07T10:00:00+08:00",
        "location": "三楼", "invitees": [outsider.username]})
    assert answer.status_code == 400


def test_external_people_join_no_room_but_by_the_bridge(api: Any, demo: dict[str, Any],
                                                        outsider: Any) -> None:
    with pytest.raises(ApiError):
        actions.users_by_username([outsider.username])
    answer = api("staff1").post("/rooms", {"name": "", "kind": "direct",
                                           "members": [outsider.username]})
    assert answer.status_code == 400
    general = demo["rooms"]["general"]
    answer = api("staff1").post(f"/rooms/{general.id}/members", {"members": [outsider.username]})
    assert answer.status_code == 400
