"""审批助手 (`/approve`): approval requests from the chat. `/approve new` ends in the same
service as `POST /api/v1/approvals`; the card goes to the room of the command (unless it is
a direct room) and to each approver in turn."""

from __future__ import annotations

from bots.approvals import cards, selectors, services
from bots.approvals.common import APPROVAL_BOT
from bots.approvals.schemas import ApprovalIn, DelegationIn
from bots.runtime import Bot, CommandContext, help_text
from hub.chat.models import Room
from hub.lib.errors import bad_request

approvalbot = Bot(username=APPROVAL_BOT, display_name="审批助手", title="审批机器人")

DETAILS = """\
- `/approve new 标题:“购置办公设备” 内容:“……” 审批人:“staff1 > leader,staff2 > staff3|staff4”` — 发起审批：`>` 分隔步骤（依次审批），`,` 为会签（都须同意），`|` 为或签（一人决定即可）；把附件和命令一起发送即成为审批附件
- `/approve list [todo|mine|done]` — 待我审批、我发起的、我已审批的
- `/approve show 编号` — 审批详情与各步骤意见
- `/approve verify 编号` — 校验每一项审批决定的个人签名
- `/approve delegate 用户名 至:2026-12-05T18:00 [从:…] [说明:…]` — 外出期间委托他人代批
- `/approve undelegate 委托编号` — 撤销委托

审批人在卡片上选择同意、退回或不同意，可填写意见或选用常用语；每项决定都以审批人的个人密钥签名并记入审计日志。"""


@approvalbot.command("approve", help="审批：发起、会签或签、代批、签名校验",
                     usage="/approve new|list|show|verify|delegate|undelegate …", details=DETAILS)
def approve(ctx: CommandContext) -> None:
    assert ctx.command is not None and ctx.sender is not None
    args = ctx.command.args
    sub = args[0].lower() if args else "help"
    rest = args[1:]
    if sub in ("new", "发起", "申请", "send"):
        _new(ctx)
    elif sub in ("list", "列表", "ls"):
        _list(ctx, rest[0] if rest else "all")
    elif sub in ("show", "查看", "详情"):
        _show(ctx, _ref(rest))
    elif sub in ("verify", "校验", "验签"):
        _verify(ctx, _ref(rest))
    elif sub in ("delegate", "委托", "代批"):
        _delegate(ctx, rest)
    elif sub in ("undelegate", "撤销委托"):
        found = services.revoke_delegation(user=ctx.sender, delegation_id=_ref(rest))
        ctx.reply(f"已撤销委托 #{found.id}（{found.deputy.name}）。")
    elif sub in ("help", "帮助"):
        ctx.reply(help_text("approve"))
    else:
        raise bad_request(f"不认识的子命令 {sub}。输入 /help approve 查看用法")


def _ref(rest: list[str]) -> int:
    text = rest[0].lstrip("#") if rest else ""
    if not text.isdigit():
        raise bad_request("请给出编号，例如 /approve show 12")
    return int(text)


def _new(ctx: CommandContext) -> None:
    assert ctx.command is not None and ctx.sender is not None
    steps = ctx.command.get("steps", "approvers", "审批人", "步骤", "审批")
    data = ApprovalIn.model_validate({
        "title": ctx.command.get("title", "标题", "事项") or "",
        "body": ctx.command.get("body", "内容", "正文", "事由") or "",
        "steps": services.parse_steps(steps or ""),
        "attachments": [a["id"] for a in ctx.message.get("attachments") or []],
    })
    room = Room.objects.filter(id=ctx.room_id).values_list("kind", flat=True).first()
    room_id = ctx.room_id if room is not None and room != Room.Kind.DIRECT else None
    found = services.submit(requester=ctx.sender, data=data, room_id=room_id)
    count = found.steps.filter(round=1).count()
    ctx.reply(f"✅ 已发起审批“{found.title}”（#{found.id}），共 {count} 步；"
              "审批进展会在卡片上实时更新，结果会私信告诉您。")


def _list(ctx: CommandContext, box: str) -> None:
    assert ctx.sender is not None
    box = {"todo": "todo", "待办": "todo", "待审批": "todo", "mine": "mine", "我发起的": "mine",
           "done": "done", "已审批": "done"}.get(box, "all")
    found = selectors.approvals_for(user=ctx.sender, box=box, limit=10, offset=0)
    if not found["results"]:
        ctx.reply("暂无审批。")
        return
    lines = [f"**审批**（共 {found['total']} 件）"]
    for item in found["results"]:
        mark = " · 待我审批" if item["awaiting_me"] else ""
        lines.append(f"- #{item['id']} {item['title']}（{item['requester']['display_name']}）· "
                     f"{item['state_label']}{mark}")
    ctx.reply("\n".join(lines))


def _show(ctx: CommandContext, approval_id: int) -> None:
    assert ctx.sender is not None
    found = selectors.access_approval(user=ctx.sender, approval_id=approval_id)
    data = selectors.approval_dict(found, viewer=ctx.sender, with_log=False)
    lines = [f"**{found.title}** #{found.id} · {data['state_label']}",
             f"申请人：{found.requester.name}"]
    for step in data["steps"]:
        names = "；".join(
            f"{a['user']['display_name']}：{a['decision_label']}"
            + (f"（{a['decided_by']['display_name']}代批）" if a["proxy"] else "")
            + (f"“{a['comment']}”" if a["comment"] else "") for a in step["approvers"])
        lines.append(f"- 第{step['index'] + 1}步（{step['mode_label']}）：{names}")
    ctx.reply("\n".join(lines))


def _verify(ctx: CommandContext, approval_id: int) -> None:
    assert ctx.sender is not None
    found = selectors.access_approval(user=ctx.sender, approval_id=approval_id)
    result = selectors.verify(found)
    mark = "✅ 签名有效" if result["valid"] else "❌ 签名无效"
    ctx.reply(f"{mark}：{found.title}（共 {len(result['decisions'])} 项审批决定）。{result['reason']}")


def _delegate(ctx: CommandContext, rest: list[str]) -> None:
    assert ctx.command is not None and ctx.sender is not None
    deputy = ctx.command.get("deputy", "代批人", "to") or (rest[0] if rest else "")
    data = DelegationIn.model_validate({
        "deputy": deputy, "start": ctx.command.get("from", "start", "从", "开始"),
        "end": ctx.command.get("until", "end", "至", "到", "结束") or "",
        "note": ctx.command.get("note", "说明") or ""})
    found = services.delegate(principal=ctx.sender, data=data)
    ctx.reply(f"已委托{found.deputy.name}在 {cards.local_time(found.starts_at)} 至 "
              f"{cards.local_time(found.ends_at)} 期间代为审批（委托 #{found.id}）。")
