"""Rows that carry live events and presence between processes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LiveEvent(models.Model):
    """An event produced by a process with no sockets (the worker, a management command)
    while the channel layer is the in-memory one, which does not cross processes. The web
    process drains these rows and fans them out; they are pruned after a few minutes."""

    envelope = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Presence(models.Model):
    """How many sockets one user has open on one server process. A row whose heartbeat is
    stale belongs to a process that died and does not count."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    server = models.CharField(max_length=40)
    sockets = models.IntegerField(default=0)
    away = models.BooleanField(default=False)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "server"], name="presence_unique"),
        ]
        indexes = [models.Index(fields=["server"])]


class IndexQueue(models.Model):
    """A change to something searchable (a message, document, meeting, approval), written in
    the transaction that made the change (hub/core/changes.py). The search worker drains
    these rows into the index; a row that is never committed is never indexed."""

    class Op(models.TextChoices):
        UPSERT = "upsert", "写入"
        DELETE = "delete", "删除"

    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    op = models.CharField(max_length=8, choices=Op.choices, default=Op.UPSERT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["op", "kind"], name="indexqueue_op_kind")]


class TodoDirty(models.Model):
    """Someone's to-do list may have changed: a person (`user_id`) or everyone in a unit
    (`unit_id`). Written in the transaction of a change that reaches many people
    (hub/core/todo.py); the worker recounts them and publishes their new counts. Plain ids,
    not foreign keys: the rows live for a moment and must not lock the people they name."""

    user_id = models.BigIntegerField(null=True)
    unit_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
