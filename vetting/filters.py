"""Filters of the hit queue, the screening runs, the removal cases and the eligibility
review."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Post
from cadres.place_filters import TownshipFilter
from vetting.models import Hit, RemovalCase, ScreeningRun, WatchlistSource
from vetting.models.screening import SubjectKind

SORTS = {
    "score": ("-score", "pk"),
    "recent": ("-created_at", "-pk"),
    "name": ("entry__name_key__pinyin_order", "pk"),
}


class HitFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Hit.Status.choices, empty_label=_("Any status")
    )
    township = TownshipFilter()
    list_kind = django_filters.ChoiceFilter(
        label=_("List kind"), field_name="entry__source__kind", choices=WatchlistSource.Kind.choices
    )
    match_kind = django_filters.ChoiceFilter(label=_("Match kind"), choices=Hit.MatchKind.choices)
    subject_kind = django_filters.ChoiceFilter(label=_("Subject"), choices=SubjectKind.choices)
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        empty_label=_("Default order"),
        method="sort_by",
        choices=[
            ("score", pgettext_lazy("hit", "Score")),
            ("recent", _("Most recent")),
            ("name", _("Name")),
        ],
    )

    class Meta:
        model = Hit
        fields = ["status", "township", "list_kind", "match_kind", "subject_kind"]

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["score"]))


class RunFilter(django_filters.FilterSet):
    """Runs by trigger. By default the runs of the nightly schedule, the imports and those
    started by hand: the runs that screen whole lists. The runs of people changed and of
    candidates submitted are one choice away."""

    ALL = "all"
    SCREENS_OF_FEW = (ScreeningRun.Trigger.PERSON, ScreeningRun.Trigger.CANDIDATE)

    trigger = django_filters.ChoiceFilter(
        label=_("Trigger"),
        choices=[(ALL, _("Every trigger")), *ScreeningRun.Trigger.choices],
        empty_label=_("Schedule, imports and by hand"),
        method="filter_trigger",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ScreeningRun.Status.choices)

    class Meta:
        model = ScreeningRun
        fields = ["trigger", "status"]

    def filter_trigger(self, queryset, name, value):
        return queryset if value == self.ALL else queryset.filter(trigger=value)

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("trigger"):
            queryset = queryset.exclude(trigger__in=self.SCREENS_OF_FEW)
        return super().filter_queryset(queryset)


class RemovalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RemovalCase.Status.choices, empty_label=_("Any status")
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=RemovalCase.Source.choices)
    township = TownshipFilter()

    class Meta:
        model = RemovalCase
        fields = ["status", "source", "township"]


class EligibilityReviewFilter(django_filters.FilterSet):
    """The 资格复核 list: serving posts by township and body."""

    township = TownshipFilter(field_name="village__township")
    body = django_filters.ChoiceFilter(label=_("Body"), choices=Post.Body.choices)

    class Meta:
        model = Post
        fields = ["township", "body"]
