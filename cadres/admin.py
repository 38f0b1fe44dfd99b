from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from cadres.models import AccessLogEntry, Township, Village, VillagerGroup


@admin.register(Township)
class TownshipAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Village)
class VillageAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "township"]
    list_filter = ["township"]
    list_select_related = ["township"]
    search_fields = ["code", "name"]


@admin.register(VillagerGroup)
class VillagerGroupAdmin(SimpleHistoryAdmin):
    list_display = ["village", "number", "name"]
    list_select_related = ["village"]
    search_fields = ["name", "village__name"]


import cadres.records.admin  # noqa: E402, F401 — the management records register their own admin


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is append-only by design."""

    list_display = ["at", "user", "action", "object_type", "object_id", "detail"]
    list_filter = ["action"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name", "object_id", "detail"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
