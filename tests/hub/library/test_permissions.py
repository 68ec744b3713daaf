"""Who sees what: a unit's members view and download its library, its clerks manage it,
nobody else learns it exists; grants open a folder and what lies below it; a share opens
one file to a room's members or to people; the share's card follows the latest version."""

from __future__ import annotations

from typing import Any

import pytest

from hub.chat.models import Message
from hub.org.models import Unit, UnitMembership, User
from tests.hub.library.conftest import add_file, folder, new_version

pytestmark = pytest.mark.django_db


def code(response: Any) -> str | int:
    return response.json()["error"]["code"] if response.status_code >= 400 else response.status_code


@pytest.fixture
def tree(api: Any) -> dict[str, Any]:
    clerk = api("clerk")
    top = folder(clerk, "unit:zfb", "内部")
    sub = folder(clerk, "unit:zfb", "预算", parent=top["id"])
    file = add_file(clerk, sub["id"], "预算说明.txt", "预算草案".encode())
    return {"root": clerk.get("/library/unit:zfb").json(), "top": top, "sub": sub, "file": file}


@pytest.fixture
def zfb_staff(demo: Any) -> User:
    user = User.objects.create_user(username="zfbstaff", password="demo-pass-1",
                                    display_name="周九")
    UnitMembership.objects.create(unit=demo["units"]["zfb"], user=user, role="staff")
    return user


def test_outsiders_get_not_found_for_everything(api: Any, tree: dict[str, Any]) -> None:
    outsider = api("staff2")  # a clerk of wsj
    file = tree["file"]["id"]
    for path in ("/library/unit:zfb", f"/library/folders/{tree['root']['id']}",
                 f"/library/folders/{tree['sub']['id']}", f"/library/files/{file}",
                 f"/library/files/{file}/versions/1/download", "/library/unit:nosuch",
                 "/library/elsewhere", "/library/folders/999999"):
        assert code(outsider.get(path)) == "not_found", path
    for path, body in [(f"/library/files/{file}/versions", {"attachment": 1, "base_version": 1}),
                       (f"/library/files/{file}/restore", {"version": 1}),
                       (f"/library/files/{file}/share", {"users": ["staff2"]}),
                       (f"/library/folders/{tree['sub']['id']}/files", {"attachment": 1}),
                       ("/library/folders", {"library": "unit:zfb", "name": "x"}),
                       ("/library/folders", {"parent": tree["sub"]["id"], "name": "x"})]:
        assert code(outsider.post(path, body)) == "not_found", path
    assert code(outsider.patch(f"/library/folders/{tree['top']['id']}", {"name": "y"})) == "not_found"
    listing = outsider.get("/library").json()
    assert "unit:zfb" not in {lib["library"] for lib in listing["libraries"]}
    assert {lib["library"] for lib in listing["libraries"]} == {"district", "unit:wsj"}
    assert listing["shared"] == [] and listing["folders"] == []


def test_members_view_and_download_clerks_manage(api: Any, tree: dict[str, Any],
                                                 zfb_staff: User) -> None:
    member = api("zfbstaff")
    file = tree["file"]["id"]
    got = member.get(f"/library/files/{file}")
    assert got.status_code == 200 and got.json()["level"] == "download"
    assert got.json()["shares"] is None
    assert member.get(f"/library/files/{file}/versions/1/download").status_code == 200
    assert member.get(f"/library/folders/{tree['top']['id']}").json()["grants"] is None
    assert code(new_version(member, file, 1, b"x")) == "forbidden"
    assert code(member.post("/library/folders", {"library": "unit:zfb", "name": "x"})) == "forbidden"
    assert code(member.patch(f"/library/folders/{tree['top']['id']}", {"name": "改名"})
                ) == "forbidden"
    # The leader of the unit views and downloads too, and does not manage.
    leader = api("leader")
    assert leader.get(f"/library/files/{file}").json()["level"] == "download"


def put_grants(client: Any, folder_id: int, grants: list[dict[str, Any]]) -> Any:
    return client.client.put(f"/api/v1/library/folders/{folder_id}/grants", {"grants": grants},
                             content_type="application/json", headers=client.headers)


