"""征求意见助手: the bot that puts a discussion's question to the units and collects replies."""

from __future__ import annotations

from bots.runtime import Bot

DISCUSSION_BOT = "zhengqiu"

discussionbot = Bot(username=DISCUSSION_BOT, display_name="征求意见助手", title="征求意见机器人")
