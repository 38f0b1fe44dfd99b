"""Training in the admin: for looking only; every write goes through training.services."""

from django.contrib import admin

from cadres.admin_mixins import ReadOnlyHistoryAdmin
from training.models import Attendance, DailyStudy, Material, Round, Session


@admin.register(Round)
class RoundAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "year", "organizer"]
    list_filter = ["year", "organizer"]
    list_select_related = ["organizer"]
    search_fields = ["title"]


@admin.register(Session)
class SessionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "kind", "organizer", "starts_at", "hours"]
    list_filter = ["kind", "organizer"]
    list_select_related = ["organizer"]
    search_fields = ["title", "lecturer"]
    date_hierarchy = "starts_at"


@admin.register(Material)
class MaterialAdmin(ReadOnlyHistoryAdmin):
    list_display = ["original_name", "session", "size", "uploaded_by"]
    list_select_related = ["session", "uploaded_by"]
    exclude = ["file"]  # served only through the scoped download view


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["person", "village", "session", "status"]
    list_filter = ["status"]
    list_select_related = ["person", "village", "session"]
    search_fields = ["person__name", "session__title"]
    raw_id_fields = ["person", "session"]


@admin.register(DailyStudy)
class DailyStudyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["person", "topic", "studied_on", "hours", "recorded_by"]
    list_select_related = ["person", "recorded_by"]
    search_fields = ["person__name", "topic"]
