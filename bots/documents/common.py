"""Helpers shared by the document services and the supervision jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bots.documents import cards
from bots.documents.models import Circulation, Delivery, Document
from bots.runtime import BotContext, get_bot
from hub.org.models import UnitMembership, User

DOC_BOT = "gongwen"
SUPERVISION_BOT = "duban"
ACTOR_ROLES = (UnitMembership.Role.CLERK, UnitMembership.Role.LEADER)


def doc_bot() -> BotContext:
    return get_bot(DOC_BOT).context()


def supervision_bot() -> BotContext:
    return get_bot(SUPERVISION_BOT).context()


# --- who may act -----------------------------------------------------------------------------------
def actors_of(unit_ids: list[int]) -> dict[int, list[int]]:
    """The clerks and leaders of each unit (who sign for, register and assign documents)."""
    out: dict[int, list[int]] = {uid: [] for uid in unit_ids}
    rows = UnitMembership.objects.filter(unit_id__in=unit_ids, role__in=ACTOR_ROLES,
                                         user__is_active=True).values_list("unit_id", "user_id")
    for unit_id, user_id in rows:
        out[unit_id].append(user_id)
    return out


def leader_ids_of(unit_ids: list[int]) -> dict[int, list[int]]:
    """The leaders of each unit (who 批办 what their unit receives)."""
    out: dict[int, list[int]] = {uid: [] for uid in unit_ids}
    for unit_id, user_id in UnitMembership.objects.filter(
            unit_id__in=unit_ids, role=UnitMembership.Role.LEADER,
            user__is_active=True).values_list("unit_id", "user_id"):
        out[unit_id].append(user_id)
    return out


def may_act(*, user: User, unit_id: int) -> bool:
    return UnitMembership.objects.filter(unit_id=unit_id, user=user, role__in=ACTOR_ROLES).exists()


def leaders_of(unit_id: int) -> list[User]:
    leaders = list(User.objects.filter(unit_memberships__unit_id=unit_id, is_active=True,
                                       unit_memberships__role=UnitMembership.Role.LEADER))
    if not leaders:
        leaders = list(User.objects.filter(unit_memberships__unit_id=unit_id, is_active=True,
                                           unit_memberships__role=UnitMembership.Role.ADMIN))
    return leaders


def deliveries_of(document: Document) -> list[Delivery]:
    return list(Delivery.objects.filter(document=document).select_related(
        "unit", "signed_by", "assignee", "handled_by", "returned_by", "assigned_by")
        .order_by("unit__sort_order", "unit__code"))


def circulations_of(delivery: Delivery) -> list[Circulation]:
    return list(Circulation.objects.filter(delivery=delivery).select_related("reader", "sent_by")
                .order_by("position", "id"))


def refresh_tracking(document: Document, *, now: datetime) -> dict[str, Any] | None:
    """Re-render the sender's tracking card (the caller holds the document's row lock)."""
    if document.tracking_message_id is None:
        return None
    card = cards.tracking_card(document, deliveries_of(document),
                               actors=actors_of([document.unit_id])[document.unit_id], now=now)
    return doc_bot().update_card(message_id=document.tracking_message_id, card=card)



def summary(document: Document) -> str:
    mark = "" if document.urgency == Document.Urgency.NORMAL else f"【{document.get_urgency_display()}】"
    return f"{mark}【{document.doc_type}】{document.title}（{document.number}）"
