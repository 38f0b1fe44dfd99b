"""Filters of the supervision lists; every choice of village is limited to what the user sees."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Post, Township, Village
from cadres.place_filters import TownshipFilter, VillageFilter
from cadres.scoping import user_townships
from cadres.search import SearchFilter
from supervision import selectors
from supervision.models import (
    Audit,
    Disclosure,
    DisclosureKind,
    Handover,
    MisconductCase,
    SupervisionRecord,
)

DATE_RANGE = django_filters.widgets.DateRangeWidget(attrs={"type": "date"})


def _record_villages(request):
    return selectors.record_villages(request.user) if request else Village.objects.none()


def _search(placeholder):
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


class RecordFilter(django_filters.FilterSet):
    RECTIFICATION = [
        ("none", _("No rectification required")),
        ("open", _("Rectification pending")),
        ("overdue", _("Rectification overdue")),
        ("done", _("Rectified")),
    ]

    q = SearchFilter(
        label=_("Search"), method="search", widget=_search(_("Findings or cadre name"))
    )
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=SupervisionRecord.Tier.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=SupervisionRecord.Kind.choices)
    village = django_filters.ModelChoiceFilter(label=_("Village"), queryset=_record_villages)
    date = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DATE_RANGE)
    rectification = django_filters.ChoiceFilter(
        label=_("Rectification"), choices=RECTIFICATION, method="by_rectification"
    )

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(findings__icontains=value)
            | Q(
                pk__in=SupervisionRecord.cadres.through.objects.filter(
                    person__name__icontains=value
                ).values("supervisionrecord_id")
            )
        )

    def by_rectification(self, queryset, name, value):
        if value == "none":
            return queryset.filter(rectification="")
        if value == "done":
            return queryset.filter(rectified_on__isnull=False)
        if value == "overdue":
            return selectors.overdue_rectifications(queryset)
        return queryset.exclude(rectification="").filter(rectified_on__isnull=True)


class AuditFilter(django_filters.FilterSet):
    q = SearchFilter(
        label=_("Search"),
        method="search",
        widget=_search(_("Cadre, auditor or findings")),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Audit.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Audit.Status.choices)
    township = TownshipFilter(field_name="village__township", with_villages=True)
    village = VillageFilter()

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(post__person__name__icontains=value)
            | Q(auditor__icontains=value)
            | Q(findings__icontains=value)
        )


class DuePostFilter(django_filters.FilterSet):
    due_kind = django_filters.ChoiceFilter(
        label=_("Audit due"),
        choices=[c for c in Audit.Kind.choices if c[0] != Audit.Kind.FINANCIAL],
    )
    village__township = TownshipFilter()
    body = django_filters.ChoiceFilter(label=_("Body"), choices=Post.Body.choices[:2])


class DisclosureFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DisclosureKind.choices)
    township = TownshipFilter(field_name="village__township", with_villages=True)
    village = VillageFilter()
    period_start = django_filters.DateFromToRangeFilter(label=_("Period"), widget=DATE_RANGE)
    channel = django_filters.ChoiceFilter(
        label=_("Disclosed through"), choices=Disclosure.Channel.choices
    )
    verified = django_filters.BooleanFilter(
        label=_("Verified"), field_name="verified_by", lookup_expr="isnull", exclude=True
    )


class OverdueDisclosureFilter(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "---------"), *DisclosureKind.choices], required=False
    )
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Township.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = user_townships(user)


class CaseFilter(django_filters.FilterSet):
    q = SearchFilter(
        label=_("Search"),
        field_name="person__name",
        lookup_expr="icontains",
        widget=_search(_("Cadre name")),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MisconductCase.Status.choices)
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=MisconductCase.Category.choices
    )
    disposition = django_filters.ChoiceFilter(
        label=_("Disposition"), choices=MisconductCase.Disposition.choices
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=MisconductCase.Source.choices)
    township = TownshipFilter(field_name="village__township", with_villages=True)
    village = VillageFilter()
    occurred_on = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DATE_RANGE)


class HandoverFilter(django_filters.FilterSet):
    STATES = [
        (Handover.State.OPEN.value, Handover.State.OPEN.label),
        ("overdue", _("Overdue")),
        (Handover.State.COMPLETED.value, Handover.State.COMPLETED.label),
    ]

    q = SearchFilter(
        label=_("Search"), method="search", widget=_search(_("Outgoing or incoming holder"))
    )
    state = django_filters.ChoiceFilter(
        label=pgettext_lazy("handover", "State"), choices=STATES, method="by_state"
    )
    township = TownshipFilter(field_name="village__township", with_villages=True)
    village = VillageFilter()
    body = django_filters.ChoiceFilter(
        label=_("Body"), field_name="outgoing_post__body", choices=Post.Body.choices
    )
    opened_on = django_filters.DateFromToRangeFilter(label=_("Opened on"), widget=DATE_RANGE)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(outgoing_post__person__name__icontains=value)
            | Q(incoming_person__name__icontains=value)
        )

    def by_state(self, queryset, name, value):
        if value == "overdue":
            return selectors.handovers_overdue(queryset)
        return queryset.filter(state=value)
