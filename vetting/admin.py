"""Admin: lists and runs are read-only here (imports, runs, reviews and the rules go
through their pages and services)."""

from django.contrib import admin

from vetting.models import (
    DefaultDepartment,
    ScreeningRun,
    WatchlistImport,
    WatchlistSource,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WatchlistSource)
class WatchlistSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]


@admin.register(WatchlistImport)
class WatchlistImportAdmin(ReadOnlyAdmin):
    list_display = ["source", "created_at", "imported_by", "rows", "added", "changed", "retired"]
    list_select_related = ["source", "imported_by"]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "trigger", "status", "chunks_done", "chunks_total", "matches"]
    list_filter = ["trigger", "status"]


@admin.register(DefaultDepartment)
class DefaultDepartmentAdmin(admin.ModelAdmin):
    """The departments a joint review asks unless the district reviewer picks others."""

    list_display = ["department", "updated_at"]
