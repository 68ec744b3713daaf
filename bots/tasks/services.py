"""督办 tasks: every write. 立项 (from a leader's 批示 or typed in) → 交办 (cards to the lead
unit and co-units, the office's own card) → 接收 → 进展汇报 on the cycle → 延期申请 and its
decision → 办结 → 销号 (signed by the office's closer); reminders before and after the deadline
and for reports due, as stored jobs; 催办 pressed by the office on one or many.

Each action locks the task's row, writes, re-renders the task's cards, marks whose to-do
changed and appends its audit entry, all in one transaction.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bots import clock, jobs
from bots.calendar import workdays
from bots.documents.common import leaders_of
from bots.documents.rules import parse_deadline
from bots.tasks import audit_events, cards
from bots.tasks.common import (
    actor_ids,
    acts_for,
    offices_of,
    supervising_codes,
    task_bot,
    task_units,
    visible_tasks,
)
from bots.tasks.models import Extension, Milestone, Report, Task, TaskUnit
from bots.tasks.schemas import MilestoneIn, TaskIn
from hub.chat import actions as chat
from hub.chat import selectors as chat_selectors
from hub.chat.models import Attachment, Message, Room
from hub.core import todo
from hub.core.changes import record as record_change
from hub.lib import markdown
from hub.lib.errors import ApiError, bad_request, forbidden, not_found
from hub.org.models import Unit, User
from hub.seals import audit, personal
from hub.seals.signing import precise_iso

logger = logging.getLogger("bots.tasks")

DEADLINE_CHECK = "tasks.deadline_check"
REPORT_CHECK = "tasks.report_check"
REPORT_OPEN = "tasks.report_open"
MILESTONE_CHECK = "tasks.milestone_check"
REMIND_EVERY = timedelta(minutes=10)


def conflict(detail: str) -> ApiError:
    return ApiError("conflict", detail)


# --- reading ids from clients ------------------------------------------------------------------------
def access_task(*, user: User, task_id: int, lock: bool = False) -> Task:
    """The task, if the user may see it; `not_found` otherwise (also for tasks that exist)."""
    if not visible_tasks(user).filter(id=task_id).exists():
        raise not_found("督办事项")
    qs = Task.objects.select_related("office", "lead_unit", "set_by", "instructed_by")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(id=task_id)


def _unit(ref: Any, what: str) -> Unit:
    code = ref.get("code") if isinstance(ref, dict) else ref
    if not isinstance(code, str) or not code.strip():
        raise bad_request(f"请指定{what}（单位代码）")
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise bad_request(f"找不到{what}“{code.strip()[:32]}”")
    return unit


def _add_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def on_workday(moment: datetime) -> datetime:
    """The same time of day on the first working day on or after the moment's date (a report
    a week on from the eve of 国庆 falls due when the office is back, not on the holiday)."""
    local = timezone.localtime(moment)
    day = workdays.next_workday(local.date())
    if day == local.date():
        return moment
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)),
                               timezone.get_current_timezone())


def next_report_due(task: Task, *, after: datetime) -> datetime | None:
    """When the next report falls due after one given at `after`: one cycle on, moved to the
    next working day when that is a day off (never past the deadline), or none without a
    cycle."""
    if task.report_cycle == Task.Cycle.WEEKLY:
        due = on_workday(after + timedelta(days=7))
    elif task.report_cycle == Task.Cycle.MONTHLY:
        due = on_workday(_add_month(after))
    else:
        return None
    if due > task.deadline:
        return task.deadline if task.deadline > after else None
    return due


def report_from(task: Task, due: datetime | None, *, now: datetime) -> datetime | None:
    """When a report due at `due` joins the unit's to-do list: 2 working days before a weekly
    one, 5 before a monthly one (the calendar with 调休)."""
    if due is None:
        return None
    ahead = 5 if task.report_cycle == Task.Cycle.MONTHLY else 2
    return max(now, workdays.subtract_working_days(due, ahead))


def parse_milestones(items: Sequence[MilestoneIn], *, now: datetime,
                     deadline: datetime) -> list[tuple[str, datetime]]:
    """阶段节点 as (title, deadline), in order of deadline: each named, due after now and no
    later than the task's deadline; `days` counts working days from now."""
    out: list[tuple[str, datetime]] = []
    for number, item in enumerate(items, 1):
        title = " ".join(item.title.split())
        if not title:
            raise bad_request(f"第 {number} 个阶段节点缺少名称")
        if len(title) > 100:
            raise bad_request(f"第 {number} 个阶段节点的名称最多 100 个字")
        if item.deadline:
            try:
                when = parse_deadline(item.deadline, now=now)
            except ApiError as error:
                raise bad_request(f"阶段节点“{title}”：{error.detail}") from error
        elif item.days:
            when = workdays.add_working_days(now, item.days)
        else:
            when = None
        if when is None:
            raise bad_request(f"阶段节点“{title}”缺少期限（deadline 或 days 个工作日）")
        if when > deadline:
            raise bad_request(f"阶段节点“{title}”的期限（{cards.local_time(when)}）晚于办结期限"
                              f"（{cards.local_time(deadline)}）")
        out.append((title, when))
    titles = [t for t, _ in out]
    if len(set(titles)) != len(titles):
        raise bad_request("阶段节点的名称不能重复")
    return sorted(out, key=lambda m: m[1])


