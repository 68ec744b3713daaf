"""刊物助手: the bot that carries the electronic bulletins (约稿, 投稿, 签发, 印发, 催阅)."""

from __future__ import annotations

from bots.bulletins.common import BULLETIN_BOT
from bots.runtime import Bot

bulletinbot = Bot(username=BULLETIN_BOT, display_name="刊物助手", title="电子刊物机器人")
