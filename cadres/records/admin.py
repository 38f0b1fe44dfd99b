"""Admin for the management records: the district edits the grading rule here; the
records themselves are read-only (they change through their pages' services)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cadres.admin_mixins import ReadOnlyHistoryAdmin
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    GradingRule,
    PartyCandidate,
    PersonalReport,
    PioneerProject,
    Recusal,
    SecretaryChange,
    SecretaryFiling,
)


@admin.register(GradingRule)
class GradingRuleAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "active",
        "weight_performance",
        "weight_discipline",
        "weight_reputation",
        "excellent_from",
        "competent_from",
        "basic_from",
        "discipline_veto_below",
    ]

    def has_delete_permission(self, request, obj=None):
        # Evaluations keep the rule they were graded by.
        return False


@admin.register(SecretaryFiling)
class SecretaryFilingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["filing_number", "village", "person", "filed_on", "status"]
    list_filter = ["status"]
    list_select_related = ["village", "person"]
    search_fields = ["filing_number", "person__name"]


@admin.register(SecretaryChange)
class SecretaryChangeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["village", "person", "ends_on", "end_reason", "status"]
    list_filter = ["status"]
    list_select_related = ["village", "person"]
    search_fields = ["person__name", "village__name"]


@admin.register(PersonalReport)
class PersonalReportAdmin(ReadOnlyHistoryAdmin):
    list_display = ["person", "village", "year", "kind", "status"]
    list_filter = ["kind", "status", "year"]
    list_select_related = ["person", "village"]


@admin.register(DutyRoster)
class DutyRosterAdmin(ReadOnlyHistoryAdmin):
    list_display = ["village", "period", "starts_on", "ends_on"]
    list_select_related = ["village"]


@admin.register(PioneerProject)
class PioneerProjectAdmin(ReadOnlyHistoryAdmin):
    list_display = ["year", "village", "person", "title", "status", "score"]
    list_filter = ["year", "status"]
    list_select_related = ["village", "person"]


@admin.register(AnnualEvaluation)
class AnnualEvaluationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["year", "village", "person", "total", "grade"]
    list_filter = ["year", "grade"]
    list_select_related = ["village", "person"]


@admin.register(PartyCandidate)
class PartyCandidateAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "village", "stage"]
    list_select_related = ["village"]
    exclude = ["id_number"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyHistoryAdmin):
    list_display = ["cadre", "candidate", "status"]
    list_filter = ["status"]
    list_select_related = ["cadre", "candidate"]
