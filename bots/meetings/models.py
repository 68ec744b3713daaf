"""Meeting notices (会议通知): the meeting, who was invited (units and people), and each
invitee's answer (参加 naming who attends, 请假 with a reason, 代参 by a named person)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Meeting(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", "已通知"
        CANCELLED = "cancelled", "已取消"

    unit = models.ForeignKey("org.Unit", verbose_name="组织单位", on_delete=models.PROTECT,
                             related_name="meetings_organised")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="组织人",
                                  on_delete=models.PROTECT, related_name="+")
    title = models.CharField("会议名称", max_length=200)
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    location = models.CharField("地点", max_length=200, blank=True)
    agenda = models.TextField("议程", blank=True)
    rsvp_by = models.DateTimeField("回复截止")
    remind_before_minutes = models.IntegerField("会前提醒（分钟）")
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    # Raised by every change: the .ics SEQUENCE, and the key of the reminder jobs.
    version = models.IntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # The organiser's roster card, in the organising unit's room.
    roster_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    last_manual_remind_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "会议通知"
        verbose_name_plural = "会议通知"
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="meeting_ends_after_start"),
        ]
        indexes = [models.Index(fields=["unit", "-start"], name="meetings_by_unit")]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        return f"meeting:{self.pk}"


class MeetingFile(models.Model):
    """Materials: the bot's own copy of each file, posted with every card."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()

    class Meta:
        ordering = ["position"]


class Invitee(models.Model):
    """A unit (its card in the unit's room; its clerks and leaders answer and name who
    attends) or a person (their card in their direct room with the bot)."""

    class Kind(models.TextChoices):
        UNIT = "unit", "单位"
        PERSON = "person", "个人"

    class State(models.TextChoices):
        PENDING = "pending", "未回复"
        ATTENDING = "attending", "参加"
        DECLINED = "declined", "请假"
        DELEGATED = "delegated", "代参"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitees")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="meeting_invitations")
    position = models.IntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # Who attends for a unit (its members), or nobody for a person (the person or delegate).
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    reason = models.TextField("请假理由", blank=True)
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="meeting_delegations")
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey("chat.Message", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    # The delegate's copy, in their direct room with the bot.
    delegate_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    rsvp_reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "参会单位或人员"
        verbose_name_plural = "参会单位或人员"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="meeting_invitee_unit",
                                    condition=models.Q(unit__isnull=False)),
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_invitee_user",
                                    condition=models.Q(user__isnull=False)),
            models.CheckConstraint(
                condition=(models.Q(kind="unit", unit__isnull=False, user__isnull=True)
                           | models.Q(kind="person", user__isnull=False, unit__isnull=True)),
                name="meeting_invitee_unit_or_person"),
        ]

    @property
    def name(self) -> str:
        if self.kind == self.Kind.UNIT:
            return self.unit.name if self.unit else ""
        return self.user.name if self.user else ""
