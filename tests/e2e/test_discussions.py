"""讨论区 in the web client: staff follow a topic in `general` (the topic chip opens the topic's
panel, 关注, a message into the topic, a thread in the side panel); a clerk opens a
discussion (征求意见) that asks three townships, two of them reply (one on the page, one on
the card in its unit room), and the owner closes it with a conclusion, shown signed.
A topic is renamed into another (its messages join it) and then moved into another room.
Screenshots at desktop (1280x800) and phone (390x844) width go into test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    # The pages of 讨论区 are modules of the client shell (static/js/shell/).
    pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "static/js/shell/router.js").exists(),
                       reason="the client shell is not in this tree"),
]

TOPIC = "元旦值班安排"


def room_named(server: Any, username: str, name: str) -> int:
    rooms = server.api(username, "GET", "/rooms")
    return next(int(r["id"]) for r in rooms if r["name"] == name)


def test_staff_follow_a_topic_in_general_and_read_a_thread(
        server: Any, open_user: Any, artifacts: Path) -> None:
    general = room_named(server, "staff1", "general")
    first = server.send("staff2", general, "各单位元旦值班表请于周五前报送。", topic=TOPIC)
    server.send("staff3", general, "文体局已报送。", thread=first["id"])
    server.send("staff2", general, "没有话题的闲聊")

    user = open_user("staff1", room=general)
    page = user.page
    row = page.locator(f'#message-list .msg[data-id="{first["id"]}"]')
    expect(row.locator(".msg-topic")).to_have_text(f"# {TOPIC}")
    expect(row.locator(".msg-thread-link")).to_contain_text("1 条回复")

    # The room's topics, with unread per topic; the topic opens in the side panel.
    page.locator("#topics-btn").click()
    panel = page.locator("#side-panel")
    expect(panel.get_by_role("heading", name="话题")).to_be_visible()
    expect(panel.locator(f'.topic-row[data-topic="{TOPIC}"] .topic-meta')).to_have_text("2 条消息")
    panel.locator(f'.topic-row[data-topic="{TOPIC}"] .topic-open').click()
    expect(panel.get_by_role("heading", name=f"# {TOPIC}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"topic="))
    expect(panel.locator(".side-msg")).to_have_count(2)
    panel.get_by_role("button", name="关注").click()
    expect(panel.locator(".topic-follow")).to_have_text("已关注")
    panel.locator("#side-input").fill("区委办今天下午报送。")
    panel.locator("#side-input").press("Enter")
    expect(panel.locator(".side-msg")).to_have_count(3)
    # The message went to the room, in the topic, for everyone.
    mine = user.messages().filter(has_text="区委办今天下午报送。")
    expect(mine.locator(".msg-topic")).to_have_text(f"# {TOPIC}")
    followed = server.api("staff1", "GET", "/topics")
    assert [(t["name"], t["state"]) for t in followed] == [(TOPIC, "follow")]
    page.screenshot(path=str(artifacts / "topics-desktop.png"))

    # The thread of the first message, from its reply count.
    row.locator(".msg-thread-link").click()
    expect(panel.get_by_role("heading", name="跟帖")).to_be_visible()
    expect(panel.locator(".side-msg")).to_have_count(2)
    panel.locator("#side-input").fill("收到，谢谢。")
    panel.locator("#side-input").press("Enter")
    expect(panel.locator(".side-msg")).to_have_count(3)
    expect(row.locator(".msg-thread-link")).to_contain_text("2 条回复")
    page.screenshot(path=str(artifacts / "thread-desktop.png"))
    assert not user.errors

    phone = open_user("staff1", width=390, height=844)
    phone.page.goto(f"{server.url}/#/rooms/{general}?topic={TOPIC}")
    expect(phone.page.locator("#side-panel").get_by_role("heading", name=f"# {TOPIC}")).to_be_visible()
    expect(phone.page.locator("#side-panel .side-msg")).to_have_count(4)
    phone.page.screenshot(path=str(artifacts / "topics-phone.png"))
    assert not phone.errors


def test_a_topic_renamed_into_another_moves_its_messages_and_then_moves_to_another_room(
        server: Any, open_user: Any) -> None:
    room = server.group("staff1", "值班协调组", ["staff2"])
    target = server.group("staff1", "值班汇总组", ["staff2"])
    server.send("staff1", room, "周六由文体局值班。", topic="周末值班")
    server.send("staff2", room, "周日由卫生局值班。", topic="周末值班")
    server.send("staff2", room, "元旦值班另行通知。", topic="值班安排")

    user = open_user("staff1", room=room)
    page = user.page
    panel = page.locator("#side-panel")
    page.locator("#topics-btn").click()
    panel.locator('.topic-row[data-topic="周末值班"] .topic-open').click()
    expect(panel.locator(".side-msg")).to_have_count(2)
    # 重命名 into the existing topic 值班安排: the two messages join it.
    panel.get_by_role("button", name="重命名").click()
    page.get_by_role("dialog").locator("#dialog-comment").fill("值班安排")
    page.get_by_role("dialog").get_by_role("button", name="确定").click()
    expect(panel.get_by_role("heading", name="# 值班安排")).to_be_visible()
    expect(panel.locator(".side-msg")).to_have_count(3)
    expect(user.messages().locator(".msg-topic").filter(has_text="周末值班")).to_have_count(0)
    expect(user.messages().locator(".msg-topic").filter(has_text="值班安排")).to_have_count(3)

    # 移动 the topic into the other group: sent again there, deleted here.
    panel.get_by_role("button", name="移动").click()
    page.locator("#topic-move-room").select_option(label="值班汇总组")
    page.locator("#topic-move-go").click()
    expect(page).to_have_url(re.compile(rf"#/rooms/{target}\?topic="))
    expect(panel.get_by_role("heading", name="# 值班安排")).to_be_visible()
    expect(panel.locator(".side-msg")).to_have_count(3)
    expect(user.messages().filter(has_text="周日由卫生局值班。")).to_have_count(1)
    assert [(t["name"], t["count"]) for t in server.api("staff2", "GET", f"/rooms/{target}/topics")] \
        == [("值班安排", 3)]
    assert server.api("staff2", "GET", f"/rooms/{room}/topics") == []
    assert not user.errors, user.errors


def test_a_discussion_asks_three_units_two_reply_and_the_owner_closes_it(
        server: Any, open_user: Any, artifacts: Path) -> None:
    owner = open_user("clerk")
    page = owner.page
    page.goto(f"{server.url}/#/discussions")
    discussions = page.locator("#discussions-page")
    expect(discussions.get_by_role("heading", name="征求意见", exact=True)).to_be_visible()
    page.locator("#dsc-new").click()
    dialog = page.locator("#dialog")
    dialog.get_by_label("标题").fill("关于《河道管理办法（征求意见稿）》征求意见")
    dialog.get_by_label("征求意见事项").fill("请对第三章提出修改意见。")
    for code in ("town1", "town2", "town3"):
        dialog.locator(f'input[name=dsc-units][value="{code}"]').check()
    dialog.locator("#dsc-send").click()
    expect(page).to_have_url(re.compile(r"#/discussions/\d+$"))
    discussion_id = int(page.url.rsplit("/", 1)[1])
    expect(discussions.locator("#dsc-totals")).to_have_text("0 / 3 个单位已回复")
    expect(discussions.locator(".dsc-unit")).to_have_count(3)

    # town1's clerk replies on the page, from the to-do list's link.
    t1 = open_user("staff4")
    t1.page.goto(f"{server.url}/#/discussions/{discussion_id}")
    reply = t1.page.locator("#discussions-page .dsc-reply")
    reply.get_by_label("意见").fill("建议删除第十条。")
    reply.locator("#dsc-reply-send").click()
    expect(t1.page.locator('.dsc-unit[data-unit="town1"]')).to_contain_text("建议删除第十条。")
    expect(t1.page.locator(".dsc-unit")).to_have_count(1)  # only its own unit

    # town2's clerk replies on the card in the unit room.
    town2 = room_named(server, "staff5", "河西镇人民政府")
    t2 = open_user("staff5", room=town2)
    card = t2.messages().filter(has=t2.page.locator(".card")).last
    card.get_by_role("button", name="回复意见").click()
    t2.page.locator("#dialog textarea").fill("同意，建议延后实施。")
    t2.page.locator("#dialog").get_by_role("button", name="确定").click()
    expect(card).to_contain_text("已回复")

    expect(discussions.locator("#dsc-totals")).to_have_text("2 / 3 个单位已回复", timeout=15_000)
    page.locator("#dsc-close").click()
    dialog.get_by_label("结论").fill("采纳河西镇意见，延后至明年实施。")
    dialog.locator("#dsc-conclusion-send").click()
    conclusion = discussions.locator("#dsc-conclusion")
    expect(conclusion).to_contain_text("采纳河西镇意见，延后至明年实施。")
    expect(conclusion.locator(".dsc-signature-ok")).to_contain_text("王芳")
    expect(page.locator("#dsc-close")).to_have_count(0)
    page.screenshot(path=str(artifacts / "discussion-desktop.png"))
    for user in (owner, t1, t2):
        assert not user.errors, user.errors

    phone = open_user("clerk", width=390, height=844)
    phone.page.goto(f"{server.url}/#/discussions/{discussion_id}")
    expect(phone.page.locator("#dsc-conclusion")).to_be_visible()
    phone.page.screenshot(path=str(artifacts / "discussion-phone.png"), full_page=True)
    phone.page.goto(f"{server.url}/#/discussions")
    expect(phone.page.locator(".dsc-item")).to_have_count(1)
    phone.page.screenshot(path=str(artifacts / "discussions-phone.png"))
    assert not phone.errors
