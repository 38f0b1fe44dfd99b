"""List filters of the management records; township choices are the user's own."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Post, Village
from cadres.place_filters import TownshipFilter, VillageFilter
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    Grade,
    LeavePeriod,
    PartyCandidate,
    PersonalReport,
    PioneerProject,
    Recusal,
    SecretaryChange,
    SecretaryFiling,
)
from cadres.search import SearchFilter


class RecordFilter(django_filters.FilterSet):
    """Township, village and free-text search, common to every list."""

    township_field = "village__township"
    village_field = "village"
    search_fields: tuple[str, ...] = ()

    township = TownshipFilter(
        label=_("Township or subdistrict"), method="filter_township", with_villages=True
    )
    village = VillageFilter(method="filter_village")
    q = SearchFilter(label=_("Search"), method="filter_search")

    def filter_township(self, queryset, name, value):
        return queryset.filter(**{self.township_field: value})

    def filter_village(self, queryset, name, value):
        # By its pk: the unfiled list filters villages themselves (village_field "pk").
        return queryset.filter(**{self.village_field: value.pk})

    def filter_search(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class SecretaryFilingFilter(RecordFilter):
    search_fields = ("filing_number", "person__name", "village__name")

    class Meta:
        model = SecretaryFiling
        fields = ["status"]


class SecretaryChangeFilter(RecordFilter):
    search_fields = ("person__name", "village__name", "successor")

    class Meta:
        model = SecretaryChange
        fields = ["status"]


class UnfiledFilter(RecordFilter):
    township_field = "township"
    village_field = "pk"
    search_fields = ("name",)

    class Meta:
        model = Village
        fields = []


class MissingReportFilter(RecordFilter):
    """Filters the serving posts from which the missing-reports list takes its people."""

    search_fields = ("person__name",)

    class Meta:
        model = Post
        fields = []


class PersonalReportFilter(RecordFilter):
    search_fields = ("person__name", "content")

    class Meta:
        model = PersonalReport
        fields = ["year", "kind", "status"]


class LeaveFilter(RecordFilter):
    """Leave of the cadres serving in a township or village (today)."""

    search_fields = ("person__name", "reason")

    class Meta:
        model = LeavePeriod
        fields = []

    def filter_township(self, queryset, name, value):
        return queryset.filter(person__in=village_people(village__township=value))

    def filter_village(self, queryset, name, value):
        return queryset.filter(person__in=village_people(village=value))


def village_people(**where):
    return Post.objects.serving().filter(**where).values("person_id")


class DutyRosterFilter(RecordFilter):
    search_fields = ("village__name", "note")

    class Meta:
        model = DutyRoster
        fields = ["period"]


class PioneerProjectFilter(RecordFilter):
    search_fields = ("title", "person__name")

    class Meta:
        model = PioneerProject
        fields = ["year", "status"]


class EvaluationFilter(RecordFilter):
    search_fields = ("person__name", "evaluator")
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Grade.choices)

    class Meta:
        model = AnnualEvaluation
        fields = ["year", "grade"]


class PartyCandidateFilter(RecordFilter):
    search_fields = ("name",)

    class Meta:
        model = PartyCandidate
        fields = ["stage"]


class RecusalFilter(RecordFilter):
    township_field = "candidate__village__township"
    village_field = "candidate__village"
    search_fields = ("cadre__name", "candidate__name")

    class Meta:
        model = Recusal
        fields = ["status"]
