"""Scheduled jobs: reminders, escalations and other work due at a time, kept in the database
so that a restarted worker loses none and fires none twice."""

from __future__ import annotations

from django.db import models


class Job(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待执行"
        DONE = "done", "已执行"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("类型", max_length=64)
    # Scheduling the same key twice keeps the first job (e.g. "document:12:sign:1").
    key = models.CharField(max_length=128, unique=True, null=True, blank=True)
    payload = models.JSONField(default=dict)
    run_at = models.DateTimeField("执行时间")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"
        indexes = [models.Index(fields=["state", "run_at"], name="bots_job_due")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.run_at:%Y-%m-%d %H:%M} ({self.state})"
