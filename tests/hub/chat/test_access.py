"""A user learns nothing about rooms, messages or files outside what they may see: for every
endpoint that takes a room, message or attachment id, a non-member is answered 404
`not_found` with exactly the body an id that does not exist gets (docs/protocol.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.chat.models import Attachment, Message, Reaction, Room, RoomMember
from tests.conftest import Api, module_transaction

pytestmark = pytest.mark.django_db

# (method, route in hub/urls.py, JSON body). Each route with an id appears once per method it
# serves; test_table_covers_every_route_with_an_id makes a new endpoint join the table.
TABLE: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "rooms/<int:room_id>", None),
    ("GET", "rooms/<int:room_id>/messages", None),
    ("POST", "rooms/<int:room_id>/messages", {"body": "探测", "client_id": "probe"}),
    ("POST", "rooms/<int:room_id>/read", {"seq": 1}),
    ("GET", "rooms/<int:room_id>/members", None),
    ("POST", "rooms/<int:room_id>/members", {"members": ["staff3"]}),
    ("POST", "rooms/<int:room_id>/leave", None),
    ("POST", "rooms/<int:room_id>/join", None),
    ("POST", "rooms/<int:room_id>/mute", {"muted": True}),
    ("GET", "rooms/<int:room_id>/pins", None),
    ("POST", "rooms/<int:room_id>/pins", {"message": "<message>"}),
    ("DELETE", "rooms/<int:room_id>/pins/<int:message_id>", None),
    ("POST", "rooms/<int:room_id>/settings", {"announce_only": True}),
    ("GET", "rooms/<int:room_id>/topics", None),
    ("POST", "rooms/<int:room_id>/topics/rename", {"name": "内部话题", "to": "改名"}),
    ("POST", "rooms/<int:room_id>/topics/move", {"name": "内部话题", "room": "<general>"}),
    ("POST", "rooms/<int:room_id>/topics/follow", {"name": "内部话题", "state": "follow"}),
    ("GET", "messages/<int:message_id>", None),
    ("PATCH", "messages/<int:message_id>", {"body": "篡改"}),
    ("DELETE", "messages/<int:message_id>", None),
    ("GET", "messages/<int:message_id>/readers", None),
    ("POST", "messages/<int:message_id>/reactions", {"emoji": "👍"}),
    ("DELETE", "messages/<int:message_id>/reactions", {"emoji": "👍"}),
    ("POST", "messages/<int:message_id>/actions", {"action": "sign"}),
    ("POST", "messages/<int:message_id>/forward", {"room": "<general>"}),
    ("POST", "messages/<int:message_id>/remind", None),
    ("GET", "messages/<int:message_id>/thread", None),
    ("GET", "attachments/<int:attachment_id>", None),
    ("GET", "attachments/<int:attachment_id>/preview", None),
    ("GET", "attachments/<int:attachment_id>/<path:name>", None),
    # The documents bot's endpoints (bots/documents): a document is seen by its issuing and
    # recipient units only.
    ("GET", "documents/<int:document_id>", None),
    ("PATCH", "documents/<int:document_id>", {"title": "篡改"}),
    ("GET", "documents/<int:document_id>/verify", None),
    ("GET", "documents/<int:document_id>/pdf", None),
    ("POST", "documents/<int:document_id>/remind", None),
    ("POST", "documents/<int:document_id>/decide", {"action": "approve"}),
    ("POST", "documents/<int:document_id>/resubmit", None),
    ("POST", "documents/<int:document_id>/issue", None),
    ("POST", "documents/<int:document_id>/resend", {"units": ["town1"], "comment": "更正"}),
    # The meetings bot (bots/meetings): a meeting is seen by its organising unit, the units
    # and people invited, delegates and named attendees.
    ("GET", "meetings/<int:meeting_id>", None),
    ("PATCH", "meetings/<int:meeting_id>", {"location": "探测"}),
    ("POST", "meetings/<int:meeting_id>/cancel", {"reason": "探测"}),
    ("POST", "meetings/<int:meeting_id>/remind", None),
    ("POST", "meetings/<int:meeting_id>/rsvp", {"action": "attend"}),
    ("GET", "meetings/<int:meeting_id>/roster", None),
    ("GET", "meetings/<int:meeting_id>/roster.csv", None),
    ("GET", "meetings/<int:meeting_id>/calendar.ics", None),
    # The approvals bot (bots/approvals): a request is seen by its requester, its approvers,
    # their deputies and the members of the room where it was asked; a delegation by its
    # principal and deputy.
    ("GET", "approvals/<int:approval_id>", None),
    ("POST", "approvals/<int:approval_id>/decide", {"action": "approve"}),
    ("POST", "approvals/<int:approval_id>/resubmit", None),
    ("GET", "approvals/<int:approval_id>/verify", None),
    ("DELETE", "approvals/delegations/<int:delegation_id>", None),
    # The notices bot (bots/notices): a notice is seen by its recipients, its sender and the
    # sending unit's clerks, leaders and admins.
    ("GET", "notices/<int:notice_id>", None),
    ("POST", "notices/<int:notice_id>/ack", {}),
    ("POST", "notices/<int:notice_id>/remind", None),
    # The bulletins (bots/bulletins): a call is seen by the editors and the units asked; an
    # item by its submitter, its unit's managers, the editors, its issue's signer and, once
    # published, the units the issue went to; an issue by the editors, the signer, the
    # publishing unit's managers and, once published, its units.
    ("GET", "bulletins/calls/<int:call_id>", None),
    ("GET", "bulletins/items/<int:item_id>", None),
    ("POST", "bulletins/items/<int:item_id>/decide", {"action": "decline", "comment": "探测"}),
    ("POST", "bulletins/items/<int:item_id>/instructions",
     {"comment": "探测", "units": ["qwb"], "deadline": "2099-01-01"}),
    ("GET", "bulletins/items/<int:item_id>/files/<int:index>", None),
    ("GET", "bulletins/issues/<int:issue_id>", None),
    ("POST", "bulletins/issues/<int:issue_id>/decide", {"action": "sign_off"}),
    ("POST", "bulletins/issues/<int:issue_id>/resubmit", {}),
    ("POST", "bulletins/issues/<int:issue_id>/publish", None),
    ("POST", "bulletins/issues/<int:issue_id>/read", None),
    ("POST", "bulletins/issues/<int:issue_id>/remind", None),
    ("GET", "bulletins/issues/<int:issue_id>/pdf", None),
    ("GET", "bulletins/issues/<int:issue_id>/verify", None),
    # The discussions (bots/discussions): a discussion is seen by its owner, the owning
    # unit's clerks, leaders and admins, and the members of the units asked.
    ("GET", "discussions/<int:discussion_id>", None),
    ("POST", "discussions/<int:discussion_id>/replies", {"body": "探测"}),
    ("POST", "discussions/<int:discussion_id>/close", {"conclusion": "探测"}),
    ("POST", "discussions/<int:discussion_id>/remind", None),
    # The archive (archive): an approval's entry is seen by its requester, approvers
    # and the unit's clerks, leaders and admins.
    ("GET", "archive/<int:entry_id>", None),
    ("GET", "archive/<int:entry_id>/files/<int:index>", None),
    # The Matrix bridge (integrations/matrix): a room's bridge is its members' business.
    ("GET", "rooms/<int:room_id>/bridge", None),
    ("POST", "rooms/<int:room_id>/bridge", {"matrix_room": "#probe:matrix.test"}),
    ("DELETE", "rooms/<int:room_id>/bridge", None),
]

OUTSIDER, MEMBER = "staff3", "staff1"


def routes_with_an_id() -> set[tuple[str, str]]:
    from hub.urls import api

    found = set()
    for pattern in api:
        route = str(pattern.pattern)
        # 督办 tasks and the library answer outsiders 404 in their own tests
        # (tests/bots/tasks, tests/hub/library).
        if route.startswith(("tasks/", "library/")):
            continue
        if re.search(r"<int:\w+_id>", route):
            for method in pattern.callback.allowed_methods:
                found.add((method, route))
    return found


def test_table_covers_every_route_with_an_id() -> None:
    """A new endpoint that takes an id must be added to TABLE (and so be checked)."""
    table = {(method, route) for method, route, _ in TABLE}
    assert len(table) == len(TABLE), "a route and method appear twice in TABLE"
    assert routes_with_an_id() == table


@pytest.fixture(scope="module")
def hidden_once(django_db_setup: Any, django_db_blocker: Any,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The hidden objects, made once for the module (each test's changes are rolled back)."""
    from django.test import override_settings

    media = tmp_path_factory.mktemp("access-media")
    with module_transaction(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        with django_db_blocker.unblock(), override_settings(
                MEDIA_ROOT=media,
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            clients: dict[str, Api] = {}

            def api(username: str) -> Api:
                if username not in clients:
                    clients[username] = Api(username)
                return clients[username]

            made = make_hidden(api, patch)
        yield {"objects": made, "media": media}


@pytest.fixture
def hidden(hidden_once: dict[str, Any], demo: Any, settings: Any,
           monkeypatch: Any) -> dict[str, Any]:
    """A group of clerk and staff1 with a message carrying a file; staff3 is not in it."""
    settings.MEDIA_ROOT = hidden_once["media"]
    # Laying out the bulletin's PDF (tested in tests/bots/bulletins) is not what is probed here.
    monkeypatch.setattr("bots.bulletins.pdf.render", lambda *args, **kwargs: b"%PDF-1.4\n")
    return hidden_once["objects"]


def make_hidden(api: Callable[[str], Api], monkeypatch: Any) -> dict[str, Any]:
    room = api("clerk").post("/rooms", {"name": "内部专班", "kind": "group",
                                        "members": [MEMBER]}).json()
    attachment = api("clerk").upload("内部名单.docx", b"confidential").json()
    message = api("clerk").send(room["id"], "内部消息", attachments=[attachment["id"]],
                                topic="内部话题").json()
    from django.utils import timezone

    document = api("clerk").post("/documents", {
        "doc_type": "函", "number": f"区府办〔{timezone.localtime().year}〕1号",
        "title": "关于商请协助的函", "recipients": ["qwb"]}).json()  # qwb: staff1's unit
    from datetime import timedelta

    start = timezone.localtime() + timedelta(days=7)
    meeting = api("clerk").post("/meetings", {
        "title": "专题协调会", "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(), "invitees": ["qwb"]}).json()
    approval = api("clerk").post("/approvals", {"title": "用车申请", "steps": [[MEMBER]]}).json()
    delegation = api(MEMBER).post("/approvals/delegations", {
        "deputy": "clerk", "end": (start + timedelta(days=1)).isoformat()}).json()
    budget = api("clerk").upload("预算表.txt", b"budget").json()
    settled = api("clerk").post("/approvals", {"title": "已批的申请", "steps": [[MEMBER]],
                                               "attachments": [budget["id"]]}).json()
    api(MEMBER).post(f"/approvals/{settled['id']}/decide", {"action": "approve"})
    from archive.filing import file_pending
    from archive.models import ArchiveEntry

    file_pending()
    entry = ArchiveEntry.objects.get(object_type="approval", object_id=settled["id"])
    notice = api("clerk").post("/notices", {"title": "值班安排", "audience": ["qwb"]}).json()
    call = api("clerk").post("/bulletins/zwxx/calls", {
        "title": "约稿", "units": ["qwb"], "deadline": (start + timedelta(days=1)).isoformat()}
    ).json()
    # Laying out the bulletin's PDF (tested in tests/bots/bulletins) is not what is probed here.
    monkeypatch.setattr("bots.bulletins.pdf.render", lambda *args, **kwargs: b"%PDF-1.4\n")
    picture = api(MEMBER).upload("现场.png", b"picture").json()
    item = api(MEMBER).post("/bulletins/zwxx/items", {
        "title": "区委办信息", "body": "正文", "call": call["id"],
        "attachments": [picture["id"]]}).json()
    api("clerk").post(f"/bulletins/items/{item['id']}/decide", {"action": "adopt"})
    issue = api("clerk").post("/bulletins/zwxx/issues", {
        "items": [item["id"]], "signer": "leader", "audience": ["qwb"]}).json()
    api("leader").post(f"/bulletins/issues/{issue['id']}/decide", {"action": "sign_off"})
    assert api("clerk").post(f"/bulletins/issues/{issue['id']}/publish").status_code == 200
    discussion = api("clerk").post("/discussions", {
        "title": "征求意见", "question": "探测", "units": ["qwb"],
        "deadline": (start + timedelta(days=1)).isoformat()}).json()
    return {"room": room, "message": message, "attachment": attachment, "document": document,
            "discussion": discussion,
            "meeting": meeting, "approval": approval, "delegation": delegation,
            "entry": {"id": entry.id}, "notice": notice, "call": call, "item": item,
            "issue": issue}


def state(room_id: int) -> tuple[Any, ...]:
    """Everything a probe could change about the hidden room."""
    return (
        list(Room.objects.filter(id=room_id).values_list("last_seq", "member_count")),
        sorted(RoomMember.objects.filter(room_id=room_id)
               .values_list("user__username", "role", "last_read_seq")),
        list(Message.objects.filter(room_id=room_id).values_list("body", "deleted", "edited_at")),
        Reaction.objects.filter(message__room_id=room_id).count(),
    )


def unused_id(model: type[Any]) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000


def url_for(route: str, hidden: dict[str, Any], target: int) -> str:
    # A second id in the route (a pin's message) is the hidden room's message.
    route = route.replace("pins/<int:message_id>", f"pins/{hidden['message']['id']}")
    path = re.sub(r"<int:\w+_id>", str(target), route).replace("<int:index>", "0")
    return "/api/v1/" + path.replace("<path:name>", hidden["attachment"]["name"])


def body_for(body: Any, hidden: dict[str, Any]) -> Any:
    """The body with its placeholders filled: `<message>` the hidden message's id,
    `<general>` the general channel's (which the outsider and the member are both in)."""
    if body is None:
        return None
    ids = {"<message>": hidden["message"]["id"],
           "<general>": Room.objects.get(kind="channel", name="general").id}
    return {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


def target_of(route: str, hidden: dict[str, Any]) -> tuple[int, int]:
    """(id of the hidden object, an id no object has) for the route's kind of id."""
    if "<int:room_id>" in route:
        return hidden["room"]["id"], unused_id(Room)
    if "<int:message_id>" in route:
        return hidden["message"]["id"], unused_id(Message)
    if "<int:document_id>" in route:
        from bots.documents.models import Document

        return hidden["document"]["id"], unused_id(Document)
    if "<int:meeting_id>" in route:
        from bots.meetings.models import Meeting

        return hidden["meeting"]["id"], unused_id(Meeting)
    if "<int:approval_id>" in route:
        from bots.approvals.models import Approval

        return hidden["approval"]["id"], unused_id(Approval)
    if "<int:delegation_id>" in route:
        from bots.approvals.models import Delegation

        return hidden["delegation"]["id"], unused_id(Delegation)
    if "<int:call_id>" in route:
        from bots.bulletins.models import Call

        return hidden["call"]["id"], unused_id(Call)
    if "<int:item_id>" in route:
        from bots.bulletins.models import Item

        return hidden["item"]["id"], unused_id(Item)
    if "<int:issue_id>" in route:
        from bots.bulletins.models import Issue

        return hidden["issue"]["id"], unused_id(Issue)
    if "<int:notice_id>" in route:
        from bots.notices.models import Notice

        return hidden["notice"]["id"], unused_id(Notice)
    if "<int:discussion_id>" in route:
        from bots.discussions.models import Discussion

        return hidden["discussion"]["id"], unused_id(Discussion)
    if "<int:entry_id>" in route:
        from archive.models import ArchiveEntry

        return hidden["entry"]["id"], unused_id(ArchiveEntry)
    assert "<int:attachment_id>" in route
    return hidden["attachment"]["id"], unused_id(Attachment)


def call(api: Any, username: str, method: str, url: str, body: Any) -> Any:
    client = api(username)
    return client.client.generic(method, url, b"" if body is None else json.dumps(body),
                                 content_type="application/json", headers=client.headers)


@pytest.mark.parametrize("method, route, body", TABLE, ids=[f"{m} {r}" for m, r, _ in TABLE])
def test_non_member_gets_the_same_404_as_for_a_missing_id(
        api: Any, hidden: dict[str, Any], method: str, route: str, body: Any) -> None:
    real, missing = target_of(route, hidden)
    body = body_for(body, hidden)
    before = state(hidden["room"]["id"])
    outsider = call(api, OUTSIDER, method, url_for(route, hidden, real), body)
    absent = call(api, OUTSIDER, method, url_for(route, hidden, missing), body)
    assert outsider.status_code == 404, outsider.content
    assert outsider["Content-Type"].startswith("application/json")
    assert outsider.json()["error"]["code"] == "not_found"
    assert (absent.status_code, absent.json()) == (404, outsider.json()), \
        "a hidden object must be indistinguishable from a missing one"
    assert state(hidden["room"]["id"]) == before, "the probe changed the hidden room"
    if (method, route) != ("POST", "rooms/<int:room_id>/join"):  # only channels are joinable
        # The id is real and the request well formed: a member is not told it does not exist.
        assert call(api, MEMBER, method, url_for(route, hidden, real), body).status_code != 404


@pytest.mark.parametrize("method, route, body", TABLE, ids=[f"{m} {r}" for m, r, _ in TABLE])
def test_ids_beyond_the_database_range_are_404_too(
        api: Any, hidden: dict[str, Any], method: str, route: str, body: Any) -> None:
    """An id too large for a bigint column is just another missing id, not a server error."""
    body = body_for(body, hidden)
    response = call(api, OUTSIDER, method, url_for(route, hidden, 2**63), body)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("field", ["reply_to", "attachments"])
def test_ids_in_a_message_body_are_hidden_the_same_way(
        demo: Any, api: Any, hidden: dict[str, Any], field: str) -> None:
    """Replying to, or attaching, a hidden object reads like naming one that does not exist."""
    general = demo["rooms"]["general"].id
    if field == "reply_to":
        real, missing = hidden["message"]["id"], unused_id(Message)
    else:
        real, missing = [hidden["attachment"]["id"]], [unused_id(Attachment)]
    outsider = api(OUTSIDER).send(general, "引用", **{field: real})
    absent = api(OUTSIDER).send(general, "引用", **{field: missing})
    assert outsider.status_code == 404
    assert outsider.json()["error"]["code"] == "not_found"
    assert absent.json() == outsider.json()
    assert Room.objects.get(id=general).last_seq == 0


def test_former_member_loses_access_to_the_room_and_its_files(
        api: Any, hidden: dict[str, Any]) -> None:
    room, attachment = hidden["room"]["id"], hidden["attachment"]
    member = api(MEMBER)
    assert member.client.get(attachment["url"], headers=member.headers).status_code == 200
    assert member.post(f"/rooms/{room}/leave").status_code == 204
    assert member.get(f"/rooms/{room}/messages").status_code == 404
    assert member.get(f"/messages/{hidden['message']['id']}").status_code == 404
    assert member.client.get(attachment["url"], headers=member.headers).status_code == 404


def test_file_of_a_deleted_message_is_no_longer_served_to_members(
        api: Any, hidden: dict[str, Any]) -> None:
    attachment = hidden["attachment"]
    assert api("clerk").delete(f"/messages/{hidden['message']['id']}").status_code == 200
    member = api(MEMBER)
    assert member.client.get(attachment["url"], headers=member.headers).status_code == 404
