"""The archive (归档): one row per filed item (件), numbered per unit, year, retention period
and class without gaps (DA/T 22-2015). What an entry was filed from is named, not linked
(`source_type`/`source_id`, `object_type`/`object_id`): the archive knows only the kinds the
apps registered (archive/registry.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ArchiveEntry(models.Model):
    class Retention(models.TextChoices):
        PERMANENT = "permanent", "永久"
        Y30 = "30y", "定期30年"
        Y10 = "10y", "定期10年"

    unit = models.ForeignKey("org.Unit", verbose_name="立档单位", on_delete=models.PROTECT,
                             related_name="archive_entries")
    # The registered kind (archive/registry.py): "incoming" (收文), "outgoing" (发文), ...
    kind = models.CharField("类别", max_length=16)
    year = models.IntegerField("年度")
    retention = models.CharField("保管期限", max_length=16, choices=Retention.choices)
    item_no = models.IntegerField("件号")
    archive_no = models.CharField("档号", max_length=64, unique=True)
    # What one item is ("delivery" 12: a received copy) and what it stands for, whose page
    # it opens and whose audit log it shows ("document" 5).
    source_type = models.CharField(max_length=32)
    source_id = models.BigIntegerField()
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    title = models.CharField("题名", max_length=200)
    number = models.CharField("文件编号", max_length=64, blank=True)
    doc_type = models.CharField("文种", max_length=8, blank=True)
    date = models.DateField("日期")
    responsible = models.CharField("责任者", max_length=200)
    secrecy = models.CharField("密级", max_length=16)
    metadata = models.JSONField("著录项", default=dict)
    files = models.JSONField("文件", default=list)  # [{name, size, sha256, attachment}]
    verified = models.BooleanField("校验通过")
    verify_detail = models.CharField("校验说明", max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64)
    filed_at = models.DateTimeField("归档时间")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    # The seq of the filing's entry in the audit log: it grows in the order filings commit
    # (appending holds the log's head row until commit), so the feed's cursor never skips one.
    seq = models.BigIntegerField("归档序号", unique=True, null=True)

    class Meta:
        verbose_name = "档案"
        verbose_name_plural = "档案"
        permissions = [("view_all_archives", "查阅和导出全部档案")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "retention", "kind", "item_no"],
                                    name="archive_item_unique"),
            models.UniqueConstraint(fields=["source_type", "source_id"],
                                    name="archive_source_once"),
        ]
        indexes = [models.Index(fields=["unit", "year"], name="archive_by_unit_year"),
                   models.Index(fields=["-filed_at"], name="archive_by_filed"),
                   models.Index(fields=["object_type", "object_id"], name="archive_by_object")]

    def __str__(self) -> str:
        return f"{self.archive_no} {self.title}"

    @property
    def subject(self) -> str:
        return f"archive:{self.id}"

    @property
    def object_subject(self) -> str:
        """The audit subject of what was filed ("document:5")."""
        return f"{self.object_type}:{self.object_id}"


class ArchiveCounter(models.Model):
    """The last 件号 given in one series; raised under its row lock."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.IntegerField()
    retention = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "retention", "kind"],
                                    name="archive_counter_unique"),
        ]


class ArchiveCursor(models.Model):
    """How far the worker has read the audit log for handling events (one row)."""

    seq = models.BigIntegerField(default=0)