def _source(data: dict[str, int] | None, *, office: Unit) -> tuple[str, int | None]:
    """The source named, checked against what the office may see: a document the office sent
    or received; a bulletin item, meeting or approval that exists."""
    if not data:
        return "", None
    if len(data) != 1:
        raise bad_request("来源只能指定一项")
    kind, ident = next(iter(data.items()))
    from bots.documents.models import Delivery, Document

    if kind == "document":
        seen = Document.objects.filter(id=ident, unit=office).exists() or \
            Delivery.objects.filter(document_id=ident, unit=office).exists()
        if not seen:
            raise not_found("公文")
    elif kind == "bulletin_item":
        from bots.bulletins.models import Item

        if not Item.objects.filter(id=ident).exists():
            raise not_found("稿件")
    elif kind == "meeting":
        from bots.meetings.models import Meeting

        if not Meeting.objects.filter(id=ident).exists():
            raise not_found("会议")
    elif kind == "approval":
        from bots.approvals.models import Approval

        if not Approval.objects.filter(id=ident).exists():
            raise not_found("审批")
    return kind, ident


# --- 立项 and 交办 --------------------------------------------------------------------------------------
def create_task(*, user: User, data: TaskIn) -> Task:
    """`POST /tasks` by a clerk or leader of a supervising office."""
    now = clock.now()
    offices = offices_of(user)
    if not offices:
        raise forbidden("只有督办单位（" + "、".join(supervising_codes())
                        + "）的收发员或领导可以立项督办")
    if data.office:
        offices = [o for o in offices if o.code == data.office]
        if not offices:
            raise forbidden(f"您不是督办单位“{data.office[:32]}”的收发员或领导")
    title = " ".join(data.title.split())
    if not title:
        raise bad_request("请填写督办事项")
    if len(title) > 200:
        raise bad_request("督办事项最多 200 个字")
    if data.lead_unit is None:
        raise bad_request("请指定主办单位")
    lead = _unit(data.lead_unit, "主办单位")
    co = [_unit(ref, "协办单位") for ref in data.co_units]
    if data.deadline:
        deadline = parse_deadline(data.deadline, now=now)
    elif data.deadline_days:
        deadline = workdays.add_working_days(now, data.deadline_days)
    else:
        raise bad_request("请给出办结期限（deadline 或 deadline_days）")
    assert deadline is not None
    milestones = parse_milestones(data.milestones, now=now, deadline=deadline)
    # The task belongs to the caller's first office that can see its source (a leader of
    # both offices instructs on a copy one of them received).
    office, found = offices[0], None
    for candidate in offices:
        try:
            found = _source(data.source, office=candidate)  # type: ignore[arg-type]
        except ApiError:
            continue
        office = candidate
        break
    if found is None:
        found = _source(data.source, office=offices[0])  # type: ignore[arg-type]
    source_type, source_id = found
    with transaction.atomic():
        return _create(set_by=user, office=office, title=title, lead=lead, co=co,
                       deadline=deadline, cycle=data.report_cycle or "",
                       source_type=source_type, source_id=source_id,
                       instruction=data.instruction.strip(),
                       instructed_by=user if data.instruction.strip() else None, now=now,
                       milestones=milestones)


