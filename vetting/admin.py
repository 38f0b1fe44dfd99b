"""Admin: the district edits the mild 党纪 measures; lists and runs are read-only here
(imports, runs and reviews go through their pages and services)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from vetting.models import (
    DefaultDepartment,
    MildMeasure,
    ScreeningRun,
    WatchlistImport,
    WatchlistSource,
)


@admin.register(MildMeasure)
class MildMeasureAdmin(SimpleHistoryAdmin):
    list_display = ["term", "note", "updated_at"]
    search_fields = ["term"]


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
