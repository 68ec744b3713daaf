"""Official documents (公文): the draft and its chain (拟稿 → 核稿 → 签发), what was issued,
under whose seal, to whom, and how each recipient unit has handled it (签收, 登记, 拟办, 批办,
承办, 传阅, 办结, 答复, 退回), with every step and its comment in the recipient's log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# 党政机关公文处理工作条例 (2012), Art. 8.
DOC_TYPES = ["决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
             "请示", "批复", "议案", "函", "纪要"]


class Document(models.Model):
    class State(models.TextChoices):
        REVIEWING = "reviewing", "核稿中"
        AWAITING_SIGNOFF = "awaiting_signoff", "待签发"
        RETURNED = "returned", "已退回"
        SIGNED_OFF = "signed_off", "已签发"
        ISSUED = "issued", "已印发"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "普通"
        URGENT = "urgent", "加急"
        VERY_URGENT = "very_urgent", "特急"

    class Secrecy(models.TextChoices):
        NONE = "none", "非密"
        INTERNAL = "internal", "内部"

    unit = models.ForeignKey("org.Unit", verbose_name="发文单位", on_delete=models.PROTECT,
                             related_name="documents_sent")
    # The drafter (拟稿人) of a document that went through the chain, else whoever sent it.
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发文人",
                               on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.ISSUED)
    doc_type = models.CharField("文种", max_length=8, choices=[(t, t) for t in DOC_TYPES])
    # 发文字号 as 机关代字〔年份〕序号号, and its parts; `number_raw` is what was typed. A draft
    # has none until it is issued, unless the drafter gave one.
    number = models.CharField("发文字号", max_length=64, blank=True)
    number_raw = models.CharField(max_length=64, blank=True)
    number_code = models.CharField("机关代字", max_length=32, blank=True)
    number_year = models.IntegerField("年份", null=True, blank=True)
    number_seq = models.IntegerField("序号", null=True, blank=True)
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
    sent_at = models.DateTimeField("发文时间", null=True, blank=True)
    # The chain (拟稿 → 核稿 → 签发 → 用印分发): the recipients planned while it is a draft,
    # its round (a returned draft resubmitted runs the steps again) and step, the sign-off.
    drafted_at = models.DateTimeField("拟稿时间", null=True, blank=True)
    planned_main = models.JSONField(default=list, blank=True)  # unit ids, until issued
    planned_cc = models.JSONField(default=list, blank=True)
    round = models.IntegerField(default=1)
    current_step = models.IntegerField(default=0)
    signed_off_at = models.DateTimeField("签发时间", null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # A corrected copy re-sent to units that returned the original (退文更正重发).
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections")
    signature = models.OneToOneField("seals.Signature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # The document laid out per GB/T 9704 as a PDF, made when it is issued and covered by
    # the seal (bots/documents/pdf.py).
    pdf = models.ForeignKey("chat.Attachment", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    # The sender's tracking card, in the issuing unit's room.
    tracking_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    last_manual_remind_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公文"
        verbose_name_plural = "公文"
        constraints = [
            # A corrected copy keeps the number of the document it corrects.
            models.UniqueConstraint(fields=["unit", "number_year", "number_code", "number_seq"],
                                    condition=models.Q(corrects__isnull=True),
                                    name="document_number_unique_per_unit_year"),
        ]
        indexes = [models.Index(fields=["unit", "-sent_at"], name="documents_by_unit"),
                   models.Index(fields=["state", "unit"], name="documents_by_state")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def subject(self) -> str:
        return f"document:{self.pk}"

    @property
    def issued(self) -> bool:
        return self.state == self.State.ISSUED


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
    # 拟办 (the clerk's proposal) and 批办 (the leader's instruction: lead and co-handlers, a
    # deadline).
    proposal = models.TextField("拟办意见", blank=True)
    instruction = models.TextField("批办意见", blank=True)
    instructed_at = models.DateTimeField(null=True, blank=True)
    instructed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    co_assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                          related_name="documents_co_assigned")
    handle_by = models.DateTimeField("承办期限", null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reply = models.TextField("办理结果", blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    return_reason = models.TextField("退回理由", blank=True)
    # The corrected copy the issuing unit re-sent after this copy was returned.
    resent_as = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
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
    """传阅: a recipient unit routes its copy to the readers it chose, in order; each gets the
    card when the one before has read it (`sent_at` null until then), and reads with a 阅示."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="circulations")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    position = models.IntegerField(default=0)
    note = models.TextField("送阅说明", blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField("阅示", blank=True)
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


class DeliveryStep(models.Model):
    """One step of a recipient unit's handling, with its comment: the unit's `log` (拟办意见,
    批示, 阅示, 办结 result, 退回 reason ...). Written with the audit entry of the same step."""

    class Action(models.TextChoices):
        SIGN = "sign", "签收"
        REGISTER = "register", "登记"
        PROPOSE = "propose", "拟办"
        INSTRUCT = "instruct", "批办"
        ASSIGN = "assign", "指派承办"
        CIRCULATE = "circulate", "传阅"
        READ = "read", "阅示"
        COMPLETE = "complete", "办结"
        ANSWER = "answer", "答复"
        RETURN = "return", "退回"
        RESENT = "resent", "更正重发"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["delivery", "at"], name="delivery_steps")]


