"""会议助手 (`/meeting`): meeting notices from the chat. `/meeting new` ends in the same
service as `POST /api/v1/meetings`; files sent with the command become the materials."""

from __future__ import annotations

from bots.meetings import cards, selectors, services
from bots.meetings.common import MEETING_BOT
from bots.meetings.schemas import MeetingIn
from bots.parsing import split_list
from bots.runtime import Bot, CommandContext, help_text
from hub.lib.errors import bad_request

meetingbot = Bot(username=MEETING_BOT, display_name="会议助手", title="会议通知机器人")

NEW_KEYS = {
    "title": ("title", "标题", "名称", "会议"),
    "when": ("time", "when", "时间"),
    "start": ("start", "开始"),
    "end": ("end", "结束"),
    "location": ("location", "place", "地点"),
    "agenda": ("agenda", "议程", "内容"),
    "invitees": ("to", "invitees", "参会", "参会单位", "参加", "邀请"),
    "rsvp_by": ("rsvp", "rsvp_by", "回复截止", "截止"),
    "unit": ("unit", "单位", "组织单位"),
    "remind_before_minutes": ("remind", "提醒"),
}
KNOWN_KEYS = {alias for aliases in NEW_KEYS.values() for alias in aliases}

DETAILS = """\
- `/meeting new 标题:“全区安全生产工作会议” 时间:“2026-12-01 09:00-11:30” 地点:“区政府三楼会议室” 参会:全部乡镇,wsj,staff2 议程:“……” 回复截止:2026-11-30T17:00` — 发会议通知；把材料和命令一起发送即成为会议附件
- `/meeting list` — 本人组织或受邀的会议
- `/meeting show 编号` — 会议及回复情况
- `/meeting remind 编号` — 催复未回复的单位和人员
- `/meeting cancel 编号 原因:“……”` — 取消会议并通知全部参会单位和人员

参会可写单位代码、名称、简称、分组（全部乡镇、全部部门、全部单位）或人员用户名；单位由收发员或领导在卡片上回复并指明参会人员。
回复截止默认为会议开始前一个工作日（按节假日和调休安排计算）；会前提醒默认 60 分钟（提醒:分钟数，0 为不提醒）。"""


@meetingbot.command("meeting", help="会议通知：发通知、回执统计、催复、取消",
                    usage="/meeting new|list|show|remind|cancel …", details=DETAILS)
def meeting(ctx: CommandContext) -> None:
    assert ctx.command is not None and ctx.sender is not None
    args = ctx.command.args
    sub = args[0].lower() if args else "help"
    rest = args[1:]
    if sub in ("new", "send", "发", "发送", "通知", "新建"):
        _new(ctx)
    elif sub in ("list", "列表", "ls"):
        _list(ctx)
    elif sub in ("show", "查看", "详情"):
        _show(ctx, _ref(rest))
    elif sub in ("remind", "催复", "催办"):
        count = services.remind(user=ctx.sender, meeting_id=_ref(rest))
        ctx.reply(f"已催复 {count} 个单位或人员。" if count else "没有需要催复的，或 5 分钟内已催复过。")
    elif sub in ("cancel", "取消"):
        reason = ctx.command.get("reason", "原因", "理由") or " ".join(rest[1:])
        found = services.cancel_meeting(user=ctx.sender, meeting_id=_ref(rest), reason=reason)
        ctx.reply(f"已取消会议“{found.title}”，并通知了全部参会单位和人员。")
    elif sub in ("help", "帮助"):
        ctx.reply(help_text("meeting"))
    else:
        raise bad_request(f"不认识的子命令 {sub}。输入 /help meeting 查看用法")


def _ref(rest: list[str]) -> int:
    text = rest[0].lstrip("#") if rest else ""
    if not text.isdigit():
        raise bad_request("请给出会议编号，例如 /meeting show 12")
    return int(text)


def _new(ctx: CommandContext) -> None:
    assert ctx.command is not None and ctx.sender is not None
    unknown = sorted(set(ctx.command.kwargs) - KNOWN_KEYS)
    if unknown:
        raise bad_request("不认识的参数：" + "、".join(unknown) + "。输入 /help meeting 查看用法")
    values: dict[str, object] = {}
    for field, aliases in NEW_KEYS.items():
        value = ctx.command.get(*aliases)
        if value is None:
            continue
        if field == "when":
            start, end = services.parse_span(value)
            values["start"] = start.isoformat() if start else ""
            if end is not None:
                values["end"] = end.isoformat()
        elif field == "invitees":
            values[field] = split_list(value)
        elif field == "remind_before_minutes":
            if not value.isdigit():
                raise bad_request("提醒请写分钟数，例如 提醒:60")
            values[field] = int(value)
        else:
            values[field] = value
    values["attachments"] = [a["id"] for a in ctx.message.get("attachments") or []]
    found = services.create_meeting(organiser=ctx.sender, data=MeetingIn.model_validate(values))
    count = found.invitees.count()
    ctx.reply(f"✅ 已发出会议通知“{found.title}”（#{found.id}），{cards.span(found)}，"
              f"共邀请 {count} 个单位或人员；回复截止 {cards.when(found.rsvp_by)}。"
              f"回执情况见{found.unit.name}群中的回执卡片，或输入 `/meeting show {found.id}`。")


def _list(ctx: CommandContext) -> None:
    assert ctx.sender is not None
    found = selectors.meetings_for(user=ctx.sender, box="all", limit=10, offset=0)
    if not found["results"]:
        ctx.reply("暂无会议。")
        return
    lines = [f"**最近的会议**（共 {found['total']} 个）"]
    for item in found["results"]:
        state = "已取消" if item["state"] == "cancelled" else (
            "组织" if item["box"] == "organised" else "受邀")
        lines.append(f"- #{item['id']} {item['title']}（{item['unit']['name']}）· {state}")
    ctx.reply("\n".join(lines))


def _show(ctx: CommandContext, meeting_id: int) -> None:
    assert ctx.sender is not None
    found, access = selectors.access_meeting(user=ctx.sender, meeting_id=meeting_id)
    data = selectors.meeting_dict(found, access, viewer=ctx.sender, with_log=False)
    lines = [f"**{found.title}** #{found.id}", f"时间：{cards.span(found)}"]
    if found.location:
        lines.append(f"地点：{found.location}")
    lines.append(f"回复截止：{cards.when(found.rsvp_by)}")
    totals = data["roster"]["totals"]
    if totals:
        lines.append(f"邀请 {totals['invited']} · 参加 {totals['attending'] + totals['delegated']}"
                     f"（{totals['people']} 人）· 请假 {totals['declined']} · 未回复 {totals['pending']}")
    for entry in data["invitees"][:30]:
        lines.append(f"- {entry['name']}：{entry['answer']}")
    ctx.reply("\n".join(lines))
