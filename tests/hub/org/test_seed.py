"""`seed_demo` creates the demo organisation docs/protocol.md describes, idempotently, and
unit rooms follow unit membership."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from hub.chat.models import Room, RoomMember
from hub.org import actions
from hub.org.models import Unit, UnitMembership, User
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

UNIT_CODES = {"qwb", "zfb", "wsj", "wtj", "town1", "town2", "town3"}
PEOPLE = {"leader", "clerk"} | {f"staff{i}" for i in range(1, 7)}


def seed(password: str) -> None:
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", password=password, verbosity=0, stdout=quiet)


def room_usernames(room: Room) -> set[str]:
    return set(RoomMember.objects.filter(room=room).values_list("user__username", flat=True))


def unit_usernames(unit: Unit) -> set[str]:
    return set(UnitMembership.objects.filter(unit=unit).values_list("user__username", flat=True))


def snapshot() -> dict[str, Any]:
    """The seeded organisation, as rows that a rerun must leave alone."""
    return {
        "units": sorted(Unit.objects.values_list("code", "name", "parent__code")),
        "users": sorted(User.objects.values_list("username", "display_name", "title")),
        "memberships": sorted(UnitMembership.objects.values_list("unit__code", "user__username",
                                                                 "role")),
        "rooms": sorted(Room.objects.values_list("id", "kind", "name", "member_count")),
        "room_members": sorted(RoomMember.objects.values_list("room_id", "user__username",
                                                              "role")),
    }


def login_status(username: str, password: str) -> int:
    return Client().post("/api/v1/auth/token", {"username": username, "password": password},
                         content_type="application/json").status_code


def test_demo_has_the_protocols_units_and_people(demo: Any) -> None:
    assert UNIT_CODES <= set(demo["units"])
    assert PEOPLE <= set(demo["users"])
    names = {code: demo["units"][code].name for code in ("qwb", "zfb")}
    assert names == {"qwb": "区委办公室", "zfb": "区政府办公室"}
    for username in PEOPLE:
        assert login_status(username, DEMO_PASSWORD) == 200, username


def test_every_unit_has_a_member_with_the_clerk_role(demo: Any) -> None:
    for code in UNIT_CODES:
        clerks = UnitMembership.objects.filter(unit__code=code, role=UnitMembership.Role.CLERK)
        assert clerks.exists(), f"{code} has nobody to sign for its documents"
    assert UnitMembership.objects.filter(unit__code="zfb", user__username="clerk",
                                         role=UnitMembership.Role.CLERK).exists()


def test_each_unit_room_holds_exactly_the_units_members(demo: Any) -> None:
    for code in UNIT_CODES:
        unit = demo["units"][code]
        room = Room.objects.get(unit=unit)
        assert room.kind == Room.Kind.UNIT
        members = room_usernames(room)
        assert members and members == unit_usernames(unit), code
        assert room.member_count == len(members)


def test_general_channel_holds_every_demo_person(demo: Any) -> None:
    general = Room.objects.get(kind=Room.Kind.CHANNEL, name="general")
    assert PEOPLE <= room_usernames(general)
    assert general.member_count == RoomMember.objects.filter(room=general).count()


def test_seeding_twice_changes_nothing(demo: Any) -> None:
    before = snapshot()
    seed(DEMO_PASSWORD)
    assert snapshot() == before
    assert Room.objects.filter(kind=Room.Kind.CHANNEL, name="general").count() == 1


def test_rerun_with_another_password_resets_the_demo_passwords(demo: Any) -> None:
    seed("another-pass-2")
    for username in PEOPLE:
        assert login_status(username, "another-pass-2") == 200, username
    assert login_status("clerk", DEMO_PASSWORD) == 401


def test_rerun_with_the_same_password_keeps_browsers_logged_in(demo: Any) -> None:
    """`make run` run again reseeds: a logged-in browser (the session carries a hash of the
    password's stored hash) must stay logged in, as must the archive account."""
    browsers = {}
    for username in ("clerk", "leader", "archivist"):
        browser = Client()
        browser.force_login(User.objects.get(username=username))
        assert browser.get("/api/v1/me").status_code == 200
        browsers[username] = browser
    stored = dict(User.objects.values_list("username", "password"))
    seed(DEMO_PASSWORD)
    assert dict(User.objects.values_list("username", "password")) == stored
    for username, browser in browsers.items():
        assert browser.get("/api/v1/me").status_code == 200, username
    seed("another-pass-2")
    assert browsers["clerk"].get("/api/v1/me").status_code == 401


def test_seed_refuses_a_too_short_password(db: Any) -> None:
    from django.core.management.base import CommandError

    people = set(User.objects.values_list("username", "password"))
    with pytest.raises(CommandError):
        seed("abc")
    assert set(User.objects.values_list("username", "password")) == people


# --- unit rooms follow membership --------------------------------------------------------------
def test_joining_a_unit_puts_the_person_in_its_room(demo: Any) -> None:
    wsj, staff6 = demo["units"]["wsj"], demo["users"]["staff6"]
    room = Room.objects.get(unit=wsj)
    assert "staff6" not in room_usernames(room)
    actions.set_unit_membership(unit=wsj, user=staff6, role=UnitMembership.Role.STAFF)
    assert "staff6" in room_usernames(room)
    room.refresh_from_db()
    assert room.member_count == len(unit_usernames(wsj))


def test_leaving_a_unit_takes_the_person_out_of_its_room(demo: Any) -> None:
    wsj, staff2 = demo["units"]["wsj"], demo["users"]["staff2"]
    room = Room.objects.get(unit=wsj)
    actions.set_unit_membership(unit=wsj, user=demo["users"]["staff6"],
                                role=UnitMembership.Role.STAFF)
    actions.remove_unit_membership(unit=wsj, user=staff2)
    assert room_usernames(room) == {"staff6", "wsjadmin"}
    room.refresh_from_db()
    assert room.member_count == 2
    # Other rooms of the person are untouched.
    assert "staff2" in room_usernames(Room.objects.get(kind=Room.Kind.CHANNEL, name="general"))


def test_unit_room_role_follows_the_unit_role(demo: Any) -> None:
    """Unit leaders and admins administer the unit's room; losing the role loses that."""
    wsj, staff6 = demo["units"]["wsj"], demo["users"]["staff6"]
    room = Room.objects.get(unit=wsj)

    def role() -> str:
        return RoomMember.objects.get(room=room, user=staff6).role

    actions.set_unit_membership(unit=wsj, user=staff6, role=UnitMembership.Role.STAFF)
    assert role() == RoomMember.Role.MEMBER
    actions.set_unit_membership(unit=wsj, user=staff6, role=UnitMembership.Role.LEADER)
    assert role() == RoomMember.Role.ADMIN
    actions.set_unit_membership(unit=wsj, user=staff6, role=UnitMembership.Role.CLERK)
    assert role() == RoomMember.Role.MEMBER


def test_a_new_unit_gets_a_room_with_its_members(demo: Any) -> None:
    unit = Unit.objects.create(code="jyj", name="区教育局", kind=Unit.Kind.GOVERNMENT)
    actions.set_unit_membership(unit=unit, user=demo["users"]["staff3"],
                                role=UnitMembership.Role.CLERK)
    room = Room.objects.get(unit=unit)
    assert (room.kind, room.name) == (Room.Kind.UNIT, "区教育局")
    assert room_usernames(room) == {"staff3"}
