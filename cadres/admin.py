from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from cadres.admin_mixins import ReadOnlyAdmin, ReadOnlyAdminMixin
from cadres.models import AccessLogCheckpoint, AccessLogEntry, Job, Township, Village, VillagerGroup
from cadres.services import villager_group_upsert


# Places change through the services. A village's township, code and name are fixed once it
# exists (a rename is recorded as a village change, with its day and document):
# moving one moves the scope of every record on it, which is a merger or transfer to record
# as such, not an edit. Nothing is deleted, since posts and records point at places.
@admin.register(Township)
class TownshipAdmin(ReadOnlyAdminMixin, GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "valid_from", "valid_to", "code_source", "code_year"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Village)
class VillageAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "township", "valid_to", "code_source", "code_year"]
    list_filter = ["township", "kind"]
    list_select_related = ["township"]
    search_fields = ["code", "name"]

    def get_fieldsets(self, request, obj=None):
        # Kinds, 城乡分类, code sources and validity come from the places import and the
        # recorded village changes, which keep them consistent; the admin only adds a village.
        # A rename is a village change too: past months must keep the name they had.
        description = None
        if obj:
            description = format_html(
                _('To rename this village, record the rename under <a href="{}">{}</a>.'),
                reverse("cadres:place_event_create"),
                _("Village mergers, splits and renames"),
            )
        return [(None, {"fields": ["township", "code", "name"], "description": description})]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VillagerGroup)
class VillagerGroupAdmin(SimpleHistoryAdmin):
    list_display = ["village", "number", "name"]
    list_select_related = ["village"]
    search_fields = ["name", "village__name"]

    def has_change_permission(self, request, obj=None) -> bool:
        # A group is known by its name within its village (the roster finds it so).
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        saved = villager_group_upsert(village=obj.village, number=obj.number, name=obj.name)
        obj.pk = saved.pk


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    """Read-only for everyone, superusers included: the log is append-only by design."""

    list_display = ["at", "user", "action", "object_type", "object_id", "detail"]
    list_filter = ["action"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name", "object_id", "detail"]
    date_hierarchy = "at"


@admin.register(AccessLogCheckpoint)
class AccessLogCheckpointAdmin(ReadOnlyAdmin):
    """Written only by the verification (cadres.access_log); read-only like the log."""

    list_display = ["at", "entry_count", "head_hash", "legacy_count"]
    date_hierarchy = "at"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Jobs change only through cadres.jobs: retried from their page, never edited."""

    list_display = ["pk", "kind", "state", "requested_by", "township", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["requested_by", "township"]
    date_hierarchy = "created_at"