def _create(*, set_by: User, office: Unit, title: str, lead: Unit, co: Sequence[Unit],
            deadline: datetime, cycle: str, source_type: str, source_id: int | None,
            instruction: str, instructed_by: User | None, now: datetime,
            milestones: Sequence[tuple[str, datetime]] = ()) -> Task:
    co = [u for u in dict.fromkeys(co) if u.id != lead.id]
    task = Task.objects.create(
        title=title, instruction=instruction[:2000], instructed_by=instructed_by,
        source_type=source_type, source_id=source_id, office=office, set_by=set_by,
        lead_unit=lead, deadline=deadline, first_deadline=deadline, report_cycle=cycle,
        created_at=now)
    Milestone.objects.bulk_create([Milestone(task=task, index=i, title=t, deadline=d)
                                   for i, (t, d) in enumerate(milestones, 1)])
    first_due = next_report_due(task, after=now) or deadline
    TaskUnit.objects.bulk_create(
        [TaskUnit(task=task, unit=lead, role=TaskUnit.Role.LEAD, report_due=first_due,
                  report_from=now)]
        + [TaskUnit(task=task, unit=u, role=TaskUnit.Role.CO, report_due=first_due,
                    report_from=now) for u in co])
    bot = task_bot()
    rooms = dict(Room.objects.filter(unit_id__in=[office.id, lead.id, *[u.id for u in co]])
                 .values_list("unit_id", "id"))
    bot.join(sorted(rooms.values()))
    units = task_units(task)
    actors = actor_ids([office.id, *[u.unit_id for u in units]])
    for unit in units:
        room = rooms.get(unit.unit_id)
        if room is None:
            continue
        role = "主办" if unit.role == TaskUnit.Role.LEAD else "协办"
        card = cards.task_card(task, units, view="unit", unit=unit, actors=actors, last=None,
                               pending=None, now=now)
        message = bot.post(room_id=room, join=False, card=card,
                           body=f"{cards.summary(task)}：请{unit.unit.name}{role}，"
                                f"{cards.local_time(deadline)}前办结。")
        unit.message_id = message["id"]
        unit.save(update_fields=["message"])
    if office.id in rooms:
        card = cards.task_card(task, units, view="office", unit=None, actors=actors, last=None,
                               pending=None, now=now)
        message = bot.post(room_id=rooms[office.id], join=False, card=card,
                           body=f"{cards.summary(task)}：已交办{lead.name}。")
        task.office_message_id = message["id"]
        task.save(update_fields=["office_message"])
    _schedule_deadline(task, now=now)
    for milestone in Milestone.objects.filter(task=task):
        _schedule_milestone(milestone, now=now)
    for unit in units:
        _schedule_report(task, unit)
    record_change(kind="task", object_id=task.id)
    todo.changed_units(unit_ids=[u.unit_id for u in units])
    audit.append([audit_events.created(task=task, units=[u.unit.code for u in units], at=now,
                                       milestones=[(t, d) for t, d in milestones])])
    return task


def from_instruction(*, by: User, unit: Unit, title: str, comment: str, units: Sequence[Unit],
                     deadline: datetime | None, source: dict[str, int],
                     cycle: str = "") -> Task:
    """A leader's 批示 that names units becomes a task of the office it was made in (the
    follow-up hooks of documents and bulletins; inside their transaction)."""
    if unit.code not in supervising_codes():
        raise bad_request("只有督办单位（" + "、".join(supervising_codes())
                          + "）的批示可以立项督办")
    if not units:
        raise bad_request("请指定主办单位")
    if deadline is None:
        raise bad_request("立项督办须给出办结期限")
    kind, ident = next(iter(source.items()))
    return _create(set_by=by, office=unit, title=title[:200], lead=units[0], co=units[1:],
                   deadline=deadline, cycle=cycle, source_type=kind, source_id=ident,
                   instruction=comment, instructed_by=by, now=clock.now())


def on_document_follow_up(follow_up: Any) -> None:
    from_instruction(by=follow_up.by, unit=follow_up.unit, title=follow_up.title,
                     comment=follow_up.comment, units=follow_up.units,
                     deadline=follow_up.deadline, source=follow_up.source,
                     cycle=follow_up.cycle)


def on_bulletin_follow_up(follow_up: Any) -> None:
    """A 批示 on a bulletin item becomes a task when the leader is in a supervising office;
    other leaders' instructions stay notes to the units."""
    offices = offices_of(follow_up.by)
    if not offices:
        return
    from_instruction(by=follow_up.by, unit=offices[0], title=follow_up.title,
                     comment=follow_up.comment, units=follow_up.units,
                     deadline=follow_up.deadline, source=follow_up.source)


