"""通知助手: the bot that delivers notices (通知公告) and collects 收到."""

from __future__ import annotations

from bots.notices.common import NOTICE_BOT
from bots.runtime import Bot

noticebot = Bot(username=NOTICE_BOT, display_name="通知助手", title="通知公告机器人")
