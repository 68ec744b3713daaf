"""Discussions in the archive: the kind 征求意见, registered with archive/registry.py. A closed
discussion is filed in the owning unit's archive with the question, each unit's reply, the
conclusion, the result of checking the owner's signature, and its thread (the replies and the
conclusion as they were posted). The owner and the unit's clerks, leaders and admins see the
entry."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from archive.registry import ArchivableKind, Filing, Logged, register
from bots.discussions.models import AskedUnit, Discussion
from bots.discussions.selectors import signature_dict
from hub.chat.models import Message
from hub.lib.times import iso
from hub.org.models import User
from hub.seals.signing import precise_iso

EVENT_LABELS = {"discussion.opened": "发起征求意见", "discussion.replied": "回复意见",
                "discussion.reminded": "催办", "discussion.closed": "形成结论",
                "discussion.archived": "归档"}
METADATA_ORDER = ("发起单位", "发起时间", "截止时间", "征求意见事项", "各单位意见", "结论",
                  "结束时间", "会话记录")


def thread_of(discussion: Discussion) -> list[dict[str, Any]]:
    """The owner's card's thread as it was posted: who, when, what."""
    if discussion.tracking_message_id is None:
        return []
    return [{"时间": iso(m.created_at), "发送人": m.sender.name, "内容": m.body}
            for m in Message.objects.filter(thread_id=discussion.tracking_message_id,
                                            deleted=False)
            .select_related("sender").order_by("seq")]


def prepare(discussion_id: int, actor: User | None, retention: str | None) -> Filing | None:
    discussion = (Discussion.objects.select_for_update(of=("self",))
                  .select_related("owner", "unit").filter(id=discussion_id).first())
    if (discussion is None or discussion.state != Discussion.State.CLOSED
            or discussion.unit is None):
        return None
    closed = timezone.localtime(discussion.closed_at or discussion.created_at)
    check = signature_dict(discussion) or {"valid": False, "reason": "没有签名记录"}
    replies = [{"单位": a.unit.name, "是否回复": "已回复" if a.replied_at else "未回复",
                "意见": a.reply if a.replied_at else "",
                "回复人": a.replied_by.name if a.replied_by else "", "时间": iso(a.replied_at)}
               for a in AskedUnit.objects.filter(discussion=discussion)
               .select_related("unit", "replied_by").order_by("position", "id")]
    number = f"征求意见〔{closed.year}〕{discussion.id}号"
    metadata = {
        "题名": discussion.title, "责任者": discussion.owner.name, "文件编号": number,
        "日期": closed.date().isoformat(), "文种": "征求意见", "密级": "非密",
        "发起单位": discussion.unit.name, "发起时间": iso(discussion.created_at),
        "截止时间": iso(discussion.deadline), "征求意见事项": discussion.question,
        "各单位意见": replies, "结论": discussion.conclusion,
        "结束时间": iso(discussion.closed_at), "会话记录": thread_of(discussion),
    }
    return Filing(unit=discussion.unit, year=closed.year, retention=retention or "10y",
                  title=discussion.title, number=number, doc_type="", day=closed.date(),
                  responsible=discussion.owner.name, secrecy="非密", metadata=metadata, files=[],
                  verified=bool(check["valid"]), detail=str(check["reason"]),
                  object_id=discussion.id)


def pending(filed: QuerySet[Any], limit: int) -> list[int]:
    return list(Discussion.objects.filter(state=Discussion.State.CLOSED, unit__isnull=False)
                .exclude(id__in=filed).order_by("closed_at", "id")
                .values_list("id", flat=True)[:limit])


def closed(rows: list[Logged]) -> list[int]:
    return [row.object_id for row in rows if row.object_id is not None]


def involved(user: User) -> QuerySet[Any]:
    return Discussion.objects.filter(owner=user).values("id")


def verify_now(discussion_id: int, hashes: dict[int, str]) -> tuple[bool, str]:
    discussion = Discussion.objects.filter(id=discussion_id).first()
    if discussion is None:
        return False, "征求意见已不存在"
    result = signature_dict(discussion) or {"valid": False, "reason": "没有签名记录"}
    return bool(result["valid"]), str(result["reason"])


def signatures(discussion_id: int) -> list[dict[str, Any]]:
    discussion = (Discussion.objects.select_related("signature", "signature__key",
                                                    "signature__key__user")
                  .filter(id=discussion_id).first())
    if discussion is None or discussion.signature is None:
        return []
    signature = discussion.signature
    key = signature.key
    return [{"type": "conclusion", "subject": signature.subject, "signer": key.user.username,
             "key_id": key.key_id, "alg": signature.alg, "public_key": key.public_key,
             "signed_at": precise_iso(signature.signed_at), "tbs": signature.tbs,
             "value": signature.value}]


def register_kind() -> None:
    register(ArchivableKind(
        kind="discussion", label="征求意见", class_code="ZQ", source_type="discussion",
        object_type="discussion", object_label="征求意见", prepare=prepare, pending=pending,
        events={"discussion.closed": closed}, verify=verify_now, signatures=signatures,
        audience="managers", involved=involved, event_labels=EVENT_LABELS,
        metadata_order=METADATA_ORDER))
