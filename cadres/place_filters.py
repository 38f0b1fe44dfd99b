"""The township and village filters of every list, limited to the user's townships.

A village filter that goes with a township filter lists only the chosen township's
villages. Someone who sees the whole district picks the township first: a list of
every village in the district is too long to choose from, and rendering it made
each page of the lists slow. Choosing a township clears the village and reloads
the list (static/js/app.js, ``data-narrows``).
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Township, Village
from cadres.scoping import scope, sees_all_townships, user_townships


class TownshipFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, narrows: str | None = None, **kwargs):
        kwargs.setdefault("label", _("Township"))
        if narrows:
            kwargs["widget"] = forms.Select(attrs={"data-narrows": narrows})
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        return user_townships(request.user) if request else Township.objects.none()


class VillageFilter(django_filters.ModelChoiceFilter):
    """Villages in the user's townships; with ``township``, the chosen township's only.

    ``township`` and ``param`` are the query parameters of the township filter and of
    this one. The chosen village always stays a valid choice, so a link that names
    a village without its township still works.
    """

    def __init__(self, *args, township: str | None = None, param: str = "village", **kwargs):
        self.township_param = township
        self.param = param
        kwargs.setdefault("label", _("Village"))
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        if request is None:
            return Village.objects.none()
        villages = scope(Village.objects.select_related("township"), request.user)
        if self.township_param is None:
            return villages
        township = request.GET.get(self.township_param, "")
        chosen = request.GET.get(self.param, "")
        chosen_q = Q(pk=chosen) if chosen.isdigit() else Q(pk__in=[])
        if township.isdigit():
            return villages.filter(Q(township_id=township) | chosen_q)
        if sees_all_townships(request.user):
            self.extra["empty_label"] = _("Choose a township first")
            return villages.filter(chosen_q)
        return villages
