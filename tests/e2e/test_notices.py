"""Notices (通知公告) and bulletins (电子刊物) in the web client, as issue 12's "done when" asks:
an editor asks two units for items, both submit, the editor assembles an issue, the office
leader signs it off from the card, 95 units receive it and the editor's page shows the reads
coming in without a reload; a notice to everyone composed in the form collects 收到 (pressed
on the card in chat and on 工作台) on the sender's open page, and the sender reminds the rest.
Screenshots at desktop (1280x800) and phone (390x844) width go into test-artifacts/.

The district of 95 units is made for this module only: it runs on a server of its own (a copy of
the seeded database, `make_server`), so that the other browser tests count the demo's units,
rooms and to-dos as they were."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ROOT,
    Seed,
    Server,
    UserPage,
    login_state_maker,
    make_server,
    user_opener,
    wait_until,
)

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
UNITS = 95


@pytest.fixture(scope="module")
def server(seed: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's own server: the 88 units it adds, its notice to everyone and its bulletin
    to every unit stay out of the shared server's counts. Its worker re-renders the editor's
    and the sender's cards as reads and presses come in, as in production."""
    with make_server(seed, tmp_path_factory.mktemp("e2e-notices"), "_notices", worker=True) as running:
        yield running


@pytest.fixture(scope="module")
def login_states(server: Server, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    return login_state_maker(server, browser, tmp_path_factory.mktemp("e2e-notices-auth"))


@pytest.fixture
def open_user(server: Server, browser: Any, login_states: Callable[[str], str]) -> Iterator[Callable[..., UserPage]]:
    with user_opener(server, browser, login_states) as open_:
        yield open_


@pytest.fixture(scope="module")
def district(server: Any) -> dict[str, Any]:
    """The demo's units and as many more as make 95 to address, two people each, with their
    tokens."""
    have = len(addressable(server))
    extra = UNITS - have
    out = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "notice_bench_setup", "--units", str(extra),
         "--people", str(2 * extra), "--password", "e2e-bench-1"],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    made = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(addressable(server)) == UNITS
    return made


def addressable(server: Any) -> list[dict[str, Any]]:
    """The units a notice or bulletin to every unit reaches (all but the district itself)."""
    return [u for u in server.api("clerk", "GET", "/units") if u["kind"] != "district"]


