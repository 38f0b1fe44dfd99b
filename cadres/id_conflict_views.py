"""The district's list of ID numbers given where their holders are not registered.

A township user who gives such a number is told only that it cannot be used there (see
cadres.services.IdNumberHeldElsewhere); this list, for the roles that see every township,
says who tried, when, from which township, and whose number it is (masked).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cadres.filters import IdNumberConflictFilter
from cadres.listing import Col, ListSpec, id_number_column, list_response, local_date_column
from cadres.models import IdNumberConflict
from cadres.scoping import sees_all_townships


def _spec() -> ListSpec:
    return ListSpec(
        title=_("ID number conflicts"),
        columns=[
            local_date_column(_("Last tried on"), "tried_at", key="tried_at"),
            Col(_("Tried by"), lambda c: c.tried_by.name or c.tried_by.username, width=12),
            Col(
                _("Township tried"),
                lambda c: c.tried_in.name,
                key="township",
                sort=["tried_in__code"],
            ),
            Col(
                _("Tried through"), lambda c: c.get_source_display(), key="source", sort=["source"]
            ),
            Col(_("Registered person"), lambda c: c.person.name, width=10),
            id_number_column(_("ID number"), through="person"),
            Col(_("Registered in"), lambda c: c.held_in.name if c.held_in else "", width=14),
        ],
        default_sort="-tried_at",
        filename="id-number-conflicts-{date}.xlsx",
        template="cadres/id_conflict_list.html",
    )


@login_required
def id_conflict_list(request):
    if not sees_all_townships(request.user):
        raise PermissionDenied
    queryset = IdNumberConflict.objects.select_related("tried_by", "tried_in", "held_in", "person")
    filterset = IdNumberConflictFilter(request.GET, queryset=queryset, request=request)
    return list_response(request, spec=_spec(), filterset=filterset)