# --- cards -------------------------------------------------------------------------------------------
def refresh_cards(task: Task, *, now: datetime) -> dict[int, dict[str, Any]]:
    """Re-render every card of the task (the caller holds its row lock); {message id: message}."""
    units = task_units(task)
    actors = actor_ids([task.office_id, *[u.unit_id for u in units]])
    last = Report.objects.filter(task=task).select_related("unit").order_by("-created_at",
                                                                            "-id").first()
    pending = Extension.objects.filter(task=task, state=Extension.State.PENDING).first()
    bot = task_bot()
    out = {}
    for unit in units:
        if unit.message_id is not None:
            out[unit.message_id] = bot.update_card(message_id=unit.message_id, card=cards.task_card(
                task, units, view="unit", unit=unit, actors=actors, last=last, pending=pending,
                now=now))
    if task.office_message_id is not None:
        out[task.office_message_id] = bot.update_card(
            message_id=task.office_message_id, card=cards.task_card(
                task, units, view="office", unit=None, actors=actors, last=last,
                pending=pending, now=now))
    return out


def _changed(task: Task, *, now: datetime, events: list[audit.Event]) -> None:
    refresh_cards(task, now=now)
    record_change(kind="task", object_id=task.id)
    todo.changed_units(unit_ids=[task.office_id, *TaskUnit.objects.filter(task=task)
                                 .values_list("unit_id", flat=True)])
    todo.changed(user_ids=[task.set_by_id])
    audit.append(events)


def _require_open(task: Task) -> None:
    if task.state == Task.State.COMPLETED:
        raise conflict("该督办事项已办结")
    if task.state == Task.State.CLOSED:
        raise conflict("该督办事项已销号")


def _require_lead(user: User, task: Task, what: str) -> None:
    if not acts_for(user=user, unit_id=task.lead_unit_id):
        raise forbidden(f"只有主办单位{task.lead_unit.name}的收发员或领导可以{what}")


# --- 接收 ---------------------------------------------------------------------------------------------
def accept(*, user: User, task_id: int) -> Task:
    now = clock.now()
    with transaction.atomic():
        task = access_task(user=user, task_id=task_id, lock=True)
        _require_lead(user, task, "接收")
        if task.state != Task.State.ASSIGNED:
            return task  # accepted already: once only
        task.state, task.accepted_at, task.accepted_by = Task.State.ACCEPTED, now, user
        task.save(update_fields=["state", "accepted_at", "accepted_by"])
        _changed(task, now=now, events=[audit_events.accepted(task=task, actor_id=user.id,
                                                              at=now)])
    return task


# --- 进展汇报 ---------------------------------------------------------------------------------------------
def _copies(user: User, ids: Sequence[int], bot_user: User) -> list[Attachment]:
    wanted = list(dict.fromkeys(ids))
    found = {a.id: a for a in Attachment.objects.filter(id__in=wanted, uploader=user)}
    if len(found) != len(wanted):
        raise not_found("附件")
    copies = []
    for ident in wanted:
        original = found[ident]
        copies.append(chat.store_attachment(uploader=bot_user, name=original.name,
                                            chunks=_chunks(original),
                                            declared_mime=original.mime))
    return copies


