"""The two bots of this plugin and their commands: 公文助手 (`/doc`) and 督办助手 (`/duban`).

`/doc send` ends in the same service as `POST /api/v1/documents`; files attached to the
command message become the document's attachments.
"""

from __future__ import annotations

from bots import clock
from bots.documents import cards, groups, rules, sealing, selectors, services
from bots.documents.common import DOC_BOT, SUPERVISION_BOT
from bots.documents.models import DOC_TYPES, Delivery, Document
from bots.documents.schemas import DocumentIn
from bots.parsing import split_list, yes
from bots.runtime import Bot, CommandContext, help_text
from hub.lib.errors import ApiError, bad_request, not_found

docbot = Bot(username=DOC_BOT, display_name="公文助手", title="公文收发机器人")
dubanbot = Bot(username=SUPERVISION_BOT, display_name="督办助手", title="督查督办机器人")

SEND_KEYS = {
    "doc_type": ("type", "doc_type", "文种"),
    "number": ("number", "no", "字号", "文号", "发文字号"),
    "title": ("title", "标题"),
    "recipients": ("to", "recipients", "主送", "主送机关", "收文单位"),
    "cc": ("cc", "抄送", "抄送机关"),
    "urgency": ("urgency", "紧急", "紧急程度"),
    "deadline": ("deadline", "期限", "办理期限", "截止"),
    "reply_required": ("reply", "reply_required", "答复", "需答复"),
    "signer": ("signer", "签发人"),
    "body": ("body", "正文", "内容"),
    "unit": ("unit", "单位", "发文单位"),
    "secrecy": ("secrecy", "密级"),
    "marks": ("marks", "标注"),
    "notes": ("notes", "附注"),
    "date": ("date", "成文日期"),
    "sign_within_minutes": ("sign_within", "签收时限"),
}
KNOWN_KEYS = {alias for aliases in SEND_KEYS.values() for alias in aliases}

DOC_DETAILS = """\
- `/doc send 文种:通知 字号:“区府办〔2026〕12号” 标题:“关于……的通知” 主送:全部乡镇,wsj 抄送:wtj 紧急:加急 期限:2026-12-01 答复:是 正文:“……”` — 加盖本单位电子印章并分送；把附件和命令一起发送即成为公文附件
- `/doc list [sent|received]` — 本单位最近的发文和收文
- `/doc show 编号或发文字号` — 公文及各单位办理情况
- `/doc verify 编号或发文字号` — 校验电子印章与内容是否被改动
- `/doc remind 编号或发文字号` — 催办未签收、未办结的单位
- `/doc types` — 15 种法定文种；`/doc groups` — 可用的收文单位分组

参数写作 `键:值` 或 `键：值`，值中有空格时加引号（"" 或 “”）；多个单位用逗号（, ， 、）分隔。
主送可写单位代码、全称、简称或分组（全部乡镇、全部部门、全部单位）。"""


@docbot.command("doc", help="公文：发文、查询办理情况、校验电子印章", usage="/doc send|list|show|verify|remind …",
                details=DOC_DETAILS)
def doc(ctx: CommandContext) -> None:
    assert ctx.command is not None and ctx.sender is not None
    args = ctx.command.args
    sub = args[0].lower() if args else "help"
    rest = args[1:]
    if sub in ("send", "发文", "发送"):
        _send(ctx)
    elif sub in ("list", "列表", "ls"):
        _list(ctx, rest[0] if rest else "all")
    elif sub in ("show", "查看", "详情"):
        _show(ctx, _ref(rest))
    elif sub in ("verify", "校验", "验章"):
        _verify(ctx, _ref(rest))
    elif sub in ("remind", "催办"):
        _remind(ctx, _ref(rest))
    elif sub in ("types", "文种"):
        ctx.reply("15 种法定文种：" + "、".join(DOC_TYPES))
    elif sub in ("groups", "分组"):
        lines = ["**收文单位分组**（主送、抄送中可直接写分组名）"]
        for group in groups.groups_dicts():
            units = group["units"]
            assert isinstance(units, list)
            lines.append(f"- {group['name']}（`{group['code']}`）：{len(units)} 个单位")
        ctx.reply("\n".join(lines))
    elif sub in ("help", "帮助"):
        ctx.reply(help_text("doc"))
    else:
        raise bad_request(f"不认识的子命令 {sub}。输入 /help doc 查看用法")


def _ref(rest: list[str]) -> str:
    if not rest:
        raise bad_request("请给出公文编号或发文字号，例如 /doc show 12")
    return "".join(rest)


def _find(ctx: CommandContext, ref: str) -> Document:
    assert ctx.sender is not None
    ref = ref.strip().lstrip("#")
    if ref.isdigit():
        document, _ = selectors.access_document(user=ctx.sender, document_id=int(ref))
        return document
    try:
        number = rules.parse_number(ref, today_year=9999).canonical
    except ApiError:
        number = ref
    visible = selectors.documents_for(user=ctx.sender, box="all", q=number, limit=5, offset=0)
    exact = [r for r in visible["results"] if r["number"] == number]
    if not exact:
        raise not_found("公文")
    document, _ = selectors.access_document(user=ctx.sender, document_id=exact[0]["id"])
    return document