def as_token(server: Any, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def go(page: Any, server: Any, path: str) -> None:
    page.goto(f"{server.url}/#/{path}")


def stat(page: Any, key: str) -> Any:
    return page.locator(f'[data-count="{key}"]')


def test_a_bulletin_from_call_to_reads(server: Any, district: dict[str, Any], open_user: Any,
                                       artifacts: Path) -> None:
    editor = open_user("clerk")
    page = editor.page
    # 约稿: the editor asks two units for items.
    go(page, server, "bulletins/zwxx/call")
    page.get_by_label("主题").fill("年终工作亮点")
    page.locator("#bl-call-units-all").uncheck()
    for name in ("区卫生健康局", "区文化体育局"):
        page.locator(".nt-unit", has_text=name).first.locator("input").check()
    page.get_by_label("截止时间").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="发出约稿").click()
    expect(page.locator(".bl-call-units li")).to_have_count(2)
    call_id = int(page.url.rsplit("/", 1)[1])

    # 投稿: each asked unit submits from the call's page.
    for username, title in (("staff2", "卫生局推进家庭医生签约服务"), ("staff3", "文体局举办全民健身运动会")):
        unit = open_user(username)
        go(unit.page, server, f"bulletins/calls/{call_id}")
        unit.page.get_by_role("link", name="投稿").first.click()
        unit.page.get_by_label("标题").fill(title)
        unit.page.get_by_label("正文").fill(f"{title}。今年以来成效明显，群众满意度持续提升。")
        unit.page.get_by_role("button", name="投稿", exact=True).click()
        expect(unit.page.locator(".bl-item-page")).to_be_visible()
        assert not unit.errors, unit.errors
    go(page, server, "bulletins/zwxx?tab=calls")
    page.locator(".bl-calls .doc-item").first.click()
    expect(page.locator(".bl-call-units li.bl-done")).to_have_count(2)

    # 采用 each item on its page.
    go(page, server, "bulletins/zwxx?tab=items&state=submitted")
    for waiting in (2, 1):
        expect(page.locator(".bl-items .doc-item")).to_have_count(waiting)
        page.locator(".bl-items .doc-item").first.click()
        page.get_by_role("button", name="采用", exact=True).click()
        expect(page.locator(".nt-tag-adopted")).to_be_visible()
        go(page, server, "bulletins/zwxx?tab=items&state=submitted")
    expect(page.locator(".bl-items .doc-item")).to_have_count(0)

    # 组稿: both adopted items, signed off by the leader, to every unit.
    go(page, server, "bulletins/zwxx/assemble")
    expect(page.locator(".bl-choose input")).to_have_count(2)
    for box in page.locator(".bl-choose input").all():
        box.check()
    page.get_by_label("签发人").select_option("leader")
    page.get_by_role("button", name="送签发").click()
    expect(page.locator(".bl-issue[data-state=awaiting_signoff]")).to_be_visible()
    issue_id = int(page.url.rsplit("/", 1)[1])

    # The leader signs it off from the card in chat.
    leader = open_user("leader")
    card = leader.page.locator(".card-type-bulletin_review").last
    leader.page.locator(".room-item", has_text="刊物助手").first.click()
    card.get_by_role("button", name="签发").click()
    # The opinion is optional: asked for in a dialog, left empty here.
    dialog = leader.page.get_by_role("dialog")
    expect(dialog.get_by_label("签发意见（选填）").or_(dialog.locator("textarea"))).to_be_visible()
    dialog.get_by_role("button", name="确定").click()
    expect(card.locator(".card-state")).to_have_text("已签发")

    # The editor's page follows; 印发 numbers it and sends it to the 95 units.
    expect(page.locator(".bl-issue[data-state=signed_off]")).to_be_visible()
    page.get_by_role("button", name="印发").click()
    expect(page.locator(".bl-issue[data-state=published]")).to_be_visible()
    expect(page.locator(".bl-number")).to_contain_text("第1期")
    # The editor's own unit is in the audience: their open page has read it. The reads count
    # from there, once the page shows it.
    issue = wait_until(lambda: (lambda i: i if i["mine"] and i["mine"]["read"] else None)(
        server.api("clerk", "GET", f"/bulletins/issues/{issue_id}")), what="the editor's own read")
    assert {u["unit"]["code"] for u in issue["units"]} == {u["code"] for u in addressable(server)}
    read_before = sum(1 for u in issue["units"] if u["read"])
    readers_before = sum(len(u["readers"]) for u in issue["units"])
    expect(stat(page, "units-read")).to_have_text(str(read_before))
    expect(stat(page, "units-unread")).to_have_text(str(UNITS - read_before))
    expect(stat(page, "readers")).to_have_text(str(readers_before))

    # Reads come in live: a township clerk opens it from the card, then people of other units.
    town = open_user("staff4")
    town.page.locator(".room-item", has_text="城关镇").first.click()
    town.page.locator(".card-type-bulletin").last.get_by_role("link", name="阅读全文").click()
    expect(town.page.locator(".bl-paper")).to_contain_text("卫生局推进家庭医生签约服务")
    expect(stat(page, "units-read")).to_have_text(str(read_before + 1))
    # One person of each of ten of the district's units (people np0001.. go round the units).
    tokens = list(district["tokens"].values())[:10]
    for token in tokens:
        as_token(server, token, "POST", f"/bulletins/issues/{issue_id}/read", {})
    expect(stat(page, "units-read")).to_have_text(str(read_before + 1 + len(tokens)), timeout=15_000)
    expect(stat(page, "readers")).to_have_text(str(readers_before + 1 + len(tokens)))
    page.screenshot(path=str(artifacts / "bulletin-issue-desktop.png"), full_page=False)
    phone = open_user("clerk", **PHONE)
    go(phone.page, server, f"bulletins/issues/{issue_id}")
    expect(phone.page.locator(".bl-paper")).to_be_visible()
    phone.page.screenshot(path=str(artifacts / "bulletin-issue-phone.png"))
    for user in (editor, leader, town, phone):
        assert not user.errors, user.errors