def _chunks(attachment: Attachment) -> Iterator[bytes]:
    with open(chat.attachment_path(attachment), "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def report(*, user: User, task_id: int, body: str, attachments: Sequence[int] = (),
           milestone: int | None = None) -> Report:
    """A unit's progress report (lead or co-unit, by its clerks or leaders), posted with its
    files in the office's room; the unit's next report falls due a cycle on. Naming a
    `milestone` (the lead unit only) records that 阶段节点 as reached by this report."""
    now = clock.now()
    text = body.strip()
    if not text:
        raise bad_request("请填写汇报内容")
    bot = task_bot()
    copies: list[Attachment] = []
    try:
        with transaction.atomic():
            task = access_task(user=user, task_id=task_id, lock=True)
            mine = [u for u in TaskUnit.objects.filter(task=task).select_related("unit")
                    if acts_for(user=user, unit_id=u.unit_id)]
            if not mine:
                raise forbidden("只有主办、协办单位的收发员或领导可以汇报进展")
            _require_open(task)
            unit = next((u for u in mine if u.role == TaskUnit.Role.LEAD), mine[0])
            step = None
            if milestone is not None:
                step = (Milestone.objects.select_for_update().filter(task=task, id=milestone)
                        .first())
                if step is None:
                    raise not_found("阶段节点")
                if unit.role != TaskUnit.Role.LEAD:
                    raise forbidden(f"阶段节点由主办单位{task.lead_unit.name}报告完成")
                if step.reached_at is not None:
                    raise conflict(f"阶段节点“{step.title}”已于{cards.local_time(step.reached_at)}"
                                   "完成")
            copies.extend(_copies(user, attachments, bot.user))
            entry = Report.objects.create(task=task, unit=unit.unit, by=user, body=text,
                                          html=markdown.render(text).html, created_at=now)
            if copies:
                entry.attachments.set(copies)
            events = []
            if step is not None:
                step.reached_at, step.reached_by, step.report = now, user, entry
                step.save(update_fields=["reached_at", "reached_by", "report"])
                events.append(audit_events.milestone_reached(
                    task=task, milestone=step.id, title=step.title, late=now > step.deadline,
                    actor_id=user.id, at=now))
            unit.last_report_at, unit.reports_count = now, unit.reports_count + 1
            unit.report_due = next_report_due(task, after=now)
            unit.report_from = report_from(task, unit.report_due, now=now)
            unit.save(update_fields=["last_report_at", "reports_count", "report_due",
                                     "report_from"])
            _schedule_report(task, unit)
            room = Room.objects.filter(unit_id=task.office_id).values_list("id", flat=True).first()
            if room is not None:
                reached = f"（阶段节点“{step.title}”已完成）" if step is not None else ""
                bot.post(room_id=room, body=f"【进展汇报】{task.title}｜{unit.unit.name}"
                                            f"（{user.name}）{reached}：{text}"[:4000],
                         attachment_ids=[c.id for c in copies], markdown=False)
            _changed(task, now=now, events=[audit_events.reported(
                task=task, unit=unit.unit.code, report_id=entry.id, actor_id=user.id, at=now),
                *events])
    except BaseException:
        for copy in copies:
            chat.attachment_path(copy).unlink(missing_ok=True)
        raise
    return entry


# --- 延期 -------------------------------------------------------------------------------------------------
def request_extension(*, user: User, task_id: int, deadline: str, reason: str,
                      deadline_days: int | None = None) -> Extension:
    """延期申请 by the lead unit: to a new `deadline`, or `deadline_days` working days past
    the current one (the calendar with 调休)."""
    now = clock.now()
    why = reason.strip()
    with transaction.atomic():
        task = access_task(user=user, task_id=task_id, lock=True)
        _require_lead(user, task, "申请延期")
        _require_open(task)
        if not why:
            raise bad_request("请填写延期理由")
        if deadline.strip():
            wanted = parse_deadline(deadline, now=now)
        elif deadline_days:
            wanted = workdays.add_working_days(task.deadline, deadline_days)
        else:
            wanted = None
        if wanted is None:
            raise bad_request("请给出申请延至的期限")
        if wanted <= task.deadline:
            raise bad_request(f"申请延至的期限须晚于现在的期限（{cards.local_time(task.deadline)}）")
        if Extension.objects.filter(task=task, state=Extension.State.PENDING).exists():
            raise conflict("已有一项延期申请待审批")
        extension = Extension.objects.create(task=task, by=user, old_deadline=task.deadline,
                                             deadline=wanted, reason=why[:2000], created_at=now)
        task_bot().direct(user=task.set_by, markdown=False,
                          body=f"{cards.summary(task)}：{task.lead_unit.name}申请延期至"
                               f"{cards.local_time(wanted)}，理由：{why}"[:2000])
        _changed(task, now=now, events=[audit_events.extension_requested(
            task=task, extension_id=extension.id, deadline=wanted, actor_id=user.id, at=now)])
    return extension


def decide_extension(*, user: User, task_id: int, action: str, comment: str = "") -> Extension:
    """Whoever set the task approves or rejects the request waiting; with none, 409."""
    now = clock.now()
    with transaction.atomic():
        task = access_task(user=user, task_id=task_id, lock=True)
        if task.set_by_id != user.id:
            raise forbidden(f"延期申请由立项人{task.set_by.name}审批")
        extension = Extension.objects.filter(task=task, state=Extension.State.PENDING).first()
        if extension is None:
            raise conflict("没有待审批的延期申请")
        extension.state = (Extension.State.APPROVED if action == "approve"
                           else Extension.State.REJECTED)
        extension.decided_at, extension.decided_by = now, user
        extension.comment = comment.strip()[:2000]
        extension.save(update_fields=["state", "decided_at", "decided_by", "comment"])
        if extension.state == Extension.State.APPROVED and task.open:
            old = task.deadline
            task.deadline = extension.deadline
            task.save(update_fields=["deadline"])
            TaskUnit.objects.filter(task=task, report_due=old).update(report_due=task.deadline)
            _schedule_deadline(task, now=now)
        verdict = "同意" if extension.state == Extension.State.APPROVED else "不同意"
        room = Room.objects.filter(unit_id=task.lead_unit_id).values_list("id", flat=True).first()
        if room is not None:
            task_bot().post(room_id=room, markdown=False,
                            body=f"{cards.summary(task)}：{user.name}{verdict}延期至"
                                 f"{cards.local_time(extension.deadline)}"
                                 + (f"。意见：{extension.comment}" if extension.comment else "。"))
        _changed(task, now=now, events=[audit_events.extension_decided(
            task=task, extension_id=extension.id, decision=extension.state, actor_id=user.id,
            at=now)])
    return extension


