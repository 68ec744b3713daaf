"""Reads shared by the notice services, selectors and to-do provider: the bot, who manages a
notice, and the counts by unit. Nothing here writes; the services import it, and so do the
selectors, which import no service."""

from __future__ import annotations

from django.db.models import Count, Q

from bots.notices import cards
from bots.notices.models import Notice, Recipient
from bots.runtime import BotContext, get_bot
from hub.org.models import UnitMembership, User

NOTICE_BOT = "tongzhi"
MANAGER_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.LEADER,
                 UnitMembership.Role.ADMIN)


def notice_bot() -> BotContext:
    return get_bot(NOTICE_BOT).context()


def may_manage(*, user: User, notice: Notice) -> bool:
    """The sender and the sending unit's clerks, leaders and admins see the lists and may
    press 催收."""
    return notice.sender_id == user.id or UnitMembership.objects.filter(
        unit_id=notice.unit_id, user=user, role__in=MANAGER_ROLES).exists()


def unit_counts(notice: Notice) -> list[cards.UnitCount]:
    """已收到 / 未收到 by the unit each recipient was counted under, in the units' order."""
    rows = (Recipient.objects.filter(notice=notice)
            .values("unit_id", "unit__code", "unit__name", "unit__sort_order")
            .annotate(acked=Count("id", filter=Q(acked_at__isnull=False)),
                      pending=Count("id", filter=Q(acked_at__isnull=True))))
    ordered = sorted(rows, key=lambda r: (r["unit__sort_order"] is None,
                                          r["unit__sort_order"] or 0, r["unit__code"] or ""))
    return [cards.UnitCount(r["unit__code"], r["unit__name"] or "未归属单位", r["acked"],
                            r["pending"]) for r in ordered]
