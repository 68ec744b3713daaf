"""Reminders to approvers who have not acted, counted in working days.

When a step starts, a job is stored for `HUITONG_APPROVAL_REMIND_WORKDAYS` working days
later (default 1, on the working-day calendar: a request that arrives on Friday is chased
on Monday, or on a 调休 working Saturday); it reminds the step's approvers who have not
decided (and their active deputies) in their direct rooms with the bot, and schedules the
next reminder the same number of working days on, up to `HUITONG_APPROVAL_MAX_REMINDERS`.
A job that finds the step settled does nothing. Deputies' periods start and end with a job
too, which re-renders the cards so that the deputy's buttons appear and go on time.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from bots import jobs
from bots.approvals import audit_events
from bots.approvals.common import active_delegations, approval_bot, summary
from bots.approvals.models import Approval, Delegation, Step, StepApprover
from bots.calendar import workdays
from hub.seals import audit

REMIND = "approvals.remind"
DELEGATION = "approvals.delegation_boundary"


def _prefix(approval: Approval, step: Step) -> str:
    return f"approval:{approval.id}:r{step.round}:s{step.index}:"


def schedule_for(approval: Approval, step: Step, *, now: datetime) -> None:
    days = settings.HUITONG_APPROVAL_REMIND_WORKDAYS
    if days <= 0 or settings.HUITONG_APPROVAL_MAX_REMINDERS <= 0:
        return
    jobs.schedule(kind=REMIND, key=f"{_prefix(approval, step)}1",
                  run_at=workdays.add_working_days(now, days),
                  payload={"approval": approval.id, "round": step.round, "step": step.index,
                           "n": 1})


def cancel_for(approval: Approval, step: Step) -> None:
    jobs.cancel(key_prefix=_prefix(approval, step))


def remind(due: jobs.Due) -> None:
    approval = (Approval.objects.select_for_update(of=("self",)).select_related("requester")
                .filter(id=int(due.payload["approval"])).first())
    round_, index, n = (int(due.payload[k]) for k in ("round", "step", "n"))
    if (approval is None or approval.state != Approval.State.PENDING
            or approval.round != round_ or approval.current_step != index):
        return
    step = Step.objects.get(approval=approval, round=round_, index=index)
    places = list(StepApprover.objects.filter(step=step, decision="").select_related("user"))
    if not places:
        return
    bot = approval_bot()
    started = timezone.localtime(step.started_at or due.now).date()
    waited = workdays.working_days_between(started, timezone.localtime(due.now).date())
    text = (f"【审批提醒】{summary(approval)} 已等待您审批"
            + (f" {waited} 个工作日" if waited else "") + "，请在审批卡片上处理。")
    told: list[int] = []
    for place in places:
        bot.direct(user=place.user, body=text, markdown=False)
        told.append(place.user_id)
        place.reminders = n
        place.last_reminded_at = due.now
        place.save(update_fields=["reminders", "last_reminded_at"])
    for delegation in active_delegations([p.user_id for p in places], now=due.now):
        if delegation.deputy_id not in told:
            bot.direct(user=delegation.deputy, markdown=False,
                       body=f"（代{delegation.principal.name}）{text}")
            told.append(delegation.deputy_id)
    if n < settings.HUITONG_APPROVAL_MAX_REMINDERS:
        jobs.schedule(kind=REMIND, key=f"{_prefix(approval, step)}{n + 1}",
                      run_at=workdays.add_working_days(
                          due.run_at, settings.HUITONG_APPROVAL_REMIND_WORKDAYS),
                      payload={**due.payload, "n": n + 1})
    audit.append([audit_events.reminded(approval=approval, step=step, users=told, round_=n,
                                        at=due.now)])


def schedule_delegation(delegation: Delegation, *, now: datetime) -> None:
    for what, at in (("start", delegation.starts_at), ("end", delegation.ends_at)):
        if at > now:
            jobs.schedule(kind=DELEGATION, key=f"delegation:{delegation.id}:{what}", run_at=at,
                          payload={"delegation": delegation.id, "what": what})


def register() -> None:
    """The reminder job; the delegation boundary's handler is a service
    (services.delegation_boundary), registered beside it by the app."""
    jobs.register(REMIND, remind)
