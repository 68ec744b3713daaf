"""Card actions: the core knows cards only through handlers that bots register.

A handler is told who pressed which button on which card message; it checks the presser's
right and the card's state, applies the action once, and returns the updated Message.
"""

from __future__ import annotations

from typing import Any, Protocol

from hub.chat.access import access_message
from hub.chat.models import Message
from hub.lib.errors import bad_request
from hub.org.models import User


class CardHandler(Protocol):
    def __call__(self, *, user: User, message: Message, action: str,
                 params: dict[str, Any]) -> dict[str, Any]: ...


_handlers: dict[str, CardHandler] = {}


def register(card_type: str, handler: CardHandler) -> None:
    _handlers[card_type] = handler


def for_viewer(message: dict[str, Any], viewer_id: int | None) -> dict[str, Any]:
    """The message as one person sees it: a card action that names the people who may take
    it (`"users": [id, ...]`) is shown only to them, and the list itself to nobody."""
    card = message.get("card")
    if not card or not card.get("actions"):
        return message
    actions = [
        {k: v for k, v in action.items() if k != "users"}
        for action in card["actions"]
        if "users" not in action or (viewer_id is not None and viewer_id in action["users"])
    ]
    return {**message, "card": {**card, "actions": actions}}


def restricted_viewers(message: dict[str, Any]) -> set[int]:
    """Everyone who sees some action on the card that others do not."""
    card = message.get("card") or {}
    return {u for action in card.get("actions") or () for u in action.get("users", ())}


def press(*, user: User, message_id: Any, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Press a button on a card the caller can see (`not_found` otherwise)."""
    message, _ = access_message(user_id=user.id, message_id=message_id)
    card = message.card if message.kind == Message.Kind.CARD and not message.deleted else None
    if not card:
        raise bad_request("这条消息不是卡片，没有可执行的操作")
    handler = _handlers.get(card.get("card_type", ""))
    if handler is None:
        raise bad_request("此卡片暂不支持操作")
    return for_viewer(handler(user=user, message=message, action=action, params=params), user.id)