def _send(ctx: CommandContext) -> None:
    assert ctx.command is not None and ctx.sender is not None
    kwargs = ctx.command.kwargs
    unknown = sorted(set(kwargs) - KNOWN_KEYS)
    if unknown:
        raise bad_request("不认识的参数：" + "、".join(unknown) + "。输入 /help doc 查看用法")
    values: dict[str, object] = {}
    for field, aliases in SEND_KEYS.items():
        value = ctx.command.get(*aliases)
        if value is None:
            continue
        if field in ("recipients", "cc"):
            values[field] = split_list(value)
        elif field == "reply_required":
            values[field] = yes(value)
        elif field == "sign_within_minutes":
            if not value.isdigit():
                raise bad_request("签收时限请写分钟数，例如 签收时限:60")
            values[field] = int(value)
        else:
            values[field] = value
    values["attachments"] = [a["id"] for a in ctx.message.get("attachments") or []]
    data = DocumentIn.model_validate(values)
    document = services.send_document(sender=ctx.sender, data=data)
    main = [d for d in document.deliveries.select_related("unit") if d.kind == Delivery.Kind.MAIN]
    cc = [d for d in document.deliveries.select_related("unit") if d.kind == Delivery.Kind.CC]
    names = "、".join(d.unit.short_name or d.unit.name for d in main[:10])
    if len(main) > 10:
        names += f" 等 {len(main)} 个单位"
    text = (f"✅ 已发送 {services.summary(document)}（#{document.id}）\n\n"
            f"主送 {len(main)} 个单位：{names}" + (f"；抄送 {len(cc)} 个单位" if cc else "")
            + f"。\n已加盖{document.unit.name}电子印章，办理情况见单位群中的跟踪卡片，"
              f"或输入 `/doc show {document.id}`。")
    ctx.reply(text)


def _list(ctx: CommandContext, box: str) -> None:
    assert ctx.sender is not None
    box = {"sent": "sent", "发文": "sent", "received": "received", "收文": "received"}.get(box, "all")
    found = selectors.documents_for(user=ctx.sender, box=box, q="", limit=10, offset=0)
    if not found["results"]:
        ctx.reply("暂无公文。")
        return
    lines = [f"**最近的公文**（共 {found['total']} 件）"]
    for item in found["results"]:
        if item["box"] == "sent":
            t = item["totals"]
            state = f"发文 · 已签收 {t['signed']}/{t['recipients']} · 已办结 {t['handled']}"
            if t["overdue"]:
                state += f" · 逾期 {t['overdue']}"
        else:
            state = "收文 · " + "、".join(cards.STATE_LABELS[m["state"]] for m in item["mine"])
        lines.append(f"- #{item['id']} 【{item['doc_type']}】{item['title']}（{item['number']}）· {state}")
    ctx.reply("\n".join(lines))


def _show(ctx: CommandContext, ref: str) -> None:
    assert ctx.sender is not None
    document = _find(ctx, ref)
    _, access = selectors.access_document(user=ctx.sender, document_id=document.id)
    data = selectors.document_dict(document, access, with_log=False)
    lines = [f"**{services.summary(document)}** #{document.id}",
             f"发文单位：{document.unit.name}　成文日期：{rules.chinese_date(document.issued_on)}"]
    if document.deadline:
        lines.append(f"办理期限：{rules.local_time(document.deadline)}")
    if data["totals"]:
        t = data["totals"]
        lines.append(f"送达 {t['delivered']} · 已签收 {t['signed']} · 已办结 {t['handled']} · "
                     f"退回 {t['returned']} · 逾期 {t['overdue']}")
    for r in data["recipients"][:30]:
        flag = "（逾期）" if r["overdue"] else ""
        lines.append(f"- {r['unit']['name']}：{r['state_label']}{flag}")
    if len(data["recipients"]) > 30:
        lines.append(f"- ……共 {len(data['recipients'])} 个单位")
    ctx.reply("\n".join(lines))


def _verify(ctx: CommandContext, ref: str) -> None:
    document = _find(ctx, ref)
    result = sealing.verify(document)
    mark = "✅ 签章有效" if result.valid else "❌ 签章无效"
    ctx.reply(f"{mark}：{services.summary(document)}\n\n{result.reason}。"
              f"印章：{result.unit_name}（{result.alg}，{result.key_id}）")


def _remind(ctx: CommandContext, ref: str) -> None:
    assert ctx.sender is not None
    document = _find(ctx, ref)
    count = services.remind(user=ctx.sender, document_id=document.id)
    if count:
        ctx.reply(f"已催办 {count} 个单位：{services.summary(document)}")
    else:
        ctx.reply("没有需要催办的单位，或 5 分钟内已催办过。")


@dubanbot.command("duban", help="督办：本单位待签收、逾期的公文", usage="/duban")
def duban(ctx: CommandContext) -> None:
    assert ctx.sender is not None
    now = clock.now()
    found = selectors.documents_for(user=ctx.sender, box="all", q="", limit=200, offset=0)
    lines = []
    for item in found["results"]:
        if item["box"] == "sent" and item["totals"] and (
                item["totals"]["overdue"] or item["totals"]["unsigned"]):
            t = item["totals"]
            lines.append(f"- 发文 #{item['id']} {item['title']}（{item['number']}）："
                         f"待签收 {t['unsigned']}，逾期 {t['overdue']}")
        for mine in item["mine"] if item["box"] == "received" else []:
            if mine["state"] in ("delivered",) or mine["overdue"]:
                state = cards.STATE_LABELS[mine["state"]] + ("，已逾期" if mine["overdue"] else "")
                lines.append(f"- 收文 #{item['id']} {item['title']}（{item['number']}）：{state}")
    if not lines:
        ctx.reply(f"截至 {rules.local_time(now)}，没有待签收或逾期的公文。")
        return
    ctx.reply("**督办事项**\n" + "\n".join(lines[:40]))
