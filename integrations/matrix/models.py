"""What the Matrix bridge keeps: which rooms are bridged and how far each has been sent,
who is who on both sides, which Matrix event is which Huitong message, the transactions the
homeserver pushed (stored before they are answered) and the outbox of changes to send."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MatrixRoom(models.Model):
    """A Huitong room bridged to one Matrix room."""

    room = models.OneToOneField("chat.Room", verbose_name="会话", on_delete=models.CASCADE,
                                related_name="matrix_bridge")
    matrix_room_id = models.CharField("Matrix 房间", max_length=255, unique=True)
    alias = models.CharField("Matrix 别名", max_length=255, blank=True)
    active = models.BooleanField("启用", default=True)
    # The room setting for what the gate withholds: a neutral notice (True) or nothing.
    notice_withheld = models.BooleanField("被拦截时留下提示", default=True)
    # Huitong → Matrix: every message up to this seq has been sent or withheld.
    sent_seq = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the bridge was (last) started: Matrix events from before stay on Matrix.
    since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Matrix 桥接"
        verbose_name_plural = "Matrix 桥接"

    def __str__(self) -> str:
        return f"{self.room} ⇄ {self.alias or self.matrix_room_id}"


class MatrixUser(models.Model):
    """A Huitong user's Matrix identity: the ghost `@ht_<username>` of a person of the
    organisation (`ghost`), or the account of a person on Matrix (an `is_external` user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="matrix")
    mxid = models.CharField(max_length=255, unique=True)
    ghost = models.BooleanField(default=True)
    # A ghost's account and device exist on the homeserver.
    registered = models.BooleanField(default=False)
    # The display name last set on the homeserver (ghosts) or seen there (external people).
    display_name = models.CharField(max_length=255, blank=True)


class GhostMembership(models.Model):
    """A ghost that has joined a bridged room on Matrix."""

    ghost = models.ForeignKey(MatrixUser, on_delete=models.CASCADE, related_name="+")
    bridge = models.ForeignKey(MatrixRoom, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ghost", "bridge"],
                                               name="matrix_ghost_membership_unique")]


class EventMap(models.Model):
    """A Matrix event and the Huitong message (or reaction) it stands for, either way."""

    class Part(models.TextChoices):
        TEXT = "text", "正文"
        FILE = "file", "文件"
        NOTICE = "notice", "卡片摘要"
        REACTION = "reaction", "回应"
        WITHHELD = "withheld", "拦截提示"

    bridge = models.ForeignKey(MatrixRoom, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=255)
    message = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="+")
    part = models.CharField(max_length=16, choices=Part.choices)
    # A reaction: whose, and which emoji.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=64, blank=True)
    from_matrix = models.BooleanField(default=False)
    # A Huitong reaction that was taken back: its Matrix event has been redacted.
    redacted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bridge", "event_id"],
                                               name="matrix_event_unique")]
        indexes = [models.Index(fields=["message", "part"], name="matrix_event_by_message")]


class InboundTxn(models.Model):
    """A transaction the homeserver pushed, stored (with its events) before it is answered,
    so a transaction pushed again is recognised and nothing in it is applied twice."""

    txn_id = models.CharField(max_length=255, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)


class InboundEvent(models.Model):
    """One event of a pushed transaction, applied once by the bridge (`done_at`)."""

    # The event_id, or "<txnId>#<n>" for an ephemeral event (receipts, typing).
    key = models.CharField(max_length=255, unique=True)
    txn = models.ForeignKey(InboundTxn, on_delete=models.CASCADE, related_name="events")
    matrix_room_id = models.CharField(max_length=255, blank=True)
    ephemeral = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["id"], name="matrix_inbound_pending",
                                condition=models.Q(done_at__isnull=True))]


class Outbox(models.Model):
    """A change to send to Matrix (an edit, deletion, reaction, read position, card update,
    typing, join or leave), written in the transaction that made it; deleted once sent."""

    bridge = models.ForeignKey(MatrixRoom, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["bridge", "id"], name="matrix_outbox_by_bridge")]
