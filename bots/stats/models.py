"""Daily rollups behind the statistics (统计): one row per recipient unit and day (the local
date a document was delivered), kept up to date by the worker from the audit log, so a year
of figures is a sum over a few tens of thousands of rows instead of a scan of every copy."""

from __future__ import annotations

from django.db import models


class DocumentDay(models.Model):
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    received = models.IntegerField(default=0)
    signed = models.IntegerField(default=0)
    signed_on_time = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    # Handled after the document's deadline (open copies past it are counted when asked).
    handled_late = models.IntegerField(default=0)
    # Minutes from delivery to 签收, as {minutes: copies} in buckets (bots.stats.rollup.bucket).
    sign_minutes = models.JSONField(default=dict)
    # Copies still open with a deadline, and the earliest and latest of their deadlines: a
    # row whose latest deadline has passed counts them all as overdue, one whose earliest has
    # not counts none, and only the few rows in between are read copy by copy.
    open_due = models.IntegerField(default=0)
    open_due_min = models.DateTimeField(null=True, blank=True)
    open_due_max = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"],
                                               name="stats_document_day_unique")]
        indexes = [models.Index(fields=["day", "unit"], name="stats_document_days")]


class DocumentMonth(models.Model):
    """The month's sign-time histogram per unit (the days' merged), so that a year's median
    merges twelve rows per unit instead of 365."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    sign_minutes = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"],
                                               name="stats_document_month_unique")]


class ActiveDay(models.Model):
    """Someone was active on a day (local date): sent a message or took a step that the audit
    log records (signed, decided, reported...). What the supervision offices check: who of
    the registered people use the system."""

    user = models.ForeignKey("org.User", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"],
                                               name="stats_active_day_unique")]
        indexes = [models.Index(fields=["day", "user"], name="stats_active_days")]


class RollupState(models.Model):
    """The one row of the rollup's progress: how far it has read the audit log, and when it
    last rebuilt every day (a nightly pass that also catches anything the log missed)."""

    audit_seq = models.BigIntegerField(default=0)
    message_id = models.BigIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    # While a rebuild runs (a few weeks of days per turn): the next day to recompute.
    rebuild_next = models.DateField(null=True, blank=True)


class MonthlyReport(models.Model):
    """The monthly 通报 drafted for a month (once): the draft in the documents chain."""

    year = models.IntegerField()
    month = models.IntegerField()
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "month"],
                                               name="stats_monthly_report_unique")]
