"""文档管理 in the browser: a clerk builds a folder tree in their unit's library, uploads a
file and two new versions, restores the first (a fourth version with its content), shares it
into a chat room where a member from another unit opens it from the card; someone without
rights finds nothing of it in search, while the clerk's search page lists it under 文件 and
opens it in the library. Screenshots of the library and of the search page at desktop
(1280x800) and phone (390x844) width go into test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _manage

pytestmark = pytest.mark.browser

WORD = "鹭岛湿地保护"
TEXTS = [f"第一稿：关于{WORD}的会议纪要。", "第二稿：补充了责任分工。", "第三稿：领导修改意见已吸收。"]


def text_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/plain", "buffer": text.encode()}


def choose(page: Any, button: Any, payload: dict[str, Any]) -> None:
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(files=[payload])


def test_a_clerk_keeps_versions_restores_the_first_shares_it_and_outsiders_find_nothing(
        server: Any, open_user: Any, artifacts: Path) -> None:
    room = server.group("clerk", "纪要传阅组", ["staff3"])
    clerk = open_user("clerk")
    page = clerk.page
    # From the sidebar.
    page.locator("#library-link").click()
    expect(page).to_have_url(re.compile(r"#/library"))
    lib = page.locator("#page-library")
    expect(lib.get_by_role("heading", name="文档管理", exact=True)).to_be_visible()
    expect(lib.locator(".lib-crumb.current")).to_have_text("区政府办公室")
    expect(lib.locator(".lib-lib.active")).to_contain_text("区政府办公室")

    # A folder tree: 2026年 / 湿地保护专班.
    for name in ("2026年", "湿地保护专班"):
        lib.get_by_role("button", name="新建文件夹").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("文件夹名称").fill(name)
        dialog.get_by_role("button", name="创建").click()
        expect(lib.locator(".lib-crumb.current")).to_have_text(name)
    expect(lib.locator(".lib-crumbs")).to_contain_text("区政府办公室/2026年/湿地保护专班")
    folder_url = page.url
    folder_id = int(re.search(r"#/library/(\d+)", folder_url).group(1))

    # Version 1, then two more from the file's panel.
    choose(page, lib.get_by_role("button", name="上传文件"), text_file("专班会议纪要.txt", TEXTS[0]))
    row = lib.locator(".lib-filerow").filter(has_text="专班会议纪要.txt")
    expect(row).to_contain_text("第 1 版")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"\?file=\d+"))
    panel = lib.locator(".lib-file")
    expect(panel.locator(".lib-preview")).to_contain_text(WORD)
    for i, text in enumerate(TEXTS[1:], start=2):
        choose(page, panel.get_by_role("button", name="上传新版本"), text_file("专班会议纪要.txt", text))
        expect(panel.locator(".lib-versions .lib-version")).to_have_count(i)
    expect(panel.locator(".lib-preview")).to_contain_text("第三稿")

    # Restore the first: a fourth version with the first one's content.
    panel.locator('[data-testid="library-restore-1"]').click()
    page.get_by_role("dialog").get_by_role("button", name="恢复").click()
    versions = panel.locator(".lib-versions .lib-version")
    expect(versions).to_have_count(4)
    expect(versions.first).to_contain_text("第 4 版")
    expect(versions.first).to_contain_text("当前版本")
    expect(versions.first).to_contain_text("由第 1 版恢复")
    expect(panel.locator(".lib-preview")).to_contain_text("第一稿")
    assert "null" not in panel.inner_text() + lib.locator(".lib-main").inner_text()
    file_id = int(re.search(r"\?file=(\d+)", page.url).group(1))
    answer = server.api("clerk", "GET", f"/library/files/{file_id}")
    assert answer["version"] == 4 and answer["versions"][3]["sha256"] == answer["versions"][0]["sha256"]

    # Share it into the room: a card there.
    panel.get_by_role("button", name="分享到会话").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("会话").select_option(label="纪要传阅组")
    dialog.get_by_label("附言（可选）").fill("请传阅")
    dialog.get_by_role("button", name="分享", exact=True).click()
    expect(panel.locator(".lib-shares")).to_contain_text("纪要传阅组")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "library-desktop.png"))

    # A member of the room from another unit opens it from the card.
    staff3 = open_user("staff3", room=room)
    card = staff3.page.locator(".msg").filter(has_text="专班会议纪要.txt").last
    expect(card).to_contain_text("第 4 版")
    card.get_by_role("link", name="在文档管理中打开").click()
    theirs = staff3.page.locator("#page-library .lib-file")
    expect(theirs.locator(".lib-file-title")).to_have_text("专班会议纪要.txt")
    expect(theirs.locator(".lib-preview")).to_contain_text("第一稿")
    expect(theirs.get_by_role("button", name="上传新版本")).to_have_count(0)
    expect(staff3.page.locator("#page-library .lib-main")).to_contain_text("此文件所在的文件夹未向你开放")
    # ...and nothing else of the library.
    assert "区政府办公室" not in staff3.page.locator("#page-library .lib-side").inner_text()

    # Someone without rights finds nothing of it; the clerk does.
    _manage(server.env, "search_rebuild")
    assert server.api("clerk", "GET", f"/search?q={quote(WORD)}&type=file")["total"] == 1
    assert server.api("staff2", "GET", f"/search?q={quote(WORD)}")["total"] == 0
    outsider = open_user("staff2")
    outsider.page.goto(f"{server.url}/#/search?q={quote(WORD)}")
    search = outsider.page.locator("#search-page")
    expect(search.locator(".search-none")).to_be_visible()
    expect(search.locator(".search-hit")).to_have_count(0)
    outsider.page.goto(f"{server.url}/#/library/{folder_id}?file={file_id}")
    expect(outsider.page.locator("#page-library")).to_contain_text("不存在或无权访问")
    # The clerk's search page shows the file and opens it.
    page.goto(f"{server.url}/#/search?q={quote(WORD)}")
    group = page.locator("#search-page .search-group-file")
    expect(group.get_by_role("heading", name=re.compile("^文件"))).to_be_visible()
    hit = group.locator(".search-hit-file")
    expect(hit).to_contain_text("专班会议纪要.txt")
    expect(hit).to_have_attribute("href", f"#/library?file={file_id}")
    page.screenshot(path=str(artifacts / "search-file-desktop.png"))
    hit.click()
    expect(lib.locator(".lib-file-title")).to_have_text("专班会议纪要.txt")

    # Phone width.
    phone = open_user("clerk", width=390, height=844)
    phone.page.goto(folder_url)
    expect(phone.page.locator("#page-library .lib-filerow")).to_have_count(1)
    phone.page.wait_for_timeout(300)
    phone.page.screenshot(path=str(artifacts / "library-phone.png"))
    phone.page.goto(f"{server.url}/#/library/{folder_id}?file={file_id}")
    expect(phone.page.locator("#page-library .lib-versions .lib-version")).to_have_count(4)
    phone.page.wait_for_timeout(300)
    phone.page.screenshot(path=str(artifacts / "library-file-phone.png"))
    phone.page.goto(f"{server.url}/#/search?q={quote(WORD)}")
    expect(phone.page.locator("#search-page .search-hit-file")).to_contain_text("专班会议纪要.txt")
    phone.page.screenshot(path=str(artifacts / "search-file-phone.png"))
    for user in (clerk, staff3, outsider, phone):
        assert user.errors == [], user.errors