def test_a_notice_to_everyone_collects_acknowledgements(server: Any, district: dict[str, Any],
                                                        open_user: Any, artifacts: Path) -> None:
    sender = open_user("clerk")
    page = sender.page
    go(page, server, "notices/new")
    # Nobody chosen: refused in the form, nothing sent.
    page.get_by_label("标题").fill("关于做好元旦期间安全生产工作的通知")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".doc-form-error")).to_contain_text("请选择接收对象")
    page.get_by_label("正文").fill("各单位：元旦将至，请切实做好安全生产工作，落实值班值守制度。")
    page.locator("#nt-units-all").check()
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".nt-ledger")).to_be_visible()
    notice_id = int(page.url.rsplit("/", 1)[1])
    total = int(stat(page, "pending").inner_text())
    assert total >= UNITS  # every unit's people but the sender

    # 收到 on the card in chat.
    staff1 = open_user("staff1")
    staff1.page.locator(".room-item", has_text="区委办").first.click()
    card = staff1.page.locator(".card-type-notice").last
    card.get_by_role("button", name="收到").click()
    expect(card.get_by_role("button", name="收到")).to_have_count(0)
    expect(stat(page, "acked")).to_have_text("1")
    # 收到 on 工作台.
    staff2 = open_user("staff2")
    go(staff2.page, server, "todo")
    todo = staff2.page.locator('.todo-group[data-kind="notice_ack"] .todo-item').filter(
        has_text="关于做好元旦期间安全生产工作的通知")
    todo.get_by_role("button", name="收到").click()
    expect(todo).to_have_count(0)
    expect(stat(page, "acked")).to_have_text("2")
    # 收到 on the notice's own page (from a phone).
    staff3 = open_user("staff3", **PHONE)
    go(staff3.page, server, f"notices/{notice_id}")
    staff3.page.get_by_role("button", name="收到").click()
    expect(staff3.page.locator(".nt-mine-done")).to_be_visible()
    expect(stat(page, "acked")).to_have_text("3")
    expect(stat(page, "pending")).to_have_text(str(total - 3))
    staff3.page.screenshot(path=str(artifacts / "notice-recipient-phone.png"))

    # The sender reminds the rest.
    page.locator(".nt-remind").click()
    expect(page.locator(".nt-ledger .nt-ok")).to_contain_text(f"已提醒 {total - 3} 人")
    page.screenshot(path=str(artifacts / "notice-ledger-desktop.png"))
    staff1.page.screenshot(path=str(artifacts / "notice-card-desktop.png"))
    phone = open_user("clerk", **PHONE)
    go(phone.page, server, f"notices/{notice_id}")
    expect(phone.page.locator(".nt-ledger")).to_be_visible()
    phone.page.screenshot(path=str(artifacts / "notice-ledger-phone.png"))
    for user in (sender, staff1, staff2, staff3, phone):
        assert not user.errors, user.errors


def test_an_announce_only_channel_with_a_pinned_notice(server: Any, open_user: Any,
                                                         artifacts: Path) -> None:
    """The channel's admin makes it announce-only from the members dialog: the members' open
    pages swap the composer for a note at once; the admin posts a pinned notice into it from
    there, and it shows above the members' timeline until they open it and press 收到."""
    room = int(server.api("clerk", "POST", "/rooms", {
        "kind": "channel", "name": "安全生产通知频道", "members": ["staff1", "staff2"]})["id"])
    admin = open_user("clerk", room=room)
    member = open_user("staff1", room=room)
    phone = open_user("staff2", room=room, **PHONE)
    expect(member.page.locator("#composer")).to_be_visible()

    admin.page.locator("#members-btn").click()
    dialog = admin.page.get_by_role("dialog")
    dialog.get_by_label("仅管理员发言").check()
    expect(member.page.locator(".nt-readonly")).to_be_visible()
    expect(member.page.locator("#composer")).to_be_hidden()
    expect(phone.page.locator(".nt-readonly")).to_be_visible()
    expect(admin.page.locator(".nt-readonly")).to_have_count(0)
    admin.page.screenshot(path=str(artifacts / "notice-channel-settings-desktop.png"))
    # Nobody but its admins posts there, whatever the client shows.
    with pytest.raises(AssertionError, match="403"):
        server.send("staff1", room, "还能发言吗")

    dialog.get_by_role("link", name="在本频道发布通知").click()
    page = admin.page
    expect(page.locator(".nt-room")).to_contain_text("安全生产通知频道")
    page.get_by_label("标题").fill("关于节前安全检查的通知")
    page.get_by_label("正文").fill("请各科室于周五前完成节前安全检查。")
    page.get_by_label("在会话中置顶").check()
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".nt-ledger")).to_be_visible()
    expect(stat(page, "pending")).to_have_text("2")

    pin = member.page.locator(".nt-pins .nt-pin", has_text="关于节前安全检查的通知")
    expect(pin).to_be_visible()
    expect(phone.page.locator(".nt-pins .nt-pin")).to_be_visible()
    member.page.screenshot(path=str(artifacts / "notice-channel-desktop.png"))
    phone.page.screenshot(path=str(artifacts / "notice-channel-phone.png"))
    pin.click()
    member.page.get_by_role("button", name="收到").click()
    expect(member.page.locator(".nt-mine-done")).to_be_visible()
    expect(stat(page, "acked")).to_have_text("1")
    for user in (admin, member, phone):
        assert not user.errors, user.errors
