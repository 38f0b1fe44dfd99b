from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from cadres.models import Township, Village, VillagerGroup


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
