"""The township and village filters of every list, limited to the user's townships.

They are the query parameters ``township`` and ``village``, and the village filter
lists only the chosen township's villages. Someone who sees the whole district picks
the township first: a list of every village in the district is too long to choose
from, and rendering it made each page of the lists slow. Choosing a township clears
the village and reloads the list (static/js/app.js, ``data-narrows``).
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Township, Village
from cadres.scoping import query_number, scope, sees_all_townships, user_townships
from cadres.widgets import QuickSelect


class TownshipFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, with_villages: bool = False, **kwargs):
        kwargs.setdefault("label", _("Township"))
        kwargs["widget"] = QuickSelect(attrs={"data-narrows": "village"} if with_villages else {})
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        return user_townships(request.user) if request else Township.objects.none()


class VillageFilter(django_filters.ModelChoiceFilter):
    """The chosen township's villages. With none chosen: township staff get all of theirs,
    the district gets none until it picks a township.

    The chosen village always stays a valid choice, so a link that names a village
    without its township still works.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Village"))
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        if request is None:
            return Village.objects.none()
        villages = scope(Village.objects.select_related("township"), request.user)
        township = query_number(request.GET.get("township", ""))
        chosen = query_number(request.GET.get("village", ""))
        chosen_q = Q(pk=chosen) if chosen is not None else Q(pk__in=[])
        if township is not None:
            return villages.filter(Q(township_id=township) | chosen_q)
        if sees_all_townships(request.user):
            self.extra["empty_label"] = _("Choose a township first")
            return villages.filter(chosen_q)
        return villages
