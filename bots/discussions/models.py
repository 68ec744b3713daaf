"""Discussions (征求意见): a question put to several units by a deadline, each unit's reply
(the latest counts, every one is kept), and the owner's signed conclusion."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Discussion(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "征求中"
        CLOSED = "closed", "已结束"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人",
                              on_delete=models.PROTECT, related_name="discussions_owned")
    unit = models.ForeignKey("org.Unit", verbose_name="发起单位", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=200)
    question = models.TextField("征求意见事项")
    question_html = models.TextField(blank=True)
    deadline = models.DateTimeField("截止时间")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField("发起时间")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    conclusion = models.TextField("结论", blank=True)
    conclusion_html = models.TextField(blank=True)
    # The owner's personal signature over the conclusion and the replies it concludes.
    signature = models.ForeignKey("seals.PersonalSignature", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # The owner's card in their direct room with the bot; the replies and the conclusion
    # are posted in its thread.
    tracking_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "征求意见"
        verbose_name_plural = "征求意见"
        indexes = [models.Index(fields=["owner", "-created_at"], name="discussions_by_owner")]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        return f"discussion:{self.pk}"


class AskedUnit(models.Model):
    """A unit asked, its card in the unit's room, and its current reply."""

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="asked")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField(default=0)
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(blank=True)
    reply_html = models.TextField(blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["discussion", "unit"], name="discussion_unit_unique"),
        ]
        indexes = [models.Index(fields=["unit", "replied_at"], name="discussion_asked_by_unit")]


class Reply(models.Model):
    """Every reply as given: a later reply of the same unit replaces the earlier on the
    ledger, and both stay here."""

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="replies")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    html = models.TextField(blank=True)
    at = models.DateTimeField()
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        ordering = ["at", "id"]
