"""The cadre list's search box and filters."""

import datetime as dt

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.access_log_page import entries_in_township
from cadres.ages import AGE_BANDS, age_band_q
from cadres.choices import Education, Light, PoliticalStatus
from cadres.identity import name_key, normalize_id_number
from cadres.models import (
    AccessLogEntry,
    IdNumberConflict,
    Job,
    Person,
    Post,
    StrictControlSource,
    Township,
    serving_q,
)
from cadres.ordering import Ordering
from cadres.place_filters import TownshipFilter, VillageFilter
from cadres.scoping import in_townships
from cadres.search import SearchFilter
from cadres.selectors import KeyedPeople
from cadres.widgets import QuickSelect

# Characters that make a search look like (part of) an ID number, not a name.
_ID_CHARS = set("0123456789Xx*")


# The sorts by a key from a person's serving posts: the key, and the post field it is the
# least of.
_POST_KEYS = {"first_village_code": "village__code", "next_term_end": "term_end"}


def _serving_post_keys() -> dict:
    serving = serving_q(prefix="posts__")
    return {name: Min(f"posts__{field}", filter=serving) for name, field in _POST_KEYS.items()}


class PersonOrdering(Ordering):
    """Sorting, with the keys from serving posts computed only when they are the sort.

    Those keys are aggregates over one join of people and posts. A subquery for each
    person took eight times as long; annotated always, they would make every count a
    grouped query.

    Ties are broken by pk, not by name: the pinyin collation compares through ICU, and as a
    tie-break it was applied to every row sorted (and grouped by, for the keys from posts):
    an incremental sort of all 100,000 people, half of the slowest page's time. Names are
    in pinyin order where the name is the sort, and in the register's default order.
    """

    def filter(self, qs, value):
        if not value:
            return qs
        keys = _serving_post_keys()
        ordering = []
        for param in value:
            field = self.get_ordering_value(param)
            name = field.lstrip("-")
            if name in keys:
                qs = qs.annotate(**{name: keys[name]})
            # Former cadres have no village or term end: last, whichever the direction.
            ordering.append(
                F(name).desc(nulls_last=True) if field[0] == "-" else F(name).asc(nulls_last=True)
            )
        # A total order, so that no one appears on two pages; in the sort's direction, so
        # that one index gives the whole order (see KeyedPeople).
        return qs.order_by(*ordering, "-pk" if ordering[0].descending else "pk")


