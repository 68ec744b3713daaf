"""The bot runtime as a dialogue: a message starting with / reaches its bot once stored, the
bot answers in the room; /help, unknown commands, plugins, the autocomplete list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bots import runtime
from bots.runtime import Bot, CommandContext
from hub.chat.models import Message, Room
from hub.org.models import User
from tests.bots.conftest import run_commands

pytestmark = pytest.mark.django_db


@pytest.fixture
def say(api: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """`say("clerk", room_id, "/help")`: send as that user and let the bot answer; returns
    the bot's messages in that room that came after it."""

    def send(username: str, room: int, body: str) -> list[Message]:
        with django_capture_on_commit_callbacks(execute=True):
            response = api(username).send(room, body)
        run_commands()
        assert response.status_code == 201, response.content
        seq = response.json()["seq"]
        return list(Message.objects.filter(room_id=room, seq__gt=seq, sender__is_bot=True)
                    .order_by("seq"))

    return send


@pytest.fixture
def echo() -> Iterator[Bot]:
    """A plugin of three lines: a bot, a command, registered."""
    bot = Bot(username="echo", display_name="回声")

    @bot.command("echo", help="原样回复", usage="/echo 文字 [times:次数]")
    def handle(ctx: CommandContext) -> None:
        assert ctx.command is not None
        times = int(ctx.command.get("times", "次数") or 1)
        ctx.reply(" ".join(ctx.command.args) * times)

    @bot.command("boom", help="总是出错")
    def boom(ctx: CommandContext) -> None:
        raise RuntimeError("bug")

    runtime.register_bot(bot)
    yield bot
    runtime.unregister_bot(bot)


def test_help_lists_every_command_and_help_cmd_explains_one(demo: Any, say: Any) -> None:
    room = demo["rooms"]["zfb"].id
    (answer,) = say("clerk", room, "/help")
    assert answer.sender.username in ("gongwen", "duban") and answer.sender.is_bot
    assert "/doc" in answer.body and "/duban" in answer.body and "/help" in answer.body
    (answer,) = say("clerk", room, "/help doc")
    assert "/doc send" in answer.body and "全部乡镇" in answer.body
    (answer,) = say("clerk", room, "/help nosuch")
    assert "没有 /nosuch 这个命令" in answer.body


def test_a_plugin_registers_a_command_and_answers_through_its_context(
        demo: Any, say: Any, echo: Bot) -> None:
    room = demo["rooms"]["general"].id
    (answer,) = say("staff1", room, "/echo 你好 次数：2")
    assert answer.body == "你好你好" and answer.sender.username == "echo"
    assert User.objects.get(username="echo").is_bot
    (answer,) = say("staff1", room, "/help echo")
    assert "/echo 文字" in answer.body


def test_a_failing_bot_answers_with_an_error_and_the_message_is_kept(
        demo: Any, say: Any, echo: Bot) -> None:
    room = demo["rooms"]["general"].id
    (answer,) = say("staff1", room, "/boom")
    assert "出错" in answer.body
    assert Message.objects.filter(room_id=room, body="/boom").count() == 1


def test_unknown_commands_get_a_pointer_to_help_and_paths_are_left_alone(
        demo: Any, say: Any) -> None:
    room = demo["rooms"]["general"].id
    (answer,) = say("staff1", room, "/frobnicate now")
    assert "没有 /frobnicate 这个命令" in answer.body
    assert say("staff1", room, "/usr/bin 目录下的文件") == []
    assert say("staff1", room, "看一下 /doc 的用法") == []


def test_a_command_in_someone_elses_direct_room_is_answered_privately(
        demo: Any, api: Any, say: Any) -> None:
    room = api("clerk").post("/rooms", {"kind": "direct", "members": ["staff1"]}).json()["id"]
    assert say("clerk", room, "/help") == []
    assert set(Room.objects.get(id=room).members.values_list("user__username", flat=True)) == {
        "clerk", "staff1"}
    private = Message.objects.filter(room__kind="direct", sender__is_bot=True,
                                     room__members__user__username="clerk").get()
    assert "/doc" in private.body


def test_the_commands_are_offered_for_autocomplete(demo: Any, api: Any) -> None:
    offered = {c["name"]: c for c in api("clerk").get("/commands").json()}
    assert {"doc", "duban", "help"} <= set(offered)
    assert offered["doc"]["usage"].startswith("/doc") and offered["doc"]["help"]


def test_seed_demo_creates_the_bots(demo: Any) -> None:
    bots = {u.username: u for u in User.objects.filter(is_bot=True)}
    assert {"gongwen", "duban"} <= set(bots)
    assert bots["gongwen"].display_name == "公文助手" and not bots["gongwen"].has_usable_password()
