"""The compliance gate: what may cross between Huitong and Matrix.

One table of rules, read top to bottom; the first rule that applies decides, and what no rule
lets through is withheld (default deny). Everything withheld is written to the hash-chained
audit log (`matrix.withheld`, `matrix.refused`) with the rule that stopped it; the room
leaves a neutral notice or nothing, as its bridge is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.apps import apps

from hub.seals import audit

MARKS = ("秘密", "机密", "绝密")
# Cards that may leave, as a read-only summary (render.card_summary).
SUMMARY_CARDS = {"approval": "审批", "meeting": "会议通知"}
# Cards that never leave, whatever else holds.
NEVER_CARDS = frozenset({"document", "document_tracking"})

Kind = Literal["text", "card", "system", "edit", "reaction", "read", "typing", "join", "leave"]

# The neutral notice left where something was withheld, and the answer to classified input.
WITHHELD_NOTICE = "（此处有一条内容未转发）"
REFUSED_NOTICE = "本系统不用于处理涉密信息：这条内容含有密级标志，未转入汇通。"


@dataclass(frozen=True)
class Item:
    """Something about to cross: `texts` are its words (body, card fields, reaction key),
    `file_names` and `digests` (SHA-256) its files."""

    direction: Literal["out", "in"]
    kind: Kind
    texts: tuple[str, ...] = ()
    file_names: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    card_type: str | None = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rule: str
    reason: str


@dataclass(frozen=True)
class Rule:
    name: str
    applies: Callable[[Item], bool]
    allow: bool
    reason: str


def marked(texts: Sequence[str]) -> bool:
    return any(mark in text for text in texts for mark in MARKS)


def _classified(item: Item) -> bool:
    return marked(item.texts) or marked(item.file_names)


def _document_file(item: Item) -> bool:
    """A file with the same bytes (SHA-256) as any official document's attachment."""
    if not item.digests or not apps.is_installed("bots.documents"):
        return False
    files = apps.get_model("documents", "DocumentAttachment")
    return files.objects.filter(sha256__in=set(item.digests)).exists()


RULES: tuple[Rule, ...] = (
    Rule("document_card", lambda i: i.card_type in NEVER_CARDS, False,
         "公文卡片和公文跟踪卡片不出汇通"),
    Rule("classified_mark", _classified, False, "含有密级标志（秘密、机密、绝密）"),
    Rule("document_file", lambda i: i.direction == "out" and _document_file(i), False,
         "与公文附件相同的文件"),
    Rule("summary_card", lambda i: i.direction == "out" and i.kind == "card"
         and i.card_type in SUMMARY_CARDS, True, "审批和会议卡片以只读摘要转发"),
    Rule("chat_text", lambda i: i.kind in ("text", "edit") and i.card_type is None, True,
         "聊天消息、回复、编辑和文件"),
    Rule("signals", lambda i: i.kind in ("reaction", "read", "typing", "join", "leave"), True,
         "回应、已读位置、输入状态、进出房间"),
)
DEFAULT_DENY = Verdict(False, "default_deny", "未在放行规则之列")


def decide(item: Item) -> Verdict:
    for rule in RULES:
        if rule.applies(item):
            return Verdict(rule.allow, rule.name, rule.reason)
    return DEFAULT_DENY


def record(*, verdict: Verdict, direction: str, subject: str, actor_id: int | None,
           room_id: int, matrix_room_id: str, event_id: str = "") -> None:
    """Write what was withheld (outbound) or refused (inbound) to the audit log. Only the
    rule, the places and ids are kept, never the content itself."""
    data = {"rule": verdict.rule, "reason": verdict.reason, "room": room_id,
            "matrix_room": matrix_room_id}
    if event_id:
        data["matrix_event"] = event_id
    audit.append([audit.Event(
        event="matrix.withheld" if direction == "out" else "matrix.refused",
        subject=subject[:64], actor_id=actor_id, data=data)])
