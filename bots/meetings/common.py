"""Reads shared by the meeting services, selectors, exports and reminders: the bot, a
meeting's invitees, and who may answer for an invitee or change a meeting. Nothing here writes;
the selectors and reminders import it and no service."""

from __future__ import annotations

from bots.documents.common import may_act
from bots.meetings.models import Invitee, Meeting
from bots.runtime import BotContext, get_bot
from hub.org.models import User

MEETING_BOT = "huiyi"


def meeting_bot() -> BotContext:
    return get_bot(MEETING_BOT).context()


def invitees_of(meeting: Meeting) -> tuple[list[Invitee], dict[int, list[User]]]:
    invitees = list(Invitee.objects.filter(meeting=meeting).select_related(
        "unit", "user", "delegate", "responded_by").prefetch_related("attendees"))
    return invitees, {i.id: sorted(i.attendees.all(), key=lambda u: u.id) for i in invitees}


def may_answer(*, user: User, invitee: Invitee) -> bool:
    if invitee.kind == Invitee.Kind.UNIT:
        return invitee.unit_id is not None and may_act(user=user, unit_id=invitee.unit_id)
    return invitee.user_id == user.id


def may_organise(*, user: User, meeting: Meeting) -> bool:
    return user.id == meeting.organiser_id or may_act(user=user, unit_id=meeting.unit_id)
