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


def press(*, user: User, message_id: Any, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Press a button on a card the caller can see (`not_found` otherwise)."""
    message, _ = access_message(user_id=user.id, message_id=message_id)
    card = message.card if message.kind == Message.Kind.CARD and not message.deleted else None
    if not card:
        raise bad_request("这条消息不是卡片，没有可执行的操作")
    handler = _handlers.get(card.get("card_type", ""))
    if handler is None:
        raise bad_request("此卡片暂不支持操作")
    return handler(user=user, message=message, action=action, params=params)
