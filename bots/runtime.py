"""The bot runtime: bots, their commands, and the context they act through.

A `Bot` is a user account plus handlers. It declares its commands (name, one-line help,
usage, longer details for `/help name`); `register_bot` offers them to the clients for
autocomplete and asks the core to hand over messages that start with `/name`. A handler
receives a `CommandContext` and acts only through it (and the hub's services): posting in
rooms, writing to people directly, updating its cards.

    docbot = Bot(username="gongwen", display_name="公文助手")

    @docbot.command("doc", help="公文：发文、查询、校验", usage="/doc send …")
    def doc(ctx: CommandContext) -> None:
        ctx.reply("……")

    register_bot(docbot)   # in the plugin's AppConfig.ready()
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from bots import clock, jobs
from bots.parsing import Parsed, ParseError, parse
from hub.chat import actions as chat
from hub.chat import commands as command_registry
from hub.chat.models import Room, RoomMember
from hub.lib.errors import ApiError
from hub.org.models import User

logger = logging.getLogger("bots")


@dataclass(frozen=True)
class BotCommand:
    name: str
    help: str
    usage: str
    details: str
    handler: Callable[[CommandContext], None]
    bot: Bot


class Bot:
    """A user plus handlers. The user is made on first use (and by `seed_demo`)."""

    def __init__(self, *, username: str, display_name: str, title: str = "") -> None:
        self.username = username
        self.display_name = display_name
        self.title = title
        self.commands: dict[str, BotCommand] = {}

    def command(self, name: str, *, help: str, usage: str = "",  # noqa: A002
                details: str = "") -> Callable[[Callable[[CommandContext], None]],
                                               Callable[[CommandContext], None]]:
        def decorate(fn: Callable[[CommandContext], None]) -> Callable[[CommandContext], None]:
            self.commands[name] = BotCommand(name=name, help=help, usage=usage or f"/{name}",
                                             details=details, handler=fn, bot=self)
            return fn

        return decorate

    def user(self) -> User:
        user = User.objects.filter(username=self.username).first()
        if user is not None:
            return user
        user, created = User.objects.get_or_create(
            username=self.username,
            defaults={"display_name": self.display_name, "title": self.title, "is_bot": True})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

    def context(self) -> BotContext:
        return BotContext(bot=self)

    def __repr__(self) -> str:
        return f"<Bot {self.username}>"


# --- what a bot may do ----------------------------------------------------------------------------
@dataclass
class BotContext:
    """Everything a bot does to rooms goes through here, as the bot's user, through the
    hub's chat actions."""

    bot: Bot
    _user: User | None = field(default=None, repr=False)

    @property
    def user(self) -> User:
        if self._user is None:
            self._user = self.bot.user()
        return self._user

    def join(self, room_ids: Iterable[int]) -> None:
        """Make the bot a member of rooms it is not in yet (unit rooms, groups, channels;
        never someone else's direct room). Unit rooms follow unit membership, so the core
        takes the bot out again when a unit's people change; it rejoins when it next posts."""
        wanted = set(room_ids)
        present = set(RoomMember.objects.filter(room_id__in=wanted, user=self.user)
                      .values_list("room_id", flat=True))
        missing = Room.objects.filter(id__in=wanted - present).exclude(kind=Room.Kind.DIRECT)
        for room in missing.order_by("id"):
            chat.add_members(room=room, users=[self.user])

    def post(self, *, room_id: int, body: str, card: dict[str, Any] | None = None,
             attachment_ids: list[int] | None = None, markdown: bool = True,
             join: bool = True) -> dict[str, Any]:
        """A message (or a card, with `body` as its plain-text summary) in a room, joining
        it first unless `join` is False (the caller has joined many rooms at once)."""
        if join:
            self.join([room_id])
        return self._send(room_id=room_id, body=body, card=card, attachment_ids=attachment_ids,
                          markdown=markdown)

    def _send(self, *, room_id: int, body: str, card: dict[str, Any] | None,
              attachment_ids: list[int] | None, markdown: bool) -> dict[str, Any]:
        kind = "card" if card is not None else "text"
        text_html = None if markdown and card is None else f"<p>{html.escape(body)}</p>"
        return chat.send_message(sender=self.user, room_id=room_id, body=body, kind=kind,
                                 card=card, attachment_ids=attachment_ids, html=text_html,
                                 check_rate=False).message

    def direct_room(self, *, user: User) -> int:
        room, _ = chat.create_room(creator=self.user, name="", kind=Room.Kind.DIRECT,
                                   members=[user.username])
        return int(room["id"])

    def direct(self, *, user: User, body: str, card: dict[str, Any] | None = None,
               markdown: bool = True) -> dict[str, Any]:
        """A message to one person, in their direct room with the bot."""
        room_id = self.direct_room(user=user)
        return self._send(room_id=room_id, body=body, card=card, attachment_ids=None,
                          markdown=markdown)

    def update_card(self, *, message_id: int, card: dict[str, Any]) -> dict[str, Any]:
        return chat.update_card(message_id=message_id, card=card)


@dataclass
class CommandContext(BotContext):
    """A bot answering one command message."""

    sender: User | None = None
    room_id: int = 0
    message: dict[str, Any] = field(default_factory=dict)
    command: Parsed | None = None

    def reply(self, body: str, *, card: dict[str, Any] | None = None) -> dict[str, Any]:
        """Answer in the room of the command; in someone else's direct room, answer the
        sender in their direct room with the bot instead."""
        room = Room.objects.filter(id=self.room_id).first()
        if room is None or (room.kind == Room.Kind.DIRECT and not RoomMember.objects.filter(
                room=room, user=self.user).exists()):
            assert self.sender is not None
            return self.direct(user=self.sender, body=body, card=card)
        return self.post(room_id=room.id, body=body, card=card)


