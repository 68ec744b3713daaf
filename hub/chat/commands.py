"""Bot commands the clients offer for autocomplete: bots register theirs when they start.

The core runs no command itself; a registered command is a promise that some bot answers
messages starting with `/<name>` (the bots' runtime does it later, as a stored job). The web client lists them from `GET /api/v1/commands`,
so a new bot's commands appear without client changes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
logger = logging.getLogger("hub.commands")


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    usage: str


_commands: dict[str, Command] = {}


def register(name: str, help: str, usage: str = "") -> None:  # noqa: A002
    """Offer `/name` to the clients; `help` is one line, `usage` the arguments
    (e.g. `/doc send <发文字号>`). Registering a name again replaces it."""
    if not NAME_RE.match(name):
        raise ValueError(f"bad command name {name!r}: lowercase letters, digits, _ and -")
    _commands[name] = Command(name=name, help=help, usage=usage or f"/{name}")


def unregister(name: str) -> None:
    _commands.pop(name, None)


def all_commands() -> list[dict[str, Any]]:
    """Every registered command as `{"name", "help", "usage"}`, by name."""
    # str() resolves lazy translations, so a bot may register gettext_lazy help text.
    return [{k: str(v) for k, v in asdict(c).items()} for _, c in sorted(_commands.items())]


# --- running commands ----------------------------------------------------------------------------
# A bot that answers `/name` registers a handler; send_message hands it every text message
# whose body starts with `/name` inside the transaction that stores the message. The handler
# only stores the work (the bots' runtime stores a job, which the worker runs): the sender's
# ack never waits for what the command does, and the work commits with the message or not at
# all. "*" catches commands no handler claims (to answer "unknown command").
CommandHandler = Callable[..., None]  # handler(*, sender: User, message: Message dict)
_handlers: dict[str, CommandHandler] = {}
COMMAND_RE = re.compile(r"^[/／]([A-Za-z][A-Za-z0-9_-]{0,31})(?:\s|$)")


def register_handler(name: str, handler: CommandHandler) -> None:
    if name != "*" and not NAME_RE.match(name):
        raise ValueError(f"bad command name {name!r}")
    _handlers[name] = handler


def unregister_handler(name: str) -> None:
    _handlers.pop(name, None)


def command_name(body: str) -> str | None:
    """`doc` for "/doc send ..." (also after a full-width slash), else None."""
    match = COMMAND_RE.match(body.lstrip())
    return match.group(1).lower() if match else None


def dispatch(*, sender: Any, message: dict[str, Any]) -> bool:
    """Hand a command message to its handler, inside the caller's transaction; True if one
    took it. A failing handler is logged, never raised, and what it wrote is rolled back: the
    message is stored whatever the bot does."""
    if getattr(sender, "is_bot", False):
        return False
    name = command_name(message.get("body") or "")
    if name is None:
        return False
    handler = _handlers.get(name) or _handlers.get("*")
    if handler is None:
        return False
    try:
        with transaction.atomic():
            handler(sender=sender, message=message)
    except Exception:
        logger.exception("command /%s from user %s failed", name, getattr(sender, "id", None))
    return True
