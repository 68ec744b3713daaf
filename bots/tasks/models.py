"""Key work under supervision (督查督办): a task set by a supervising office (区委办, 区府办),
often from a leader's 批示, with a lead unit (主办) and co-units (协办), a deadline, progress
reports, extension requests and their decisions, the lead unit's 办结 and the office's 销号."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Task(models.Model):
    class State(models.TextChoices):
        ASSIGNED = "assigned", "已交办"
        ACCEPTED = "accepted", "办理中"
        COMPLETED = "completed", "已办结"
        CLOSED = "closed", "已销号"

    class Cycle(models.TextChoices):
        NONE = "", "不定期"
        WEEKLY = "weekly", "每周"
        MONTHLY = "monthly", "每月"

    title = models.CharField("督办事项", max_length=200)
    # The leader's 批示 (or the office's requirement) the task carries out.
    instruction = models.TextField("批示", blank=True)
    instructed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    # Where it came from: {"document"|"bulletin_item"|"meeting"|"approval": id}, or typed in.
    source_type = models.CharField("来源", max_length=16, blank=True)
    source_id = models.IntegerField(null=True, blank=True)
    office = models.ForeignKey("org.Unit", verbose_name="督办单位", on_delete=models.PROTECT,
                               related_name="tasks_supervised")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="立项人",
                               on_delete=models.PROTECT, related_name="tasks_set")
    lead_unit = models.ForeignKey("org.Unit", verbose_name="主办单位", on_delete=models.PROTECT,
                                  related_name="tasks_led")
    state = models.CharField("状态", max_length=16, choices=State.choices,
                             default=State.ASSIGNED)
    deadline = models.DateTimeField("办结期限")
    first_deadline = models.DateTimeField("原定期限")
    report_cycle = models.CharField("汇报周期", max_length=8, choices=Cycle.choices, blank=True,
                                    default="")
    created_at = models.DateTimeField("立项时间")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    result = models.TextField("办结情况", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # 销号 is signed with the closer's personal key.
    closing_signature = models.OneToOneField("seals.PersonalSignature", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    # The office's card (in the office's unit room), with 销号, 催办 and extension decisions.
    office_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        indexes = [models.Index(fields=["lead_unit", "state"], name="tasks_by_lead"),
                   models.Index(fields=["office", "-created_at"], name="tasks_by_office"),
                   models.Index(fields=["state", "deadline"], name="tasks_by_deadline")]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        return f"task:{self.pk}"

    @property
    def open(self) -> bool:
        return self.state in (self.State.ASSIGNED, self.State.ACCEPTED)


class TaskUnit(models.Model):
    """A unit the task was given to (主办 or 协办), its card in the unit's room, and when its
    next progress report is due (null: none owed)."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        CO = "co", "协办"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=Role.choices)
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    report_due = models.DateTimeField("下次汇报", null=True, blank=True)
    # From when the owed report is on the unit's to-do list: at once for the first, then a
    # few days before each next one falls due.
    report_from = models.DateTimeField(null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)
    reports_count = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="task_unit_unique")]
        indexes = [models.Index(fields=["unit", "report_due"], name="task_units_due")]


class Report(models.Model):
    """进展汇报: a unit's report on the task, with files (the bot's own copies)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("汇报内容")
    html = models.TextField(blank=True)
    attachments = models.ManyToManyField("chat.Attachment", blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class Extension(models.Model):
    """延期申请 by the lead unit, decided by whoever set the task."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "不同意"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extensions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    old_deadline = models.DateTimeField()
    deadline = models.DateTimeField("申请延至")
    reason = models.TextField("理由")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["task"], condition=models.Q(state="pending"),
            name="task_one_pending_extension")]


class Milestone(models.Model):
    """阶段节点: a step of the task with its own deadline, set with the task (a date, or a
    number of working days from 立项 by the calendar with 调休). The lead unit reaches it with
    a progress report that names it; reminders come before and at its deadline."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    index = models.IntegerField()
    title = models.CharField("节点", max_length=100)
    deadline = models.DateTimeField("节点期限")
    reached_at = models.DateTimeField(null=True, blank=True)
    reached_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        ordering = ["task", "index"]
        constraints = [models.UniqueConstraint(fields=["task", "index"],
                                               name="task_milestone_index")]
