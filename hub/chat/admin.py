from django.contrib import admin

from hub.chat.models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "member_count", "last_seq"]
    list_filter = ["kind"]
    search_fields = ["name"]
    # Membership changes go through the API (or unit membership), which announces them live.
    readonly_fields = ["last_seq", "member_count", "direct_key", "kind", "unit"]