def test_grants_open_a_folder_and_what_lies_below(api: Any, tree: dict[str, Any],
                                                  zfb_staff: User) -> None:
    clerk, outsider = api("clerk"), api("staff2")
    file = tree["file"]["id"]
    assert code(put_grants(api("zfbstaff"), tree["top"]["id"], [])) == "forbidden"
    response = put_grants(clerk, tree["top"]["id"], [{"user": "staff2", "level": "view"}])
    assert response.status_code == 200, response.content
    assert response.json()["grants"][0]["user"]["username"] == "staff2"
    # staff2 now views the granted folder and below, but not the root, and may not download.
    assert outsider.get(f"/library/folders/{tree['sub']['id']}").status_code == 200
    assert outsider.get(f"/library/files/{file}").json()["level"] == "view"
    assert code(outsider.get(f"/library/files/{file}/versions/1/download")) == "forbidden"
    assert code(outsider.get("/library/unit:zfb")) == "not_found"
    assert [f["id"] for f in outsider.get("/library").json()["folders"]] == [tree["top"]["id"]]
    # A grant to a unit's holders of one role: wsj's clerks edit.
    put_grants(clerk, tree["sub"]["id"], [{"unit": "wsj", "role": "clerk", "level": "edit"}])
    assert new_version(outsider, file, 1, b"wsj").status_code == 201
    # Replaced by nothing: access is gone at once.
    put_grants(clerk, tree["top"]["id"], [])
    put_grants(clerk, tree["sub"]["id"], [])
    assert code(outsider.get(f"/library/files/{file}")) == "not_found"
    assert put_grants(clerk, tree["top"]["id"], [{"unit": "nosuch", "level": "view"}]
                      ).status_code == 400
    assert put_grants(clerk, tree["top"]["id"], [{"unit": "wsj", "user": "staff2",
                                                  "level": "view"}]).status_code == 400


def test_a_share_to_a_room_opens_the_file_to_its_members_with_a_card(
        api: Any, demo: Any, tree: dict[str, Any]) -> None:
    clerk, staff3, staff2 = api("clerk"), api("staff3"), api("staff2")
    room = clerk.post("/rooms", {"name": "预算协调", "kind": "group",
                                 "members": ["staff3"]}).json()
    file = tree["file"]["id"]
    assert code(staff3.get(f"/library/files/{file}")) == "not_found"
    # Only someone who may manage the file shares it, and only into their own rooms.
    assert code(api("leader").post(f"/library/files/{file}/share",
                                   {"room": room["id"]})) == "forbidden"
    assert code(clerk.post(f"/library/files/{file}/share",
                           {"room": demo["rooms"]["wsj"].id})) == "not_found"
    shared = clerk.post(f"/library/files/{file}/share", {"room": room["id"]})
    assert shared.status_code == 201, shared.content
    card = shared.json()["message"]["card"]
    assert card["card_type"] == "library_file" and card["ref"] == file
    assert card["state"] == "v1"
    assert staff3.get(f"/library/files/{file}").json()["level"] == "download"
    assert staff3.get(f"/library/files/{file}/versions/1/download").status_code == 200
    assert [s["id"] for s in staff3.get("/library").json()["shared"]] == [file]
    # The clerk, in the room too, finds it in their own library, not among the shared.
    assert clerk.get("/library").json()["shared"] == []
    # ...and nothing else of the library.
    assert code(staff3.get(f"/library/folders/{tree['sub']['id']}")) == "not_found"
    assert code(staff2.get(f"/library/files/{file}")) == "not_found"
    # The card follows the latest version.
    assert new_version(clerk, file, 1, b"v2").status_code == 201
    message = Message.objects.get(id=shared.json()["message"]["id"])
    assert message.card["state"] == "v2" and message.card["version"] == 2
    # Shares to people.
    assert clerk.post(f"/library/files/{file}/share", {"users": ["staff2"]}).status_code == 201
    assert staff2.get(f"/library/files/{file}").status_code == 200
    listed = clerk.get(f"/library/files/{file}").json()["shares"]
    assert [bool(s["room"]) for s in listed] == [True, False]


def test_the_district_library_is_everyones_to_read(api: Any, demo: Any) -> None:
    clerk, staff2 = api("clerk"), api("staff2")
    root = clerk.get("/library/district").json()
    assert root["level"] == "manage"
    file = add_file(clerk, root["id"], "全区通讯录.txt", b"x")
    assert staff2.get(f"/library/files/{file['id']}").json()["level"] == "download"
    assert code(staff2.post("/library/folders", {"library": "district", "name": "x"})) == "forbidden"
    loner = User.objects.create_user(username="loner", password="demo-pass-1")
    assert loner.id and not Unit.objects.filter(memberships__user=loner).exists()
    assert code(api("loner").get(f"/library/files/{file['id']}")) == "not_found"


def test_a_file_requiring_reading_keeps_who_read_which_version(
        api: Any, tree: dict[str, Any], zfb_staff: User) -> None:
    clerk, member = api("clerk"), api("zfbstaff")
    file = tree["file"]["id"]
    member.post(f"/library/files/{file}/read")
    assert clerk.get(f"/library/files/{file}").json()["readers"] is None
    assert code(member.patch(f"/library/files/{file}", {"read_required": True})) == "forbidden"
    assert clerk.patch(f"/library/files/{file}", {"read_required": True}).status_code == 200
    for _ in range(2):
        assert member.post(f"/library/files/{file}/read").status_code == 200
    readers = clerk.get(f"/library/files/{file}").json()["readers"]
    assert [(r["user"]["username"], r["version"]) for r in readers] == [("zfbstaff", 1)]
    assert member.get(f"/library/files/{file}").json()["readers"] is None
    assert code(api("staff2").post(f"/library/files/{file}/read")) == "not_found"