# --- 办结 and 销号 ------------------------------------------------------------------------------------------
def complete(*, user: User, task_id: int, result: str) -> Task:
    now = clock.now()
    text = result.strip()
    with transaction.atomic():
        task = access_task(user=user, task_id=task_id, lock=True)
        _require_lead(user, task, "办结")
        _require_open(task)
        if not text:
            raise bad_request("请填写办结情况")
        task.state, task.completed_at, task.completed_by = Task.State.COMPLETED, now, user
        task.result = text[:20_000]
        if task.accepted_at is None:
            task.accepted_at, task.accepted_by = now, user
        task.save(update_fields=["state", "completed_at", "completed_by", "result",
                                 "accepted_at", "accepted_by"])
        Extension.objects.filter(task=task, state=Extension.State.PENDING).update(
            state=Extension.State.REJECTED, decided_at=now, comment="已办结，申请作废")
        _changed(task, now=now, events=[audit_events.completed(task=task, actor_id=user.id,
                                                               at=now)])
    return task


def closing_content(task: Task) -> dict[str, Any]:
    """What 销号 signs (the caller has set `closed_by` and `closed_at`): recomputed from the
    task when the archive checks it."""
    assert task.closed_by is not None and task.closed_at is not None
    return {"task": task.id, "title": task.title, "lead_unit": task.lead_unit.code,
            "deadline": precise_iso(task.deadline), "result": task.result,
            "completed_at": precise_iso(task.completed_at) if task.completed_at else None,
            "by": task.closed_by.username, "at": precise_iso(task.closed_at)}


def close(*, user: User, task_id: int) -> Task:
    """销号 by a clerk or leader of the supervising office, only once completed (else 409),
    signed with the closer's personal key."""
    now = clock.now()
    with transaction.atomic():
        task = access_task(user=user, task_id=task_id, lock=True)
        if not acts_for(user=user, unit_id=task.office_id):
            raise forbidden(f"只有督办单位{task.office.name}的收发员或领导可以销号")
        if task.state == Task.State.CLOSED:
            raise conflict("该督办事项已销号")
        if task.state != Task.State.COMPLETED:
            raise conflict("主办单位尚未办结，不能销号")
        task.state, task.closed_at, task.closed_by = Task.State.CLOSED, now, user
        task.closing_signature = personal.sign(user=user, subject=task.subject,
                                               content=closing_content(task), at=now)
        task.save(update_fields=["state", "closed_at", "closed_by", "closing_signature"])
        _changed(task, now=now, events=[audit_events.closed(task=task, actor_id=user.id, at=now)])
    return task


# --- 催办 and reminders ---------------------------------------------------------------------------------
def _remind_text(task: Task, *, now: datetime, reason: str) -> str:
    if reason == "report":
        return f"【催报】{task.title}：进展汇报已到期，请尽快汇报。"
    if now >= task.deadline:
        return f"【催办】{task.title}已超过办结期限（{cards.local_time(task.deadline)}），请尽快办结。"
    return f"【催办】{task.title}将于{cards.local_time(task.deadline)}到期，请抓紧办理。"


def _post_reminder(task: Task, unit_ids: Sequence[int], text: str) -> None:
    bot = task_bot()
    rooms = list(Room.objects.filter(unit_id__in=unit_ids).values_list("id", flat=True)
                 .order_by("id"))
    bot.join(rooms)
    for room in rooms:
        bot.post(room_id=room, body=text, join=False, markdown=False)


