"""Strict control (从严掌控): the list of people under it, and the district's set, review and
lift pages.

Who: the list is read by the roles that keep the register (their own townships) and by
those that manage strict control (district reviewers and system administrators, every
township); only the latter set, review or lift it. Joint-review departments see none (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres import selectors, services
from cadres.filters import StrictControlFilter
from cadres.forms import (
    StrictControlLiftForm,
    StrictControlReviewForm,
    StrictControlSetForm,
    submit,
)
from cadres.identity import mask_id_number
from cadres.models import StrictControlSource
from cadres.records.listing import Header, ListSpec, list_response
from cadres.xlsx_export import Column


def _posts_label(person) -> str:
    return "、".join(
        f"{post.village.township.name}{post.village.name}{post.get_title_display()}"
        for post in person.current_posts
    )


def _spec() -> ListSpec:
    today = timezone.localdate()
    return ListSpec(
        title=_("Cadres under strict control"),
        headers=[
            Header(_("Name"), "name"),
            Header(_("Current posts")),
            Header(_("Source of strict control"), "source"),
            Header(_("Under strict control since"), "since"),
            Header(_("Strict control review date"), "review_on"),
            Header(_("Reason for strict control")),
        ],
        sorts={
            "name": ["name_key"],
            "source": ["strict_control_source", "strict_control_review_on"],
            "since": ["strict_control_since"],
            "review_on": ["strict_control_review_on"],
        },
        default_sort="review_on",
        export_name="strict-control",
        export_columns=[
            Column(_("Name"), 10),
            Column(_("ID number"), 22, text=True),
            Column(_("Current posts"), 36),
            Column(_("Source of strict control"), 16),
            Column(_("Under strict control since"), 12),
            Column(_("Strict control review date"), 12),
            Column(_("Review due"), 8),
            Column(_("Reason for strict control"), 40),
        ],
        export_row=lambda p: [
            p.name,
            mask_id_number(p.id_number),
            _posts_label(p),
            p.get_strict_control_source_display(),
            p.strict_control_since,
            p.strict_control_review_on,
            _("Yes") if p.strict_control_review_on <= today else "",
            p.strict_control_reason,
        ],
        template="cadres/strict_control_list.html",
    )


@login_required
def strict_control_list(request):
    if not services.may_see_strict_control(request.user):
        raise PermissionDenied
    filterset = StrictControlFilter(
        request.GET, queryset=selectors.strict_control_people(request.user), request=request
    )
    return list_response(
        request,
        spec=_spec(),
        filterset=filterset,
        extra={"can_manage": request.user.has_perm(services.STRICT_CONTROL_PERM)},
    )


def _manager_page(request, pk: int, form_class, title: str, action, success: str, **context):
    """A district form on one person: 403 before the form for others, 404 outside scope."""
    if not request.user.has_perm(services.STRICT_CONTROL_PERM):
        raise PermissionDenied
    person = selectors.scoped_person(request.user, pk)
    form = form_class(request.POST or None, initial=context.pop("initial", None))
    if request.method == "POST" and submit(
        form, lambda data: action(actor=request.user, person=person, **data)
    ):
        messages.success(request, success)
        return redirect("cadres:detail", pk=person.pk)
    return TemplateResponse(
        request,
        "cadres/form.html",
        {"form": form, "title": title % {"name": person.name}, "person": person, **context},
    )


@login_required
def strict_control_set(request, pk: int):
    return _manager_page(
        request,
        pk,
        StrictControlSetForm,
        _("Put %(name)s under strict control"),
        lambda **kwargs: services.person_strict_control_set(
            source=StrictControlSource.MANUAL, **kwargs
        ),
        _("The cadre is under strict control."),
        initial={"since": timezone.localdate()},
        confirm=_("Put this cadre under strict control?"),
    )


@login_required
def strict_control_review(request, pk: int):
    return _manager_page(
        request,
        pk,
        StrictControlReviewForm,
        _("Review the strict control of %(name)s"),
        services.person_strict_control_review,
        _("The review was recorded; strict control continues."),
        confirm=_("Keep this cadre under strict control until the new review date?"),
    )


@login_required
def strict_control_lift(request, pk: int):
    return _manager_page(
        request,
        pk,
        StrictControlLiftForm,
        _("Lift the strict control of %(name)s"),
        services.person_strict_control_lift,
        _("Strict control was lifted."),
        confirm=_("Lift this cadre's strict control?"),
        danger=True,
    )
