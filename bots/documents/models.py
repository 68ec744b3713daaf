"""Official documents (公文): what was sent, under whose seal, to whom, and how each recipient
unit has handled it (签收, 登记, 承办, 传阅, 办结, 退回)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# 党政机关公文处理工作条例 (2012), Art. 8.
DOC_TYPES = ["决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
             "请示", "批复", "议案", "函", "纪要"]


class Document(models.Model):
    class Urgency(models.TextChoices):
        NORMAL = "normal", "普通"
        URGENT = "urgent", "加急"
        VERY_URGENT = "very_urgent", "特急"

    class Secrecy(models.TextChoices):
        NONE = "none", "非密"
        INTERNAL = "internal", "内部"

    unit = models.ForeignKey("org.Unit", verbose_name="发文单位", on_delete=models.PROTECT,
                             related_name="documents_sent")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发文人",
                               on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField("文种", max_length=8, choices=[(t, t) for t in DOC_TYPES])
    # 发文字号 as 机关代字〔年份〕序号号, and its parts; `number_raw` is what was typed.
    number = models.CharField("发文字号", max_length=64)
    number_raw = models.CharField(max_length=64)
    number_code = models.CharField("机关代字", max_length=32)
    number_year = models.IntegerField("年份")
    number_seq = models.IntegerField("序号")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    secrecy = models.CharField("密级", max_length=16, choices=Secrecy.choices,
                               default=Secrecy.NONE)
    signer = models.CharField("签发人", max_length=64, blank=True)
    notes = models.CharField("附注", max_length=500, blank=True)
    issued_on = models.DateField("成文日期")
    deadline = models.DateTimeField("办理期限", null=True, blank=True)
    reply_required = models.BooleanField("需要答复", default=False)
    sign_within_minutes = models.IntegerField("签收时限（分钟）")
    sent_at = models.DateTimeField("发文时间")
    signature = models.OneToOneField("seals.Signature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # The sender's tracking card, in the issuing unit's room.
    tracking_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    last_manual_remind_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公文"
        verbose_name_plural = "公文"
        constraints = [
            models.UniqueConstraint(fields=["unit", "number_year", "number_code", "number_seq"],
                                    name="document_number_unique_per_unit_year"),
        ]
        indexes = [models.Index(fields=["unit", "-sent_at"], name="documents_by_unit")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def subject(self) -> str:
        return f"document:{self.pk}"


class DocumentAttachment(models.Model):
    """A sealed file: the bot's own copy of what the clerk uploaded, posted with every card."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="document_file_position"),
        ]


class Delivery(models.Model):
    """One recipient unit's copy of a document and how far it has handled it."""

    class Kind(models.TextChoices):
        MAIN = "main", "主送"
        CC = "cc", "抄送"

    class State(models.TextChoices):
        DELIVERED = "delivered", "待签收"
        SIGNED = "signed", "已签收"
        REGISTERED = "registered", "已登记"
        ASSIGNED = "assigned", "办理中"
        HANDLED = "handled", "已办结"
        RETURNED = "returned", "已退回"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deliveries")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT,
                             related_name="documents_received")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MAIN)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DELIVERED)
    # The document card in the unit's room.
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    delivered_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    incoming_number = models.CharField("收文编号", max_length=64, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="documents_assigned")
    # The assignee's card, in their direct room with the bot.
    assignee_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reply = models.TextField("办理结果", blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    return_reason = models.TextField("退回理由", blank=True)
    # Supervision (督办).
    sign_reminders = models.IntegerField(default=0)
    deadline_reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "收文"
        verbose_name_plural = "收文"
        constraints = [
            models.UniqueConstraint(fields=["document", "unit"], name="delivery_unique"),
        ]
        indexes = [models.Index(fields=["unit", "state"], name="deliveries_by_unit")]


class Circulation(models.Model):
    """传阅: a recipient unit routes its copy to a leader to read; read_at says they did."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="circulations")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "reader"], name="circulation_unique"),
        ]


class IncomingCounter(models.Model):
    """The last 收文编号 a unit gave in a year; raised under its row lock."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.IntegerField()
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="incoming_counter_unique"),
        ]