def remind(*, user: User, task_ids: Sequence[int]) -> int:
    """催办 on one or many tasks by a clerk or leader of their supervising office: a reminder
    in the lead and co-units' rooms of each open one (at most every 10 minutes each)."""
    now = clock.now()
    count = 0
    with transaction.atomic():
        for task_id in sorted(set(task_ids)):
            task = access_task(user=user, task_id=task_id, lock=True)
            if not acts_for(user=user, unit_id=task.office_id):
                raise forbidden(f"只有督办单位{task.office.name}的收发员或领导可以催办")
            if not task.open:
                continue
            if task.last_reminded_at is not None and now - task.last_reminded_at < REMIND_EVERY:
                continue
            units = list(TaskUnit.objects.filter(task=task).values_list("unit_id", flat=True))
            _post_reminder(task, units, _remind_text(task, now=now, reason="deadline"))
            task.reminders += 1
            task.last_reminded_at = now
            task.save(update_fields=["reminders", "last_reminded_at"])
            _changed(task, now=now, events=[audit_events.reminded(
                task=task, reason="manual", actor_id=user.id, at=now)])
            count += 1
    return count


def _schedule_deadline(task: Task, *, now: datetime) -> None:
    stamp = int(task.deadline.timestamp())
    before = workdays.subtract_working_days(task.deadline, settings.HUITONG_TASK_DUE_SOON_DAYS)
    if before > now:
        jobs.schedule(kind=DEADLINE_CHECK, key=f"task:{task.id}:deadline:{stamp}:1", run_at=before,
                      payload={"task": task.id, "deadline": stamp, "round": 1})
    jobs.schedule(kind=DEADLINE_CHECK, key=f"task:{task.id}:deadline:{stamp}:2",
                  run_at=task.deadline, payload={"task": task.id, "deadline": stamp, "round": 2})


def _schedule_milestone(milestone: Milestone, *, now: datetime) -> None:
    """Reminders of a 阶段节点: HUITONG_TASK_DUE_SOON_DAYS working days before its deadline and
    at it, each keyed by the deadline it was made for."""
    stamp = int(milestone.deadline.timestamp())
    before = workdays.subtract_working_days(milestone.deadline,
                                            settings.HUITONG_TASK_DUE_SOON_DAYS)
    payload = {"milestone": milestone.id, "deadline": stamp}
    if before > now:
        jobs.schedule(kind=MILESTONE_CHECK, key=f"task:{milestone.task_id}:milestone:"
                      f"{milestone.id}:{stamp}:1", run_at=before, payload={**payload, "round": 1})
    jobs.schedule(kind=MILESTONE_CHECK, key=f"task:{milestone.task_id}:milestone:"
                  f"{milestone.id}:{stamp}:2", run_at=milestone.deadline,
                  payload={**payload, "round": 2})


def milestone_check(due: jobs.Due) -> None:
    """Before a milestone's deadline the lead unit is reminded in its room; at it, if still not
    reached, again, and the office is told in its room. A reached milestone, a finished task
    or a deadline moved since the job was stored: nothing."""
    milestone = Milestone.objects.filter(id=due.payload["milestone"]).first()
    if milestone is None or milestone.reached_at is not None \
            or int(milestone.deadline.timestamp()) != due.payload["deadline"]:
        return
    task = (Task.objects.select_for_update(of=("self",)).select_related("office", "lead_unit")
            .get(id=milestone.task_id))
    if not task.open:
        return
    when = cards.local_time(milestone.deadline)
    if due.payload["round"] >= 2:
        text = f"【节点逾期】{task.title}：阶段节点“{milestone.title}”已超过期限（{when}），请尽快完成并汇报。"
        _post_reminder(task, [task.lead_unit_id, task.office_id], text)
    else:
        text = f"【节点提醒】{task.title}：阶段节点“{milestone.title}”将于{when}到期，请抓紧办理。"
        _post_reminder(task, [task.lead_unit_id], text)
    _changed(task, now=due.now, events=[audit_events.reminded(
        task=task, reason="milestone", actor_id=None, at=due.now)])


def _schedule_report(task: Task, unit: TaskUnit) -> None:
    if unit.report_due is None:
        return
    stamp = int(unit.report_due.timestamp())
    if unit.report_from is not None and unit.report_from > clock.now():
        jobs.schedule(kind=REPORT_OPEN, key=f"task:{task.id}:report-open:{unit.id}:{stamp}",
                      run_at=unit.report_from, payload={"unit": unit.unit_id})
    jobs.schedule(kind=REPORT_CHECK, key=f"task:{task.id}:report:{unit.id}:{stamp}",
                  run_at=unit.report_due, payload={"unit": unit.id, "due": stamp})