class DeliveryFile(models.Model):
    """A file the handling unit attached to its 办结 (the result), the bot's own copy."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="result_files")
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]


# --- the outgoing chain (发文办理) --------------------------------------------------------------
class ChainStep(models.Model):
    """One step of a draft's chain in one round: 核稿 (review; several people = 会签, all must
    approve) or 签发 (sign-off, the last)."""

    class Role(models.TextChoices):
        REVIEW = "review", "核稿"
        SIGNOFF = "signoff", "签发"

    class State(models.TextChoices):
        WAITING = "waiting", "未开始"
        ACTIVE = "active", "办理中"
        APPROVED = "approved", "已同意"
        SIGNED_OFF = "signed_off", "已签发"
        RETURNED = "returned", "已退回"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chain_steps")
    round = models.IntegerField()
    index = models.IntegerField()
    role = models.CharField(max_length=8, choices=Role.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "index"]
        constraints = [models.UniqueConstraint(fields=["document", "round", "index"],
                                               name="document_chain_step_unique")]


class ChainDecision(models.Model):
    """One person's place in a step and, once they (or their deputy, 代批) decide, the decision
    with its opinion, signed with the decider's personal key."""

    class Decision(models.TextChoices):
        NONE = "", "待办理"
        APPROVE = "approve", "同意"
        SIGN_OFF = "sign_off", "签发"
        RETURN = "return", "退回"

    step = models.ForeignKey(ChainStep, on_delete=models.CASCADE, related_name="places")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()
    decision = models.CharField(max_length=8, choices=Decision.choices, default="", blank=True)
    comment = models.TextField("意见", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey("approvals.Delegation", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    signature = models.OneToOneField("seals.PersonalSignature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["step", "user"],
                                               name="document_chain_place_unique")]

    @property
    def subject(self) -> str:
        return f"document:{self.step.document_id}:decision:{self.pk}"


class DraftRevision(models.Model):
    """What the draft said in one round (title, 文种, body, recipients, files as names and
    SHA-256): each decision of the round signs it, so a later edit leaves them checkable."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    round = models.IntegerField()
    content = models.JSONField()
    note = models.TextField("修改说明", blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "round"],
                                               name="document_revision_round")]


class DraftMessage(models.Model):
    """A copy of the draft's living card: in the drafter's, each reviewer's and signer's (and
    active deputy's) and the issuing clerks' direct rooms with the bot."""

    class Kind(models.TextChoices):
        DRAFTER = "drafter", "拟稿人"
        DECIDER = "decider", "核稿签发人"
        DEPUTY = "deputy", "代批人"
        CLERK = "clerk", "收发员"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="draft_messages")
    message = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "message"],
                                               name="document_draft_message_unique")]


class UnitDocumentSettings(models.Model):
    """A unit's rules for its outgoing documents: its 机关代字 (for numbering), its 发文机关标志
    (the red masthead), and whether its clerks may send without the chain (直接发文)."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE,
                                related_name="document_settings")
    number_code = models.CharField("机关代字", max_length=16, blank=True)
    masthead = models.CharField("发文机关标志", max_length=64, blank=True)
    direct_issue = models.BooleanField("允许不经签发直接发文", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "单位发文设置"
        verbose_name_plural = "单位发文设置"


class NumberCounter(models.Model):
    """The last 发文字号 sequence a unit gave under one 机关代字 in a year; raised under its row
    lock when a document is issued, so numbers are gap-free and never given twice."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32)
    year = models.IntegerField()
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "code", "year"],
                                               name="document_number_counter_unique")]
