"""文档管理: one library per unit and the district's, a folder tree in each, files with
every version kept, folder grants inherited downwards, and shares of a file to a room or
to people."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

# How long a deleted file waits in the recycle bin before it is purged.
RETENTION = timedelta(days=30)


class Level(models.IntegerChoices):
    """What someone may do with a folder and what lies below it; each level includes the
    ones before it."""

    VIEW = 1, "view"
    DOWNLOAD = 2, "download"
    EDIT = 3, "edit"
    MANAGE = 4, "manage"


class Library(models.Model):
    """A unit's library, or the district's (no unit)."""

    unit = models.OneToOneField("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="library")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文件库"
        verbose_name_plural = "文件库"
        # One district library: the unit is unique, and "no unit" counts as one value.
        constraints = [models.UniqueConstraint(Coalesce("unit", Value(0)),
                                               name="library_one_district")]

    @property
    def key(self) -> str:
        return f"unit:{self.unit.code}" if self.unit is not None else "district"


class Folder(models.Model):
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="folders")
    # None for the library's root folder (one per library).
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    name = models.CharField("名称", max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "文件夹"
        verbose_name_plural = "文件夹"
        constraints = [
            models.UniqueConstraint(fields=["library"], condition=Q(parent__isnull=True),
                                    name="library_one_root"),
            models.UniqueConstraint(fields=["parent", "name"], name="library_folder_name"),
        ]

    @property
    def subject(self) -> str:
        return f"library_folder:{self.pk}"


class FolderGrant(models.Model):
    """A right on a folder, inherited by everything below it: for a person, for a unit's
    members, or for the members of a unit who hold one role there."""

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="grants")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    role = models.CharField(max_length=16, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    level = models.IntegerField(choices=Level.choices)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=(Q(unit__isnull=False, user__isnull=True)
                       | Q(unit__isnull=True, user__isnull=False, role="")),
            name="library_grant_names_one")]


class File(models.Model):
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="files")
    name = models.CharField("名称", max_length=200)
    # The latest version's number; raised under the row lock with each new version.
    version = models.IntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Marked as requiring reading: who opened which version is kept (FileRead).
    read_required = models.BooleanField("需阅读", default=False)
    # Checked out (签出) for editing: nobody else saves until it is released.
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)
    # In the recycle bin since then; purged RETENTION later.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        constraints = [models.UniqueConstraint(fields=["folder", "name"],
                                               condition=Q(deleted_at__isnull=True),
                                               name="library_file_live_name")]
        indexes = [models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False),
                                name="library_file_binned")]

    @property
    def subject(self) -> str:
        return f"library_file:{self.pk}"


class FileVersion(models.Model):
    """One version of a file, never changed once written. A restore is a new version with
    an older one's content (the same stored attachment: the bytes are kept once)."""

    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="versions")
    version = models.IntegerField()
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT,
                                   related_name="+")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    comment = models.CharField(max_length=500, blank=True)
    restored_from = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["file", "version"]
        constraints = [models.UniqueConstraint(fields=["file", "version"],
                                               name="library_version_unique")]


class FileShare(models.Model):
    """A file shared into a room (its members view and download it; the card there follows
    the latest version) or to one person."""

    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="shares")
    room = models.ForeignKey("chat.Room", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("chat.Message", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=(Q(room__isnull=False, user__isnull=True)
                                              | Q(room__isnull=True, user__isnull=False)),
                                   name="library_share_names_one"),
        ]


class FileRead(models.Model):
    """Someone opened a file marked as requiring reading: the first time per version."""

    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.IntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "user", "version"],
                                               name="library_read_once")]
