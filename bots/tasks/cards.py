"""The task cards: {card_type: "task", ref, title, state, fields, actions} with extras.

- view `unit`: the card in the lead unit's and each co-unit's room. The lead unit's clerks
  and leaders see 接收 (`accept`) until it is accepted, then 汇报 (`report`, with `comment`)
  and 办结 (`complete`, with `comment` as the result); a co-unit's see 汇报. 申请延期 takes a
  date, so it is asked on the task's page (the card action `extension` with `deadline` and
  `comment` is still taken when a client sends it).
- view `office`: the card in the supervising office's room: 同意延期 / 不同意延期
  (`approve_extension`, `reject_extension`) for whoever set the task while a request waits,
  催办 (`remind`) while it is open and 销号 (`close`) once it is completed, for the office's
  clerks and leaders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from bots.tasks.common import next_milestone, status_of
from bots.tasks.models import Extension, Milestone, Report, Task, TaskUnit
from hub.lib.times import iso

CARD_TYPE = "task"
STATUS_LABELS = {"on_track": "正常推进", "due_soon": "即将到期", "overdue": "已逾期"}
MILESTONE_LABELS = {**STATUS_LABELS, "reached": "已完成", "missed": "未完成"}
SOURCE_LABELS = {"document": "公文批示", "bulletin_item": "刊物批示", "meeting": "会议议定事项",
                 "approval": "审批事项", "": "交办事项"}


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def summary(task: Task) -> str:
    return f"【督办】{task.title}"


def _fields(task: Task, units: list[TaskUnit], *, last: Report | None,
            pending: Extension | None, milestone: Milestone | None) -> list[dict[str, str]]:
    lead = next((u.unit.name for u in units if u.role == TaskUnit.Role.LEAD), "")
    co = "、".join(u.unit.name for u in units if u.role == TaskUnit.Role.CO)
    fields = [{"label": "督办单位", "value": task.office.name},
              {"label": "主办单位", "value": lead}]
    if co:
        fields.append({"label": "协办单位", "value": co})
    fields.append({"label": "办结期限", "value": local_time(task.deadline)})
    if milestone is not None and task.open:
        fields.append({"label": "下一节点",
                       "value": f"{milestone.title}（{local_time(milestone.deadline)}前）"[:300]})
    if task.report_cycle:
        fields.append({"label": "汇报周期", "value": task.get_report_cycle_display()})
    if task.instruction:
        who = f"{task.instructed_by.name}：" if task.instructed_by is not None else ""
        fields.append({"label": "批示", "value": f"{who}{task.instruction}"[:300]})
    if last is not None:
        fields.append({"label": "最新进展",
                       "value": f"{last.unit.name} {local_time(last.created_at)}：{last.body}"[:300]})
    if pending is not None:
        fields.append({"label": "延期申请",
                       "value": f"申请延至{local_time(pending.deadline)}，理由：{pending.reason}"[:300]})
    if task.result:
        fields.append({"label": "办结情况", "value": task.result[:300]})
    return fields


def task_card(task: Task, units: list[TaskUnit], *, view: str, unit: TaskUnit | None,
              actors: dict[int, list[int]], last: Report | None, pending: Extension | None,
              now: datetime) -> dict[str, Any]:
    """One card. `actors`: the clerks and leaders of each unit id involved (the office's
    too); `unit`: the unit whose room the card is in (view `unit`)."""
    milestone = next_milestone(task)
    status = status_of(task, now=now, milestone=milestone)
    actions: list[dict[str, Any]] = []
    if view == "unit" and unit is not None and task.open:
        people = sorted(actors.get(unit.unit_id, []))
        if unit.role == TaskUnit.Role.LEAD and task.state == Task.State.ASSIGNED:
            actions.append({"action": "accept", "label": "接收", "style": "primary",
                            "users": people})
        else:
            actions.append({"action": "report", "label": "汇报进展", "style": "primary",
                            "users": people, "comment": "required", "hint": "汇报内容"})
        if unit.role == TaskUnit.Role.LEAD and task.state == Task.State.ACCEPTED:
            actions.append({"action": "complete", "label": "办结", "style": "default",
                            "users": people, "comment": "required", "hint": "办结情况"})
    if view == "office":
        office = sorted(actors.get(task.office_id, []))
        if pending is not None and task.open:
            actions += [{"action": "approve_extension", "label": "同意延期", "style": "primary",
                         "users": [task.set_by_id]},
                        {"action": "reject_extension", "label": "不同意延期", "style": "danger",
                         "users": [task.set_by_id]}]
        if task.open:
            actions.append({"action": "remind", "label": "催办", "style": "default",
                            "users": office})
        if task.state == Task.State.COMPLETED:
            actions.append({"action": "close", "label": "销号", "style": "primary",
                            "users": office})
    return {"card_type": CARD_TYPE, "ref": task.id, "view": view, "title": task.title,
            "state": task.state, "state_label": task.get_state_display(),
            "status": status, "status_label": STATUS_LABELS[status],
            "unit_code": unit.unit.code if unit is not None else task.office.code,
            "role": unit.role if unit is not None else "office",
            "deadline": iso(task.deadline), "source": source_dict(task),
            "fields": _fields(task, units, last=last, pending=pending, milestone=milestone),
            "actions": actions}


def source_dict(task: Task) -> dict[str, Any] | None:
    if not task.source_type:
        return None
    return {"type": task.source_type, "id": task.source_id,
            "label": SOURCE_LABELS.get(task.source_type, task.source_type)}
