"""Approval requests (审批): the request, its steps in order (each one approver, a countersign
会签 where all must approve, or an any-of 或签 where the first decision settles it), each
approver's signed decision, and leaders' deputies (代批)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Approval(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "不同意"
        RETURNED = "returned", "已退回"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人",
                                  on_delete=models.PROTECT, related_name="approvals_requested")
    # The room where it was asked, whose members see the living card; null for none.
    room = models.ForeignKey("chat.Room", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # A returned request resubmitted starts a new round from the first step.
    round = models.IntegerField(default=1)
    current_step = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "审批"
        verbose_name_plural = "审批"
        indexes = [models.Index(fields=["requester", "-created_at"], name="approvals_by_requester")]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        return f"approval:{self.pk}"


class Revision(models.Model):
    """The title and body as submitted in each round: decisions sign the round's text, so a
    later resubmission does not unsettle earlier signatures."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="revisions")
    round = models.IntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    note = models.TextField("修改说明", blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["approval", "round"], name="approval_revision_round"),
        ]


class ApprovalFile(models.Model):
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]


class Step(models.Model):
    class Mode(models.TextChoices):
        ALL = "all", "会签"
        ANY = "any", "或签"

    class State(models.TextChoices):
        WAITING = "waiting", "待审批"
        ACTIVE = "active", "审批中"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "不同意"
        RETURNED = "returned", "已退回"

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="steps")
    round = models.IntegerField()
    index = models.IntegerField()
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ALL)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "index"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "round", "index"],
                                    name="approval_step_unique"),
        ]


class StepApprover(models.Model):
    """One approver's place in a step and, once they (or their deputy) act, the decision:
    recorded once (the row is written under the request's lock) and signed."""

    class Decision(models.TextChoices):
        NONE = "", "待审批"
        APPROVE = "approve", "同意"
        REJECT = "reject", "不同意"
        RETURN = "return", "退回"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="approval_places")
    position = models.IntegerField()
    decision = models.CharField(max_length=8, choices=Decision.choices, default="", blank=True)
    comment = models.TextField("意见", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Who pressed: the approver, or their deputy (代批) under `delegation`.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey("approvals.Delegation", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    signature = models.OneToOneField("seals.PersonalSignature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="approval_step_approver_unique"),
        ]

    @property
    def subject(self) -> str:
        return f"approval:{self.step.approval_id}:decision:{self.pk}"


class ApprovalMessage(models.Model):
    """A copy of the living card: in the named room, the requester's and each approver's
    direct room with the bot. All show the same card."""

    class Kind(models.TextChoices):
        ROOM = "room", "会话"
        REQUESTER = "requester", "申请人"
        APPROVER = "approver", "审批人"
        DEPUTY = "deputy", "代批人"

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="messages")
    message = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["approval", "message"], name="approval_message_unique"),
        ]


class Delegation(models.Model):
    """A leader away names a deputy for a period: the deputy may decide in their place
    (shown as 代批 with both names)."""

    principal = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="委托人",
                                  on_delete=models.PROTECT, related_name="deputies")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="代批人",
                               on_delete=models.PROTECT, related_name="delegations_received")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "审批委托"
        verbose_name_plural = "审批委托"
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="delegation_ends_after_start"),
        ]
        indexes = [models.Index(fields=["principal", "ends_at"], name="delegations_by_principal")]
