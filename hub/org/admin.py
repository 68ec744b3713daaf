"""Django admin for units and people. Membership edits go through actions, so that unit
rooms follow them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hub.org import actions
from hub.org.models import Unit, UnitMembership, User


class MembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "short_name"]

    def save_model(self, request: Any, obj: Unit, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from hub.chat.actions import sync_unit_room

        sync_unit_room(unit=obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "title", "is_bot", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()),
                 ("汇通", {"fields": ("display_name", "title", "is_bot")}))
    inlines = [MembershipInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        before = set(UnitMembership.objects.filter(user=form.instance).values_list("unit_id", flat=True))
        super().save_related(request, form, formsets, change)
        after = set(UnitMembership.objects.filter(user=form.instance).values_list("unit_id", flat=True))
        from hub.chat.actions import sync_unit_room

        for unit in Unit.objects.filter(id__in=before | after):
            sync_unit_room(unit=unit)


@admin.register(UnitMembership)
class UnitMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request: Any, obj: UnitMembership, form: Any, change: bool) -> None:
        actions.set_unit_membership(unit=obj.unit, user=obj.user, role=obj.role)

    def delete_model(self, request: Any, obj: UnitMembership) -> None:
        actions.remove_unit_membership(unit=obj.unit, user=obj.user)
