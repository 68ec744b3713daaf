"""The archive (档案) in the web client: a document sent to a township is signed for and handled
there, the archive worker files it, and the township's clerk finds it on #/archive with its 档号
and 定期10年, filters by 保管期限, opens its record, and downloads the year's package, a zip whose
manifest-sha256.txt lists its files; a clerk of another township does not see it. A clerk
files an outgoing document from its tracking page. Screenshots of the page and the record at
desktop and phone width go into test-artifacts/."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, wait_until

pytestmark = pytest.mark.browser

YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year
TITLE = "关于做好年度文书档案整理归档工作的通知"


def file_pending(server: Any) -> None:
    """One turn of the archive worker in the test server's environment (the browser tests'
    server runs no worker)."""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c",
         "import django; django.setup(); from archive.filing import file_pending; file_pending()"],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]


def filed(server: Any, username: str, q: str) -> list[dict[str, Any]]:
    return server.api(username, "GET", f"/archive?q={quote(q)}")["entries"]


def settled(archive: Any) -> None:
    """The page has its answer for the filters now in the address."""
    expect(archive).not_to_have_attribute("aria-busy", "true")
    expect(archive.locator(".arc-loading")).to_have_count(0)


def card_of(document: dict[str, Any], code: str) -> int:
    return next(r["message"] for r in document["recipients"] if r["unit"]["code"] == code)


@pytest.fixture(scope="module")
def received(server: Any) -> dict[str, Any]:
    """A document from 区府办 to 城关镇, signed for and handled there, and filed."""
    sheet = server.upload("clerk", "归档范围清单.txt", "归档范围清单\n".encode() * 200, "text/plain")
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕201号", "title": TITLE,
        "body": "请各乡镇按照《归档文件整理规则》做好本年度文书档案的整理归档工作。",
        "recipients": ["town1"], "attachments": [sheet["id"]],
    })
    card = card_of(document, "town1")
    server.api("staff4", "POST", f"/messages/{card}/actions", {"action": "sign"})
    server.api("staff4", "POST", f"/messages/{card}/actions",
               {"action": "complete", "comment": "已按要求完成整理归档。"})
    file_pending(server)
    entries = wait_until(lambda: [e for e in filed(server, "staff4", TITLE) if e["kind"] == "incoming"],
                         timeout=20, what="the received document in the township's archive")
    return {"document": document, "entry": entries[0], "sheet": sheet}


def test_the_receiving_clerk_finds_the_filed_document_opens_it_and_exports_the_year(
        server: Any, open_user: Any, received: dict[str, Any], artifacts: Path, tmp_path: Path) -> None:
    entry = received["entry"]
    number = entry["archive_no"]
    assert re.fullmatch(rf"TOWN1-WS·{YEAR}-D10-SW-\d{{4}}", number), number

    user = open_user("staff4")
    page = user.page
    page.get_by_role("link", name="档案", exact=True).click()
    archive = page.locator("#archive-page")
    expect(archive.get_by_role("heading", name="档案", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/archive$"))
    row = archive.locator(".arc-row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row.locator(".arc-no")).to_have_text(number)
    expect(row.locator(".arc-number")).to_have_text(f"区府办〔{YEAR}〕201号")
    expect(row.locator(".arc-type")).to_have_text("通知")
    expect(row.locator(".arc-retention")).to_have_text("定期10年")
    expect(row.locator(".arc-kind")).to_have_text("收文")
    expect(row.locator(".arc-check")).to_have_text(re.compile("✓"))
    if entry["verify_detail"]:
        expect(row.locator(".arc-check")).to_have_attribute("title", entry["verify_detail"])
    # The filters carry the counts of the answer's facets.
    filters = archive.locator(".arc-filters")
    retention = filters.get_by_label("保管期限")
    expect(retention.locator('option[value="10y"]')).to_have_text(re.compile(r"定期10年（\d+）"))
    expect(filters.get_by_label("类别").locator('option[value="incoming"]')).to_have_text(re.compile(r"收文（\d+）"))
    expect(filters.get_by_label("年度").locator(f'option[value="{YEAR}"]')).to_have_text(re.compile(rf"{YEAR}年（\d+）"))
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "archive-desktop.png"))

    # 保管期限: 永久 has nothing of the township's; 定期10年 has the document.
    retention.select_option("permanent")
    expect(page).to_have_url(re.compile(r"retention=permanent"))
    settled(archive)
    expect(archive.locator(".arc-empty")).to_contain_text("暂无归档文件")
    expect(row).to_have_count(0)
    retention.select_option("10y")
    expect(page).to_have_url(re.compile(r"retention=10y"))
    settled(archive)
    expect(row).to_have_count(1)
    # The text box finds it by its 发文字号 too.
    filters.get_by_label("检索").fill("201号")
    filters.get_by_label("检索").press("Enter")
    expect(page).to_have_url(re.compile(r"q=201"))
    settled(archive)
    expect(archive.locator(".arc-row")).to_have_count(1)

    # A click on the row opens the record: metadata, files, handling steps, the document.
    row.locator(".arc-kind").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=TITLE)).to_be_visible()
    meta = dialog.locator(".arc-meta")
    expect(meta).to_contain_text("档号")
    expect(meta).to_contain_text(number)
    expect(meta).to_contain_text("保管期限")
    expect(dialog.locator(".arc-files")).to_contain_text("归档范围清单.txt")
    expect(dialog.locator(".arc-log")).to_contain_text("签收")
    expect(dialog.locator(".arc-log")).to_contain_text("办结")
    expect(dialog.locator(".arc-verify")).to_contain_text("归档时校验通过")
    link = dialog.get_by_role("link", name="打开公文")
    expect(link).to_have_attribute("href", f"#/documents/{received['document']['id']}")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "archive-entry-desktop.png"))
    # Esc closes it and gives the focus back to the row.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(row.locator(".arc-open")).to_be_focused()
    # The keyboard opens it too, and the link goes to the document's page; Back returns.
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("link", name="打开公文")).to_be_visible()
    dialog.get_by_role("link", name="打开公文").click()
    expect(page.locator("#doc-page")).to_be_visible()
    expect(page.locator("#doc-page").get_by_role("heading", name="公文", exact=True)).to_be_visible()
    expect(archive).to_be_hidden()
    page.go_back()
    expect(archive).to_be_visible()
    expect(row).to_have_count(1)

    # Export: the township's clerk may export the township's archive.
    archive.get_by_role("button", name="清除筛选").click()
    expect(page).to_have_url(re.compile(r"#/archive$"))
    settled(archive)
    export = archive.locator(".arc-export")
    expect(export.get_by_label("单位")).to_have_value("town1")
    expect(export.get_by_label("年度")).to_have_value(str(YEAR))
    with page.expect_download() as info:
        export.get_by_role("button", name="导出年度档案包").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    path = tmp_path / "archive.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as bag:
        names = bag.namelist()
        manifest_name = next(n for n in names if n.endswith("manifest-sha256.txt")
                             and not n.endswith("tagmanifest-sha256.txt"))
        root = manifest_name[: -len("manifest-sha256.txt")]
        listed = {}
        for line in bag.read(manifest_name).decode().splitlines():
            digest, name = line.split(maxsplit=1)
            listed[name] = digest
        assert "data/index.json" in listed
        index = json.loads(bag.read(root + "data/index.json"))
        folder = next(e["path"] for e in index["entries"] if e["archive_no"] == number)
        assert f"{folder}metadata.json" in listed, sorted(listed)
        assert any(n.startswith(f"{folder}files/") and n.endswith("归档范围清单.txt") for n in listed), sorted(listed)
        for name, digest in listed.items():
            assert hashlib.sha256(bag.read(root + name)).hexdigest() == digest, name
        payload = {n[len(root):] for n in names if n.startswith(root + "data/") and not n.endswith("/")}
        assert payload == set(listed), payload ^ set(listed)

    # A year with nothing filed: the server's words.
    page.goto(f"{page.url.split('#')[0]}#/archive?year=1999")
    expect(archive.locator(".arc-empty")).to_contain_text("暂无归档文件")
    export.get_by_role("button", name="导出年度档案包").click()
    expect(export.get_by_role("alert")).to_contain_text("1999")
    assert not user.errors, user.errors


def test_the_archive_at_phone_width(server: Any, open_user: Any, received: dict[str, Any], artifacts: Path) -> None:
    user = open_user("staff4", width=390, height=844)
    page = user.page
    page.goto(f"{server.url}/#/archive")
    archive = page.locator("#archive-page")
    card = archive.locator(".arc-row").filter(has_text=TITLE)
    expect(card).to_be_visible()
    expect(card).to_contain_text("定期10年")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "archive-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert archive.locator(".doc-scroll").evaluate("el => el.scrollWidth <= el.clientWidth")
    card.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(".arc-meta")).to_contain_text(received["entry"]["archive_no"])
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "archive-entry-phone.png"))
    page.keyboard.press("Escape")
    archive.get_by_role("button", name="返回").click()
    expect(archive).to_be_hidden()
    expect(page.locator("#room-list")).to_be_visible()
    assert not user.errors, user.errors


def test_a_clerk_of_another_unit_does_not_see_it(server: Any, open_user: Any, received: dict[str, Any]) -> None:
    assert filed(server, "staff5", TITLE) == []
    user = open_user("staff5")
    page = user.page
    page.goto(f"{server.url}/#/archive?q={quote(TITLE)}")
    archive = page.locator("#archive-page")
    expect(archive.locator(".arc-empty")).to_contain_text("暂无归档文件")
    expect(archive.locator(".arc-row")).to_have_count(0)
    # Its own unit only to export; another unit's code is not found.
    page.goto(f"{server.url}/#/archive?unit=town1")
    expect(archive.locator(".arc-export")).to_be_hidden()
    assert not user.errors, user.errors


def test_a_clerk_files_an_outgoing_document_from_its_tracking_page(
        server: Any, open_user: Any, artifacts: Path) -> None:
    title = "关于报送年度档案工作情况的通知"
    document = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕202号", "title": title, "recipients": ["town2"],
    })
    clerk = open_user("clerk")
    page = clerk.page
    page.goto(f"{server.url}/#/documents/{document['id']}")
    expect(page.get_by_role("heading", name="发文跟踪", exact=True)).to_be_visible()
    page.get_by_role("button", name="归档", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("归档后不能撤回")
    dialog.get_by_role("button", name="归档", exact=True).click()
    done = page.locator(".doc-filed")
    expect(done).to_contain_text("已归档")
    expect(done).to_contain_text(re.compile(rf"ZFB-WS·{YEAR}-D30-FW-\d{{4}}"))
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "archive-filed-tracking-desktop.png"))
    number = done.locator(".doc-filed-no").inner_text()
    done.click()
    archive = page.locator("#archive-page")
    expect(archive).to_be_visible()
    expect(page.locator("#doc-page")).to_be_hidden()
    row = archive.locator(".arc-row")
    expect(row).to_have_count(1)
    expect(row.locator(".arc-no")).to_have_text(number)
    expect(row.locator(".arc-retention")).to_have_text("定期30年")
    expect(row.locator(".arc-kind")).to_have_text("发文")

    # Filed by someone else meanwhile: 409, and the page says so with the number.
    other = server.api("clerk", "POST", "/documents", {
        "doc_type": "通知", "number": f"区府办〔{YEAR}〕203号", "title": "关于档案移交工作的通知",
        "recipients": ["town3"],
    })
    page.goto(f"{server.url}/#/documents/{other['id']}")
    expect(page.get_by_role("button", name="归档", exact=True)).to_be_visible()
    entry = server.api("leader", "POST", "/archive", {"document": other["id"]})
    page.get_by_role("button", name="归档", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="归档", exact=True).click()
    expect(page.locator(".doc-filed")).to_contain_text(entry["archive_no"])
    assert not clerk.errors, clerk.errors
