"""The discussion cards: {card_type, ref, title, state, fields, actions} with extras.

- `discussion`: the question in each asked unit's room. Its clerks and leaders see 回复意见
  (`reply`, with `comment` as the reply) while it is open; once their unit replied the card
  says who replied and when, and the button becomes 修改回复 (a later reply replaces it).
- `discussion_tracking`: the owner's card in their direct room with the bot: 已回复 / 未回复
  by unit, 催办 (`remind`) while a unit has not replied, and 结束 (`close`, with `comment`
  as the conclusion). The replies and the conclusion follow as messages in its thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from bots.discussions.models import AskedUnit, Discussion
from hub.lib.times import iso

CARD_TYPE = "discussion"
TRACKING_CARD_TYPE = "discussion_tracking"
TEXT_CHARS = 300


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def excerpt(text: str, chars: int = TEXT_CHARS) -> str:
    return text if len(text) <= chars else text[:chars] + "……"


def summary(discussion: Discussion) -> str:
    return f"【征求意见】{discussion.title}"


def _head(discussion: Discussion, *, now: datetime) -> dict[str, Any]:
    unit = discussion.unit
    fields = [{"label": "发起单位", "value": unit.name if unit else ""},
              {"label": "发起人", "value": discussion.owner.name},
              {"label": "截止时间", "value": local_time(discussion.deadline)}]
    return {"ref": discussion.id, "title": discussion.title,
            "question": excerpt(discussion.question), "deadline": iso(discussion.deadline),
            "overdue": discussion.state == Discussion.State.OPEN and discussion.deadline < now,
            "owner": {"username": discussion.owner.username,
                      "display_name": discussion.owner.name},
            "unit": {"code": unit.code, "name": unit.name} if unit else None,
            "fields": fields}


def unit_card(discussion: Discussion, asked: AskedUnit, *, repliers: Sequence[int],
              now: datetime) -> dict[str, Any]:
    """The card in an asked unit's room; `repliers`: who may reply for the unit."""
    head = _head(discussion, now=now)
    closed = discussion.state == Discussion.State.CLOSED
    if asked.replied_at is not None:
        by = asked.replied_by.name if asked.replied_by else ""
        head["fields"].append({"label": "本单位意见",
                               "value": f"已回复（{by}，{local_time(asked.replied_at)}）"})
        head["fields"].append({"label": "回复内容", "value": excerpt(asked.reply)})
    else:
        head["fields"].append({"label": "本单位意见", "value": "未回复" if not closed else "未回复（已结束）"})
    if closed:
        head["fields"].append({"label": "结论", "value": excerpt(discussion.conclusion)})
        state, label = "closed", "已结束"
    elif asked.replied_at is not None:
        state, label = "replied", "已回复"
    else:
        state, label = "open", "请回复意见"
    actions = []
    if not closed and repliers:
        actions.append({"action": "reply", "label": "修改回复" if asked.replied_at else "回复意见",
                        "style": "default" if asked.replied_at else "primary",
                        "comment": "required", "users": sorted(set(repliers))})
    return {"card_type": CARD_TYPE, "state": state, "state_label": label,
            "unit_code": asked.unit.code, **head, "actions": actions}


def tracking_card(discussion: Discussion, asked: Sequence[AskedUnit], *,
                  now: datetime) -> dict[str, Any]:
    head = _head(discussion, now=now)
    replied = [a for a in asked if a.replied_at is not None]
    pending = [a for a in asked if a.replied_at is None]
    head["fields"] += [{"label": "已回复", "value": f"{len(replied)} 个单位"},
                       {"label": "未回复", "value": f"{len(pending)} 个单位"}]
    if pending:
        head["fields"].append({"label": "未回复单位",
                               "value": "、".join(a.unit.name for a in pending[:10])
                               + (f" 等{len(pending)}个单位" if len(pending) > 10 else "")})
    closed = discussion.state == Discussion.State.CLOSED
    if closed:
        head["fields"].append({"label": "结论", "value": excerpt(discussion.conclusion)})
    if discussion.reminders:
        head["fields"].append({"label": "催办", "value": f"{discussion.reminders}次，最近 "
                                                         f"{local_time(discussion.last_reminded_at)}"})
    actions = []
    if not closed:
        if pending:
            actions.append({"action": "remind", "label": "催办", "style": "default",
                            "users": [discussion.owner_id]})
        actions.append({"action": "close", "label": "结束并形成结论", "style": "primary",
                        "comment": "required", "users": [discussion.owner_id]})
    state = "closed" if closed else ("completed" if not pending else "open")
    label = {"closed": "已结束", "completed": "已全部回复", "open": "征求中"}[state]
    return {"card_type": TRACKING_CARD_TYPE, "state": state, "state_label": label,
            "totals": {"asked": len(asked), "replied": len(replied), "pending": len(pending)},
            "units": [{"unit": a.unit.code, "name": a.unit.name,
                       "replied": a.replied_at is not None} for a in asked],
            **head, "actions": actions}
