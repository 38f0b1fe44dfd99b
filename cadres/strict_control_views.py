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
from cadres.listing import Col, ListSpec, field_column, id_number_column, list_response
from cadres.models import StrictControlSource


def _posts_label(person) -> str:
    return "、".join(
        f"{post.village.township.name}{post.village.name}{post.get_title_display()}"
        for post in person.current_posts
    )


def _spec() -> ListSpec:
    today = timezone.localdate()
    return ListSpec(
        title=_("Cadres under strict control"),
        columns=[
            Col(_("Name"), lambda p: p.name, key="name", sort=["name_key"], width=10),
            id_number_column(_("ID number"), page=False),
            Col(_("Current posts"), _posts_label, width=36),
            Col(
                _("Source of strict control"),
                lambda p: p.get_strict_control_source_display(),
                key="source",
                sort=["strict_control_source", "strict_control_review_on"],
                width=16,
            ),
            field_column(
                _("Under strict control since"), "strict_control_since", key="since", width=12
            ),
            field_column(
                _("Strict control review date"),
                "strict_control_review_on",
                key="review_on",
                width=12,
            ),
            Col(
                _("Review due"),
                lambda p: _("Yes") if p.strict_control_review_on <= today else "",
                width=8,
                page=False,
            ),
            Col(_("Reason for strict control"), lambda p: p.strict_control_reason, width=40),
        ],
        default_sort="review_on",
        filename="strict-control-{date}.xlsx",
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
