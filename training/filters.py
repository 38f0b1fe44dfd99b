"""Search boxes and filters of the training lists."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.identity import name_key
from cadres.ordering import Ordering
from cadres.place_filters import TownshipFilter, VillageFilter
from cadres.search import SearchFilter
from training.models import Attendance, DailyStudy, Round, Session
from training.selectors import rounds_for

SEARCH_WIDGET = forms.TextInput(attrs={"type": "search"})


def _rounds(request):
    return rounds_for(request.user) if request else Round.objects.none()


def person_q(value: str, prefix: str = "person__") -> Q:
    """By name (any spelling the register normalizes), pinyin initials or ID number digits."""
    value = value.strip()
    return (
        Q(**{f"{prefix}name_key__contains": name_key(value)})
        | Q(**{f"{prefix}name_initials__startswith": value.lower()})
        | Q(**{f"{prefix}id_number__contains": value.upper()})
    )


class SessionFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Search"), method="search", widget=SEARCH_WIDGET)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Session.Kind.choices)
    organizer = django_filters.ChoiceFilter(
        label=_("Organizer"),
        choices=[("district", _("District")), ("township", _("Township"))],
        method="by_organizer",
    )
    # A year outside the calendar's range would crash the year lookup: refused by the form.
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="starts_at", lookup_expr="year", min_value=1, max_value=9999
    )
    round = django_filters.ModelChoiceFilter(label=_("Round"), queryset=_rounds)
    order = Ordering(
        label=_("Sort by"),
        empty_label=_("Default order"),
        fields=(("starts_at", "starts_at"), ("title", "title"), ("hours", "hours")),
        field_labels={"starts_at": _("Start"), "title": _("Session title"), "hours": _("Hours")},
    )

    class Meta:
        model = Session
        fields = ["q", "kind", "organizer", "year", "round"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(topics__icontains=value) | Q(lecturer__icontains=value)
        )

    def by_organizer(self, queryset, name, value):
        return queryset.filter(organizer__isnull=value == "district")


class RosterFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Search"), method="search", widget=SEARCH_WIDGET)
    township = TownshipFilter(field_name="village__township", with_villages=True)
    village = VillageFilter()
    status = django_filters.ChoiceFilter(label=_("Attendance"), choices=Attendance.Status.choices)
    order = Ordering(
        label=_("Sort by"),
        empty_label=_("Default order"),
        fields=(
            ("village__code", "village"),
            ("person__name_key__pinyin_order", "name"),
            ("status", "status"),
        ),
        field_labels={"village": _("Village"), "name": _("Cadre name"), "status": _("Attendance")},
    )

    class Meta:
        model = Attendance
        fields = ["q", "township", "village", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(person_q(value))


class RoundFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Search"), field_name="title", lookup_expr="icontains")
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = Round
        fields = ["q", "year"]


class DailyStudyFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Search"), method="search", widget=SEARCH_WIDGET)
    # A year outside the calendar's range would crash the year lookup: refused by the form.
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="studied_on", lookup_expr="year", min_value=1, max_value=9999
    )
    order = Ordering(
        label=_("Sort by"),
        empty_label=_("Default order"),
        fields=(
            ("studied_on", "date"),
            ("person__name_key__pinyin_order", "name"),
            ("hours", "hours"),
        ),
        field_labels={"date": _("Date"), "name": _("Cadre name"), "hours": _("Hours")},
    )

    class Meta:
        model = DailyStudy
        fields = ["q", "year"]

    def search(self, queryset, name, value):
        return queryset.filter(person_q(value) | Q(topic__icontains=value))


class CoverageFilter(django_filters.FilterSet):
    """Filters the rows of training.selectors round_coverage / year_coverage (posts)."""

    q = SearchFilter(label=_("Search"), method="search", widget=SEARCH_WIDGET)
    township = TownshipFilter(field_name="village__township", with_villages=True)
    village = VillageFilter()
    untrained = django_filters.BooleanFilter(
        label=_("Untrained only"),
        method="only_untrained",
        widget=forms.CheckboxInput,
    )
    order = Ordering(
        label=_("Sort by"),
        empty_label=_("Default order"),
        fields=(
            ("village__code", "village"),
            ("person__name_key__pinyin_order", "name"),
            ("total_hours", "hours"),
        ),
        field_labels={"village": _("Village"), "name": _("Cadre name"), "hours": _("Hours")},
    )

    def search(self, queryset, name, value):
        return queryset.filter(person_q(value))

    def only_untrained(self, queryset, name, value):
        return queryset.filter(total_hours=0) if value else queryset