def deadline_check(due: jobs.Due) -> None:
    """Before the deadline, remind the units; at it, remind them again and tell the lead
    unit's leaders (督办升级). A deadline moved since the job was stored is no longer its own."""
    task = (Task.objects.select_for_update(of=("self",)).select_related("office", "lead_unit")
            .filter(id=due.payload["task"]).first())
    if task is None or not task.open or int(task.deadline.timestamp()) != due.payload["deadline"]:
        return
    units = list(TaskUnit.objects.filter(task=task).values_list("unit_id", flat=True))
    _post_reminder(task, units, _remind_text(task, now=due.now, reason="deadline"))
    events = [audit_events.reminded(task=task, reason="deadline", actor_id=None, at=due.now)]
    if due.payload["round"] >= 2:
        for leader in leaders_of(task.lead_unit_id):
            task_bot().direct(user=leader, markdown=False,
                              body=f"【督办】贵单位（{task.lead_unit.name}）主办的“{task.title}”"
                                   f"已超过办结期限（{cards.local_time(task.deadline)}），请督促办理。")
        task.escalated_at = due.now
        task.save(update_fields=["escalated_at"])
        events.append(audit_events.escalated(task=task, at=due.now))
    _changed(task, now=due.now, events=events)


def report_check(due: jobs.Due) -> None:
    """A unit whose report is still owed when it falls due is reminded in its room."""
    unit = TaskUnit.objects.select_related("task", "unit").filter(id=due.payload["unit"]).first()
    if unit is None or not unit.task.open or unit.report_due is None \
            or int(unit.report_due.timestamp()) != due.payload["due"]:
        return
    task = Task.objects.select_for_update(of=("self",)).select_related(
        "office", "lead_unit").get(id=unit.task_id)
    _post_reminder(task, [unit.unit_id], _remind_text(task, now=due.now, reason="report"))
    _changed(task, now=due.now, events=[audit_events.reminded(
        task=task, reason="report", actor_id=None, at=due.now)])


def report_open(due: jobs.Due) -> None:
    """A report joins the unit's to-do list: its clerks hear their new counts."""
    todo.changed_units(unit_ids=[due.payload["unit"]])


def register_jobs() -> None:
    jobs.register(REPORT_OPEN, report_open)
    jobs.register(DEADLINE_CHECK, deadline_check)
    jobs.register(REPORT_CHECK, report_check)
    jobs.register(MILESTONE_CHECK, milestone_check)


# --- the card's buttons -------------------------------------------------------------------------------
def message_as_is(message_id: int) -> dict[str, Any]:
    message = Message.objects.get(id=message_id)
    return chat_selectors.messages_page(room_id=message.room_id, after_seq=message.seq - 1,
                                        before_seq=message.seq + 1, limit=1)[0]


def on_task_card(*, user: User, message: Message, action: str,
                 params: dict[str, Any]) -> dict[str, Any]:
    """The handler the core calls for a press on a `task` card."""
    task_id = (TaskUnit.objects.filter(message_id=message.id).values_list("task_id", flat=True)
               .first()
               or Task.objects.filter(office_message_id=message.id).values_list("id", flat=True)
               .first())
    if task_id is None:
        raise not_found("督办事项")
    try:
        _press(user=user, task_id=task_id, action=action, params=params)
    except ApiError as error:
        # A press that came second (closed, decided already) answers the card as it stands.
        if error.code != "conflict" or action not in ONCE:
            raise
    return message_as_is(message.id)


ONCE = {"close", "approve_extension", "reject_extension"}


def _press(*, user: User, task_id: int, action: str, params: dict[str, Any]) -> None:
    comment = str(params.get("comment") or "")
    if action == "accept":
        accept(user=user, task_id=task_id)
    elif action == "report":
        report(user=user, task_id=task_id, body=comment)
    elif action == "extension":
        request_extension(user=user, task_id=task_id, deadline=str(params.get("deadline") or ""),
                          reason=comment)
    elif action == "complete":
        complete(user=user, task_id=task_id, result=comment)
    elif action in ("approve_extension", "reject_extension"):
        decide_extension(user=user, task_id=task_id, action=action.split("_")[0],
                         comment=comment)
    elif action == "close":
        close(user=user, task_id=task_id)
    elif action == "remind":
        remind(user=user, task_ids=[task_id])
    else:
        raise bad_request(f"未知操作：{action}")
