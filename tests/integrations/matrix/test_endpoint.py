"""POST/GET/DELETE /rooms/{id}/bridge as docs/protocol.md says: who may, which rooms, which
Matrix rooms (invited, not encrypted, on an allowed server), and the alias made when missing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hub.chat import actions
from hub.chat.models import Room, RoomMember
from hub.org.actions import issue_token
from integrations.matrix.config import load
from tests.integrations.matrix.conftest import Home, make_org
from tests.integrations.matrix.synapse import MatrixError

pytestmark = pytest.mark.django_db


class Caller:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {issue_token(user=user)}"}

    def post(self, room: int, body: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1/rooms/{room}/bridge", body,
                                content_type="application/json", headers=self.headers)

    def delete(self, room: int) -> Any:
        return self.client.delete(f"/api/v1/rooms/{room}/bridge", headers=self.headers)

    def get(self, room: int) -> Any:
        return self.client.get(f"/api/v1/rooms/{room}/bridge", headers=self.headers)


@pytest.fixture
def org(matrix_settings: Home) -> dict[str, Any]:
    return make_org()


def invited_room(home: Home, **extra: Any) -> str:
    alice = home.person("alice")
    room = alice.create_room(**extra)
    alice.invite(room, load().bot_mxid)
    return room


def test_only_admins_of_groups_and_channels_may_bridge(org: dict[str, Any],
                                                       matrix_settings: Home) -> None:
    zhang = Caller(org["zhang"])
    target = {"matrix_room": "#anything:matrix.test"}
    unit_room = Room.objects.get(unit=org["unit"])
    assert zhang.post(unit_room.id, target).status_code == 403
    direct, _ = actions.create_room(creator=org["zhang"], name="", kind="direct", members=["li"])
    assert zhang.post(direct["id"], target).status_code == 403
    bot_room = Room.objects.create(kind=Room.Kind.BOT, name="助手")
    RoomMember.objects.create(room=bot_room, user=org["zhang"], role=RoomMember.Role.ADMIN)
    assert zhang.post(bot_room.id, target).status_code == 403
    assert Caller(org["li"]).post(org["room"].id, target).status_code == 403
    assert Caller(org["wang"]).post(org["room"].id, target).status_code == 404
    assert zhang.post(org["room"].id, {"matrix_room": "联络群"}).status_code == 400


def test_rooms_on_servers_outside_the_allow_list_are_refused(org: dict[str, Any],
                                                             matrix_settings: Home,
                                                             settings: Any) -> None:
    zhang = Caller(org["zhang"])
    answer = zhang.post(org["room"].id, {"matrix_room": "#ops:elsewhere.example"})
    assert answer.status_code == 403 and "允许名单" in answer.json()["error"]["detail"]
    room = invited_room(matrix_settings)
    settings.HUITONG_MATRIX_ALLOWED_SERVERS = ["partner.example"]
    answer = zhang.post(org["room"].id, {"matrix_room": room})
    assert answer.status_code == 403  # the room was made on matrix.test, not allowed now


def test_encrypted_and_uninvited_rooms_are_refused(org: dict[str, Any],
                                                   matrix_settings: Home) -> None:
    zhang = Caller(org["zhang"])
    encrypted = invited_room(matrix_settings, initial_state=[{
        "type": "m.room.encryption", "state_key": "",
        "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
    answer = zhang.post(org["room"].id, {"matrix_room": encrypted})
    assert answer.status_code == 400 and "加密" in answer.json()["error"]["detail"]
    assert load().bot_mxid not in matrix_settings.person("alice").members(encrypted)
    uninvited = matrix_settings.person("alice").create_room(preset="private_chat")
    answer = zhang.post(org["room"].id, {"matrix_room": uninvited})
    assert answer.status_code == 400 and "邀请" in answer.json()["error"]["detail"]


def test_bridge_by_room_id_and_alias_then_end_it(org: dict[str, Any],
                                                 matrix_settings: Home) -> None:
    zhang = Caller(org["zhang"])
    alice = matrix_settings.person("alice")
    room = invited_room(matrix_settings)
    answer = zhang.post(org["room"].id, {"matrix_room": room})
    assert answer.status_code == 200, answer.content
    assert answer.json()["room"] == org["room"].id
    assert answer.json()["matrix_room_id"] == room and answer.json()["active"] is True
    assert zhang.get(org["room"].id).json()["active"] is True
    # Alice (in the Matrix room) is now a member of the Huitong room, as an outsider.
    members = {m.user.username: m.user for m in RoomMember.objects.filter(room=org["room"])
               .select_related("user")}
    outsiders = [u for u in members.values() if u.is_external]
    assert [u.matrix.mxid for u in outsiders] == [alice.user_id]
    # Another room of the same Huitong room: 409 until this bridge ends.
    other = invited_room(matrix_settings)
    assert zhang.post(org["room"].id, {"matrix_room": other}).status_code == 409
    ended = zhang.delete(org["room"].id)
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert not RoomMember.objects.filter(room=org["room"], user__is_external=True).exists()

    alias = f"#huitong-{org['room'].id}-{id(org) % 10000}:matrix.test"
    answer = zhang.post(org["room"].id, {"matrix_room": alias})
    assert answer.status_code == 200, answer.content
    resolved = alice.call("GET", f"/directory/room/{alias.replace('#', '%23')}")
    assert resolved["room_id"] == answer.json()["matrix_room_id"]
    with pytest.raises(MatrixError):
        alice.call("GET", "/directory/room/%23no-such-alias:matrix.test")


def test_without_a_homeserver_bridging_is_refused(org: dict[str, Any], settings: Any) -> None:
    settings.HUITONG_MATRIX_HOMESERVER = ""
    answer = Caller(org["zhang"]).post(org["room"].id, {"matrix_room": "#a:matrix.test"})
    assert answer.status_code == 400
