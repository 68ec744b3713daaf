from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from archive.models import ArchiveEntry


@admin.register(ArchiveEntry)
class ArchiveEntryAdmin(admin.ModelAdmin):
    """Read only: an entry is made by filing and never changed or removed by hand (its
    content hash and its audit log entry would no longer agree)."""

    list_display = ["archive_no", "title", "unit", "year", "retention", "kind", "verified",
                    "filed_at"]
    list_filter = ["kind", "retention", "year", "verified"]
    search_fields = ["archive_no", "title", "number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
