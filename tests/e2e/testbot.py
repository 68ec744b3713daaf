"""A tiny bot for the browser tests: it posts a card with a button, answers the press by
updating the card for everyone, and offers one command for the `/` autocomplete.

`python -m tests.e2e.testbot post-card <room id> [title] [card json]` posts a card (the server imports this
module through tests/e2e/asgi.py, so presses are handled there)."""

from __future__ import annotations

import sys
from typing import Any

CARD_TYPE = "e2e_check"
CONFIRMED = "已确认"


def handle(*, user: Any, message: Any, action: str, params: dict[str, Any]) -> dict[str, Any]:
    from django.db import transaction

    from hub.chat import actions
    from hub.chat.models import Message
    from hub.lib.errors import bad_request

    if action != "confirm":
        raise bad_request(f"未知操作：{action}")
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(id=message.id)
        card = dict(locked.card or {})
        if card.get("state") != CONFIRMED:
            card["state"] = CONFIRMED
            card["fields"] = [*card.get("fields", []), {"label": "确认人", "value": user.name}]
            card["actions"] = []
            Message.objects.filter(id=locked.id).update(card=card)
        return actions._announce_update(locked.id)


def install() -> None:
    from hub.chat import cards, commands

    cards.register(CARD_TYPE, handle)
    commands.register("e2ecard", "发一张测试卡片（浏览器测试用）", "/e2ecard [标题]")


def post_card(room_id: int, title: str, card: dict[str, Any] | None = None) -> int:
    from hub.chat import actions
    from hub.chat.models import Room
    from hub.org.models import User

    bot, _ = User.objects.get_or_create(
        username="e2ebot", defaults={"display_name": "测试机器人", "is_bot": True})
    room = Room.objects.get(id=room_id)
    actions.add_members(room=room, users=[bot])
    card = card or {
        "card_type": CARD_TYPE, "ref": 1, "title": title, "state": "待确认",
        "fields": [{"label": "事项", "value": "请确认已收到通知"}, {"label": "截止", "value": "今天 17:00"}],
        "actions": [{"action": "confirm", "label": "确认", "style": "primary"}],
    }
    result = actions.send_message(sender=bot, room_id=room.id, body=title, kind="card", card=card,
                                  check_rate=False)
    return int(result.message["id"])


if __name__ == "__main__":
    import django

    django.setup()
    if len(sys.argv) >= 3 and sys.argv[1] == "post-card":
        import json

        given = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
        print(post_card(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "测试卡片", given))
    else:
        sys.exit("usage: python -m tests.e2e.testbot post-card <room id> [title] [card json]")
