"""Reads shared by the bulletin services, selectors, to-do provider, search and archive
modules: the bot, who edits and who signs, the labels. Nothing here writes."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from bots.bulletins.models import Decision, Issue, IssueItem, Publication
from bots.runtime import BotContext, get_bot
from hub.lib.errors import not_found
from hub.org.models import UnitMembership, User
from hub.seals.signing import precise_iso

BULLETIN_BOT = "kanwu"
MANAGER_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.LEADER,
                 UnitMembership.Role.ADMIN)


def bulletin_bot() -> BotContext:
    return get_bot(BULLETIN_BOT).context()


def publication_named(code: str) -> Publication:
    """Any logged-in person may see the publications (`GET /bulletins`)."""
    publication = Publication.objects.select_related("unit").filter(code=code).first()
    if publication is None:
        raise not_found("刊物")
    return publication


def editor_ids(publication: Publication) -> list[int]:
    return sorted(publication.editors.filter(is_active=True).values_list("id", flat=True))


def is_editor(user: User, publication: Publication) -> bool:
    return publication.editors.filter(id=user.id).exists()


def manages_unit(user: User, unit_id: int) -> bool:
    return UnitMembership.objects.filter(user=user, unit_id=unit_id,
                                         role__in=MANAGER_ROLES).exists()


def is_leader(user: User) -> bool:
    return UnitMembership.objects.filter(user=user, role=UnitMembership.Role.LEADER).exists()


def name_of(publication: Publication) -> str:
    return f"《{publication.name}》"


def issue_label(issue: Issue) -> str:
    """《政务信息》2026年第12期（总第345期）, or the title while it has no number."""
    name = name_of(issue.publication)
    if issue.number is None:
        return f"{name}（待印发）" + (f"：{issue.title}" if issue.title else "")
    return f"{name}{issue.year}年第{issue.number}期（总第{issue.total_number}期）"


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def decision_content(issue: Issue, decision: Decision) -> dict[str, Any]:
    """What the signer's signature covers: the issue as it was put to them (its items'
    titles and text digests, the audience) and the decision."""
    entries = IssueItem.objects.filter(issue=issue).select_related("item").order_by("position")
    return {
        "issue": issue.id, "publication": issue.publication.code, "round": decision.round,
        "title": issue.title, "audience": issue.audience,
        "items": [{"id": e.item_id, "title": e.item.title,
                   "body_sha256": hashlib.sha256(e.item.body.encode()).hexdigest()}
                  for e in entries],
        "signer": issue.signer.username, "decided_by": decision.decided_by.username,
        "delegation": decision.delegation_id, "decision": decision.decision,
        "comment": decision.comment, "decided_at": precise_iso(decision.at),
    }
