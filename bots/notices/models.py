"""Notices (通知公告) that ask their audience to acknowledge them (收到): the notice, where
its cards are, and each person it reached with the moment they pressed 收到."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notice(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name="发布单位", on_delete=models.PROTECT,
                             related_name="notices_sent")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人",
                               on_delete=models.PROTECT, related_name="notices_sent")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    html = models.TextField(blank=True)  # the body rendered and sanitized once
    ack_required = models.BooleanField("需确认收到", default=True)
    # The audience as it was named (unit codes, usernames, "all"), for the record.
    audience = models.JSONField(default=list)
    # A room it was posted into (a channel or group), beside the unit rooms and direct rooms.
    room = models.ForeignKey("chat.Room", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    pin = models.BooleanField("置顶", default=False)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    # Set by the expiry job: the cards lost their buttons and the notice left the lists.
    expired = models.BooleanField(default=False)
    created_at = models.DateTimeField("发布时间")
    recipients_count = models.IntegerField(default=0)
    # The sender's card with the live counts, in their direct room with the bot.
    tracking_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # When its cards were last re-rendered after presses (at most once a second).
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        indexes = [models.Index(fields=["unit", "-created_at"], name="notices_by_unit"),
                   models.Index(fields=["sender", "-created_at"], name="notices_by_sender")]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        return f"notice:{self.pk}"


class NoticeFile(models.Model):
    """The bot's own copy of a file sent with the notice, posted with every card."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]


class NoticeCard(models.Model):
    """One card of a notice: in a unit's room (its members press 收到 there), in the room it
    was posted into, or in one person's direct room with the bot."""

    class Kind(models.TextChoices):
        UNIT = "unit", "单位群"
        ROOM = "room", "会话"
        PERSON = "person", "个人"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="cards")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    room = models.ForeignKey("chat.Room", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "room"], name="notice_card_per_room"),
        ]


class Recipient(models.Model):
    """A person the notice reached: through which unit (for the ledger by unit), on which
    card their 收到 button is, and when they pressed it (once)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="notices_received")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    card = models.ForeignKey(NoticeCard, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="recipients")
    acked_at = models.DateTimeField("确认收到时间", null=True, blank=True)
    reminders = models.IntegerField(default=0)

    class Meta:
        verbose_name = "通知接收人"
        verbose_name_plural = "通知接收人"
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_recipient_unique"),
        ]
        indexes = [models.Index(fields=["user", "acked_at"], name="notice_recipients_by_user")]


class CardRefresh(models.Model):
    """A card to re-render because someone pressed 收到 on it: presses only insert these rows
    (no lock on the notice), and the refresher re-renders each card and the sender's counts
    once for however many presses came in meanwhile."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(NoticeCard, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
