"""Admin: lists and runs are read-only here (imports, runs, reviews and the rules go
through their pages and services)."""

from django.contrib import admin

from cadres.admin_mixins import ReadOnlyAdmin
from vetting.models import (
    DefaultDepartment,
    ScreeningRun,
    WatchlistImport,
    WatchlistSource,
)


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
