"""Read-only admin pages: every write goes through the services and the app's own pages."""

from django.contrib import admin

from cadres.admin_mixins import ReadOnlyHistoryAdmin
from supervision.models import (
    Audit,
    AuditAttachment,
    CaseEvent,
    Disclosure,
    DisclosureSchedule,
    Handover,
    HandoverDocument,
    HandoverLine,
    MisconductCase,
    SupervisionRecord,
)


@admin.register(SupervisionRecord)
class SupervisionRecordAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "village", "tier", "kind", "rectification_deadline", "rectified_on"]
    list_filter = ["tier", "kind"]
    list_select_related = ["village"]
    search_fields = ["village__name", "findings"]


@admin.register(Audit)
class AuditAdmin(ReadOnlyHistoryAdmin):
    list_display = ["kind", "village", "post", "status", "amount_questioned", "completed_on"]
    list_filter = ["kind", "status"]
    list_select_related = ["village", "post__person", "post__village"]


@admin.register(AuditAttachment)
class AuditAttachmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["original_name", "audit", "uploaded_by", "created_at"]
    list_select_related = ["audit__village", "uploaded_by"]


@admin.register(DisclosureSchedule)
class DisclosureScheduleAdmin(ReadOnlyHistoryAdmin):
    list_display = ["kind", "period", "grace_days"]


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyHistoryAdmin):
    list_display = ["village", "kind", "period_start", "published_on", "channel", "verified_on"]
    list_filter = ["kind", "channel"]
    list_select_related = ["village"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "actor", "action", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MisconductCase)
class MisconductCaseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["person", "village", "occurred_on", "category", "disposition", "status"]
    list_filter = ["status", "category", "disposition"]
    list_select_related = ["person", "village"]
    search_fields = ["person__name"]
    inlines = [CaseEventInline]


class HandoverLineInline(admin.TabularInline):
    model = HandoverLine
    fields = ["kind", "description", "quantity", "notes", "recorded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Handover)
class HandoverAdmin(ReadOnlyHistoryAdmin):
    list_display = ["outgoing_post", "village", "incoming_person", "due_on", "state"]
    list_filter = ["state"]
    list_select_related = ["outgoing_post__person", "outgoing_post__village", "village"]
    search_fields = ["outgoing_post__person__name", "incoming_person__name"]
    inlines = [HandoverLineInline]


@admin.register(HandoverDocument)
class HandoverDocumentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["original_name", "line", "uploaded_by", "created_at"]
    list_select_related = ["line", "uploaded_by"]