class PersonFilter(django_filters.FilterSet):
    q = SearchFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, pinyin initials or ID number"), "type": "search"}
        ),
    )
    township = TownshipFilter(
        label=pgettext_lazy("cadre list", "Township"), method="in_township", with_villages=True
    )
    village = VillageFilter(label=pgettext_lazy("cadre list", "Village"), method="in_village")
    body = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=pgettext_lazy("cadre list", "Body"),
        choices=Post.Body.choices,
        method="serving_post",
    )
    title = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=pgettext_lazy("cadre list", "Title"),
        choices=Post.Title.choices,
        method="serving_post",
    )
    political_status = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("Political status"), choices=PoliticalStatus.choices
    )
    education = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("Education"), choices=Education.choices
    )
    age = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Age"),
        choices=[(v, label) for v, label, *_ages in AGE_BANDS],
        method="age_band",
    )
    term_ends_within = django_filters.NumberFilter(
        label=_("Term ends within (months)"),
        method="term_ending",
        min_value=0,
        max_value=120,
    )
    status = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=pgettext_lazy("cadre list", "Status"),
        choices=[("serving", _("Serving")), ("former", _("Former"))],
        method="serving_status",
    )
    origin = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Origin of a current post"),
        choices=Post.Origin.choices,
        method="serving_post",
    )
    vetted = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Joint review"),
        choices=[("yes", _("Every current post vetted")), ("no", _("A current post not vetted"))],
        method="vetting_status",
    )
    strict_control = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Under strict control"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        method="under_strict_control",
    )
    # The light is computed and stored by the district layer (dongchang.warnings) in a row
    # reached from the person as ``warning_light``; the register only reads it.
    light = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Warning light"),
        choices=[(light.code, light.label) for light in sorted(Light, reverse=True)],
        method="with_light",
    )
    sort = PersonOrdering(
        label=_("Sort by"),
        empty_label=_("Default order"),
        fields=(
            ("name_key__pinyin_order", "name"),
            ("birth_date", "birth"),
            ("first_village_code", "village"),
            ("next_term_end", "term_end"),
            ("warning_light__light", "light"),
        ),
        field_labels={
            "name_key__pinyin_order": _("Name"),
            "birth_date": _("Birth date"),
            "first_village_code": _("Village"),
            "next_term_end": _("Term end"),
            "warning_light__light": _("Warning light"),
        },
    )

    class Meta:
        model = Person
        fields = [
            "q", "township", "village", "body", "title", "political_status", "education", "age",
        ]  # fmt: skip

    def search(self, queryset, name, value):
        text = "".join(value.split())
        if not text:
            return queryset
        if set(text) <= _ID_CHARS and any(c.isdigit() for c in text):
            number = normalize_id_number(text)
            if number.value:
                return queryset.filter(id_number=number.value)
            return queryset.filter(id_number__contains=text.upper().strip("*"))
        key = name_key(text)
        condition = Q(name_key__contains=key)
        if text.isascii() and text.isalpha():
            condition |= Q(name_initials__startswith=text.lower()) | Q(
                name_pinyin__startswith=text.lower()
            )
        return queryset.filter(condition)

    # A person's posts or their home village, as one semi-join on the union of the two: an
    # OR of the two joins made PostgreSQL join every person to every post (350 ms at
    # 100,000 cadres) to find a township's 9,000.
    def in_township(self, queryset, name, value):
        return in_townships(queryset, [value.pk])

    def in_village(self, queryset, name, value):
        posts = Post.objects.filter(village=value).order_by().values("person_id")
        homes = Person.objects.filter(home_village=value).order_by().values("pk")
        return queryset.filter(pk__in=posts.union(homes, all=True))

    def serving_post(self, queryset, name, value):
        # Body, title and origin are applied together in filter_queryset: one post must fit all.
        return queryset

    def vetting_status(self, queryset, name, value):
        unvetted = Post.objects.serving().filter(vetted=False).values("person_id")
        if value == "no":
            return queryset.filter(pk__in=unvetted)
        return queryset.filter(pk__in=Post.objects.serving().values("person_id")).exclude(
            pk__in=unvetted
        )

    def age_band(self, queryset, name, value):
        return queryset.filter(age_band_q(value, dt.date.today()))

    def term_ending(self, queryset, name, value):
        if value is None:
            return queryset
        # Overdue terms of people still serving are included: they need attention first.
        limit = dt.date.today() + relativedelta(months=int(value))
        return queryset.filter(
            pk__in=Post.objects.serving().filter(term_end__lte=limit).values("person_id")
        )

    def serving_status(self, queryset, name, value):
        serving = Post.objects.serving().values("person_id")
        if value == "serving":
            return queryset.filter(pk__in=serving)
        return queryset.exclude(pk__in=serving)

    def under_strict_control(self, queryset, name, value):
        return queryset.filter(strict_control_since__isnull=value != "yes")

    def with_light(self, queryset, name, value):
        light = Light[value.upper()]
        if light == Light.NONE:
            return queryset.filter(Q(warning_light__isnull=True) | Q(warning_light__light=light))
        return queryset.filter(warning_light__light=light)

    def pages(self):
        """What the list's paginator reads: the people, or a KeyedPeople when sorted by posts."""
        sort = self.form.cleaned_data.get("sort") if self.is_valid() else None
        fields = [self.filters["sort"].get_ordering_value(p) for p in sort or ()]
        if not any(field.lstrip("-") in _POST_KEYS for field in fields):
            return self.qs
        data = self.data.copy()
        del data["sort"]
        unsorted = PersonFilter(data, queryset=self.queryset, request=self.request).qs
        walk = None
        if len(fields) == 1:
            walk = (_POST_KEYS[fields[0].lstrip("-")], fields[0].startswith("-"))
        return KeyedPeople(sorted_people=self.qs, people=unsorted, walk=walk)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        post = {
            key: self.form.cleaned_data[key]
            for key in ("body", "title", "origin")
            if self.form.cleaned_data.get(key)
        }
        if post:
            queryset = queryset.filter(
                pk__in=Post.objects.serving().filter(**post).values("person_id")
            )
        return queryset


class StrictControlFilter(django_filters.FilterSet):
    """The strict-control list: where the cadre serves, why, and whether the review is due."""

    township = TownshipFilter(
        label=pgettext_lazy("cadre list", "Township"),
        method="in_township",
        with_villages=True,
    )
    village = VillageFilter(label=pgettext_lazy("cadre list", "Village"), method="in_village")
    source = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Source of strict control"),
        choices=StrictControlSource.choices,
        field_name="strict_control_source",
    )
    due = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=_("Review due"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        method="review_due",
    )

    class Meta:
        model = Person
        fields = ["township", "village", "source", "due"]

    in_township = PersonFilter.in_township
    in_village = PersonFilter.in_village

    def review_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "yes":
            return queryset.strict_control_due(today)
        return queryset.filter(strict_control_review_on__gt=today)


class JobFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=Job.State.choices)

    class Meta:
        model = Job
        fields = ["state"]


class IdNumberConflictFilter(django_filters.FilterSet):
    """The district's list of ID numbers tried outside their holders' townships."""

    township = TownshipFilter(label=_("Township tried"), field_name="tried_in")
    source = django_filters.ChoiceFilter(
        widget=QuickSelect, label=_("Tried through"), choices=IdNumberConflict.Source.choices
    )

    class Meta:
        model = IdNumberConflict
        fields = ["township", "source"]


class AccessLogFilter(django_filters.FilterSet):
    user = django_filters.ModelChoiceFilter(
        label=_("User"),
        queryset=get_user_model().objects.order_by("username"),
        widget=QuickSelect,
    )
    township = django_filters.ModelChoiceFilter(
        label=_("Township"),
        queryset=Township.objects.all(),
        method="in_township",
        widget=QuickSelect,
        help_text=_("Entries about its records, and entries by its users."),
    )
    action = django_filters.ChoiceFilter(
        label=pgettext_lazy("access log", "Action"), choices=AccessLogEntry.Action.choices
    )
    at = django_filters.DateFromToRangeFilter(
        label=_("Date"), widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = AccessLogEntry
        fields = ["user", "township", "action", "at"]

    def in_township(self, queryset, name, township):
        return entries_in_township(queryset, township)
