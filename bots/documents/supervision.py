"""Supervision (督办): reminders and escalations, as scheduled jobs.

When a document is sent, jobs are stored for the time by which recipients should have
signed (by urgency, `HUITONG_DOC_SIGN_WITHIN_MINUTES`) and, with a deadline, for a reminder
before it (`HUITONG_DOC_DEADLINE_REMIND_MINUTES`) and for the deadline itself. A unit that
misses the first gets a reminder in its room; one that misses the second too is escalated
to its leaders (or, lacking leaders, its admins) in their direct rooms with the supervision
bot. Every reminder and escalation is in the audit log, and the tracking card is refreshed
so its overdue count is right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings

from bots import jobs
from bots.documents import audit_events
from bots.documents.common import leaders_of, refresh_tracking, summary, supervision_bot
from bots.documents.models import Delivery, Document
from bots.documents.rules import local_time
from hub.chat.models import Room
from hub.org.models import UnitMembership, User
from hub.seals import audit
from hub.seals.audit import Event

SIGN_CHECK = "documents.sign_check"
DEADLINE_CHECK = "documents.deadline_check"
OPEN_STATES = (Delivery.State.DELIVERED, Delivery.State.SIGNED, Delivery.State.REGISTERED,
               Delivery.State.ASSIGNED)


def schedule_for(document: Document) -> None:
    """The document's supervision jobs (in the sending transaction)."""
    sent_at = document.sent_at
    assert sent_at is not None  # an issued document
    jobs.schedule(kind=SIGN_CHECK, key=f"document:{document.id}:sign:1",
                  run_at=sent_at + timedelta(minutes=document.sign_within_minutes),
                  payload={"document": document.id, "round": 1})
    if document.deadline is None:
        return
    before = document.deadline - timedelta(minutes=settings.HUITONG_DOC_DEADLINE_REMIND_MINUTES)
    if before <= sent_at:
        before = sent_at + (document.deadline - sent_at) / 2
    jobs.schedule(kind=DEADLINE_CHECK, key=f"document:{document.id}:deadline:1", run_at=before,
                  payload={"document": document.id, "round": 1})
    jobs.schedule(kind=DEADLINE_CHECK, key=f"document:{document.id}:deadline:2",
                  run_at=document.deadline, payload={"document": document.id, "round": 2})


def _clerk_mentions(unit_id: int) -> str:
    names = (UnitMembership.objects.filter(unit_id=unit_id, role=UnitMembership.Role.CLERK)
             .values_list("user__username", flat=True))
    return " ".join(f"@{n}" for n in names)


def _reminder_text(document: Document, delivery: Delivery, *, round_: int,
                   now: datetime) -> str:
    what = summary(document)
    if delivery.state == Delivery.State.DELIVERED:
        text = f"【催办】{what} 于 {local_time(delivery.delivered_at)} 送达，至今未签收，请尽快签收。"
    elif document.deadline is not None and now >= document.deadline:
        text = f"【催办】{what} 已超过办理期限（{local_time(document.deadline)}），请尽快办结。"
    elif document.deadline is not None:
        text = f"【催办】{what} 办理期限为 {local_time(document.deadline)}，请按时办结。"
    else:
        text = f"【催办】{what} 尚未办结，请抓紧办理。"
    if round_ >= 2:
        text += "（第二次提醒，已报告单位领导）"
    return f"{text} {_clerk_mentions(delivery.unit_id)}".strip()