# --- the registry ---------------------------------------------------------------------------------
_bots: dict[str, Bot] = {}
_commands: dict[str, BotCommand] = {}


def register_bot(bot: Bot) -> None:
    """Offer the bot's commands to the clients and take the messages that start with them."""
    _bots[bot.username] = bot
    for name, command in bot.commands.items():
        _commands[name] = command
        command_registry.register(name, command.help, command.usage)
        command_registry.register_handler(name, _enqueue(name))


def unregister_bot(bot: Bot) -> None:
    """Take a bot's commands back (tests, or a plugin switched off)."""
    _bots.pop(bot.username, None)
    for name in bot.commands:
        if _commands.get(name) is not None and _commands[name].bot is bot:
            del _commands[name]
            command_registry.unregister(name)
            command_registry.unregister_handler(name)


def bots() -> list[Bot]:
    return list(_bots.values())


def get_bot(username: str) -> Bot:
    return _bots[username]


def ensure_bot_users(password: str = "") -> None:
    """Every registered bot has its user (a `seed_demo` hook; bots log in with no password)."""
    for bot in _bots.values():
        bot.user()


# --- commands run as stored jobs ------------------------------------------------------------------
# The core hands a command message over inside the transaction that stores it; the runtime
# stores a job there and the worker runs it (every 0.2 s), so the sender's ack never waits for
# the command, and a command survives a worker restart: the job commits with the message and
# is marked done in the transaction that runs it (bots/jobs.py).
COMMAND_JOB = "bots.command"


def _enqueue(name: str) -> Callable[..., None]:
    def handle(*, sender: User, message: dict[str, Any]) -> None:
        jobs.schedule(kind=COMMAND_JOB, run_at=clock.now(), payload={
            "command": name, "sender": sender.id,
            "message": {"id": message.get("id"), "room": int(message["room"]),
                        "body": message.get("body") or "",
                        "attachments": [{"id": a["id"]} for a in message.get("attachments") or []]},
        })

    return handle


def run_command_job(due: jobs.Due) -> None:
    """The job: answer one command message as its bot."""
    sender = User.objects.filter(id=int(due.payload["sender"])).first()
    if sender is None:
        return
    name, message = str(due.payload["command"]), dict(due.payload["message"])
    if name == "help":
        _help(sender=sender, message=message)
    elif name in _commands:
        run_command(_commands[name], sender=sender, message=message)
    else:
        _unknown(sender=sender, message=message)


def run_commands() -> int:
    """The worker's turn for commands: every command waiting, oldest first."""
    return jobs.run_due(kinds=[COMMAND_JOB])


def run_command(command: BotCommand, *, sender: User, message: dict[str, Any]) -> None:
    """Run a command's handler; a failure rolls back what it wrote and answers the sender."""
    ctx = CommandContext(bot=command.bot, sender=sender, room_id=int(message["room"]),
                         message=message)
    try:
        ctx.command = parse(message.get("body") or "")
        with transaction.atomic():
            command.handler(ctx)
    except ParseError as error:
        ctx.reply(f"命令格式有误：{error}。输入 `/help {command.name}` 查看用法。")
    except ApiError as error:
        ctx.reply(f"⚠️ {error.detail}")
    except Exception:
        logger.exception("/%s from user %s failed", command.name, sender.id)
        try:
            ctx.reply("⚠️ 处理命令时出错，请稍后再试或联系管理员。")
        except Exception:
            logger.exception("could not answer /%s", command.name)


# --- /help and unknown commands -------------------------------------------------------------------
def help_text(name: str | None = None) -> str:
    if name:
        name = name.lstrip("/／").lower()
        command = _commands.get(name)
        if command is None:
            return f"没有 /{name} 这个命令。输入 `/help` 查看全部命令。"
        lines = [f"**/{command.name}** — {command.help}（{command.bot.display_name}）",
                 "", f"用法：`{command.usage}`"]
        if command.details:
            lines += ["", command.details]
        return "\n".join(lines)
    lines = ["**可用命令**（输入 `/help 命令名` 查看详细用法）", ""]
    for command in sorted(_commands.values(), key=lambda c: c.name):
        lines.append(f"- `/{command.name}` — {command.help}")
    lines.append("- `/help` — 列出全部命令；`/help 命令名` 查看用法")
    return "\n".join(lines)


def _first_bot() -> Bot | None:
    return next(iter(_bots.values()), None)


def _help(*, sender: User, message: dict[str, Any]) -> None:
    bot = _first_bot()
    if bot is None:
        return
    ctx = CommandContext(bot=bot, sender=sender, room_id=int(message["room"]), message=message)
    try:
        parsed = parse(message.get("body") or "")
    except ParseError as error:
        ctx.reply(f"命令格式有误：{error}")
        return
    ctx.reply(help_text(parsed.args[0] if parsed.args else None))


def _unknown(*, sender: User, message: dict[str, Any]) -> None:
    name = command_registry.command_name(message.get("body") or "")
    offered = {c["name"] for c in command_registry.all_commands()}
    if name in _commands:
        return  # a bot's command whose bot was away when it was sent: not unknown
    bot = _first_bot()
    if bot is None or name is None or name in offered:
        return  # someone else's command, answered elsewhere
    ctx = CommandContext(bot=bot, sender=sender, room_id=int(message["room"]), message=message)
    ctx.reply(f"没有 /{name} 这个命令。输入 `/help` 查看全部命令。")


def install_help() -> None:
    command_registry.register("help", "列出机器人命令；/help 命令名 查看详细用法", "/help [命令名]")
    command_registry.register_handler("help", _enqueue("help"))
    command_registry.register_handler("*", _enqueue("*"))
    jobs.register(COMMAND_JOB, run_command_job)
