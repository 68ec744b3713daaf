"""The web client's pages and the command list, through Django's test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def commands() -> Iterator[Any]:
    from hub.chat import commands

    saved = dict(commands._commands)
    commands._commands.clear()
    yield commands
    commands._commands.clear()
    commands._commands.update(saved)


def logged_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_the_chat_page_sends_a_visitor_to_the_login_page(demo: Any) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_the_login_page_speaks_chinese_even_to_an_english_browser(demo: Any) -> None:
    response = Client().get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in text
    assert "用户名" in text and "密码" in text and "登录" in text
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_english_is_chosen_with_the_language_switch(demo: Any) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    text = client.get("/login/").content.decode()
    assert '<html lang="en">' in text and "Username" in text


def test_a_wrong_password_is_refused_with_a_message(demo: Any) -> None:
    response = Client().post("/login/", {"username": "clerk", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_logging_in_opens_the_chat_with_the_user_and_limits(demo: Any) -> None:
    client = Client()
    response = client.post("/login/", {"username": "clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    text = page.content.decode()
    boot = json.loads(text.split('<script id="boot" type="application/json">')[1].split("</script>")[0])
    assert boot["me"]["username"] == "clerk"
    assert boot["language"] == "zh-hans"
    assert boot["max_upload_bytes"] > 0
    assert "csrftoken" in page.cookies
    assert "/jsi18n/" in text and "js/app.js" in text


def test_logout_ends_the_session(demo: Any) -> None:
    client = logged_in("staff1")
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_the_js_catalog_translates_the_client(demo: Any) -> None:
    text = Client().get("/jsi18n/").content.decode()
    assert "\\u4eca\\u5929" in text or "今天" in text  # "Today" -> 今天


def test_the_client_is_served_as_static_files(demo: Any) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("js/app.js") and finders.find("css/app.css")


def test_commands_lists_what_bots_registered(demo: Any, api: Any, commands: Any) -> None:
    response = api("staff1").get("/commands")
    assert response.status_code == 200 and response.json() == []
    commands.register("doc", "发文、收文", "/doc send <发文字号>")
    commands.register("approve", "审批")
    assert api("staff1").get("/commands").json() == [
        {"name": "approve", "help": "审批", "usage": "/approve"},
        {"name": "doc", "help": "发文、收文", "usage": "/doc send <发文字号>"},
    ]


def test_commands_needs_a_caller(demo: Any) -> None:
    response = Client().get("/api/v1/commands")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_command_name_is_checked(commands: Any) -> None:
    with pytest.raises(ValueError):
        commands.register("Doc Send", "bad")