def remind_units(*, document: Document, deliveries: Sequence[Delivery], round_: int,
                 actor: User | None, now: datetime, reason: str | None = None) -> list[Event]:
    """A reminder in each unit's room; returns the audit events (the caller appends them
    last). `round_` 0 is a reminder pressed by the issuing unit."""
    bot = supervision_bot()
    rooms = dict(Room.objects.filter(unit_id__in=[d.unit_id for d in deliveries])
                 .values_list("unit_id", "id"))
    bot.join(sorted(rooms.values()))
    events = []
    for delivery in sorted(deliveries, key=lambda d: rooms.get(d.unit_id, 0)):
        room = rooms.get(delivery.unit_id)
        if room is None:
            continue
        why = reason or ("sign" if delivery.state == Delivery.State.DELIVERED else "deadline")
        bot.post(room_id=room, body=_reminder_text(document, delivery, round_=round_, now=now),
                 join=False)
        fields = ["last_reminded_at"]
        delivery.last_reminded_at = now
        if round_:
            if why == "sign":
                delivery.sign_reminders = max(delivery.sign_reminders, round_)
                fields.append("sign_reminders")
            else:
                delivery.deadline_reminders = max(delivery.deadline_reminders, round_)
                fields.append("deadline_reminders")
        delivery.save(update_fields=fields)
        events.append(audit_events.reminded(document=document, delivery=delivery, reason=why,
                                            round_=round_, actor_id=actor.id if actor else None,
                                            at=now))
    return events


def escalate(*, document: Document, deliveries: Sequence[Delivery], reason: str,
             now: datetime) -> list[Event]:
    """Tell each unit's leaders, in their direct rooms with the supervision bot."""
    bot = supervision_bot()
    events = []
    for delivery in deliveries:
        leaders = leaders_of(delivery.unit_id)
        if reason == "sign":
            text = (f"【督办】贵单位（{delivery.unit.name}）尚未签收{summary(document)}，"
                    f"该文于 {local_time(delivery.delivered_at)} 送达，已两次提醒，请督促办理。")
        else:
            text = (f"【督办】贵单位（{delivery.unit.name}）尚未办结{summary(document)}，"
                    f"办理期限为 {local_time(document.deadline)}，已两次提醒，请督促办理。")
        for leader in leaders:
            bot.direct(user=leader, body=text, markdown=False)
        delivery.escalated_at = now
        delivery.save(update_fields=["escalated_at"])
        events.append(audit_events.escalated(document=document, delivery=delivery, reason=reason,
                                             leaders=[u.id for u in leaders], at=now))
    return events


def _locked(document_id: int) -> Document | None:
    return (Document.objects.select_for_update(of=("self",)).select_related("unit")
            .filter(id=document_id).first())


def sign_check(due: jobs.Due) -> None:
    """Units that have not signed: round 1 reminds them and schedules round 2 one period
    later; round 2 reminds again and escalates to their leaders."""
    document = _locked(int(due.payload["document"]))
    if document is None:
        return
    round_ = int(due.payload.get("round", 1))
    late = list(Delivery.objects.filter(document=document, state=Delivery.State.DELIVERED)
                .select_related("unit"))
    events = remind_units(document=document, deliveries=late, round_=round_, actor=None,
                          now=due.now, reason="sign")
    if round_ >= 2:
        events += escalate(document=document, deliveries=late, reason="sign", now=due.now)
    elif late:
        jobs.schedule(kind=SIGN_CHECK, key=f"document:{document.id}:sign:2",
                      run_at=due.now + timedelta(minutes=document.sign_within_minutes),
                      payload={"document": document.id, "round": 2})
    refresh_tracking(document, now=due.now)
    audit.append(events)


def deadline_check(due: jobs.Due) -> None:
    """Units that have not handled the document: round 1 (before the deadline) reminds them;
    round 2 (at the deadline) reminds again and escalates to their leaders."""
    document = _locked(int(due.payload["document"]))
    if document is None:
        return
    round_ = int(due.payload.get("round", 1))
    late = list(Delivery.objects.filter(document=document, state__in=OPEN_STATES)
                .select_related("unit"))
    events = remind_units(document=document, deliveries=late, round_=round_, actor=None,
                          now=due.now, reason="deadline")
    if round_ >= 2:
        events += escalate(document=document, deliveries=late, reason="deadline", now=due.now)
    refresh_tracking(document, now=due.now)
    audit.append(events)


def register() -> None:
    jobs.register(SIGN_CHECK, sign_check)
    jobs.register(DEADLINE_CHECK, deadline_check)
