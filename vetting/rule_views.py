"""Pages of the district's rules: the negative list and the eligibility rules (each saved as
a new version), their history, and the serving cadres due for an eligibility review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.listing import (
    Col,
    ListSpec,
    list_response,
    person_column,
    township_column,
    village_column,
)
from cadres.models import Post
from cadres.scoping import scope
from vetting import rules
from vetting.filters import EligibilityReviewFilter
from vetting.models import EligibilityRule, EligibilityRules, NegativeList, NegativeListItem
from vetting.rule_forms import EligibilityFormSet, NegativeListFormSet, VersionNoteForm
from vetting.services import rules as rule_services


def perm(codename: str):
    return permission_required(f"vetting.{codename}", raise_exception=True)


@login_required
@perm("view_negativelist")
def rules_overview(request):
    """The active versions of both rule sets and every earlier version, with who and when."""
    return render(
        request,
        "vetting/rules/overview.html",
        {
            "negative_list": NegativeList.objects.filter(active=True).first(),
            "eligibility": EligibilityRules.objects.filter(active=True).first(),
            "negative_versions": NegativeList.objects.select_related("created_by"),
            "eligibility_versions": EligibilityRules.objects.select_related("created_by"),
            "can_change_negative": request.user.has_perm("vetting.add_negativelist"),
            "can_change_eligibility": request.user.has_perm("vetting.add_eligibilityrules"),
        },
    )


@login_required
@perm("view_negativelist")
def negative_list_version(request, pk: int):
    return render(
        request,
        "vetting/rules/overview.html",
        {"negative_list": get_object_or_404(NegativeList, pk=pk), "one_version": True},
    )


@login_required
@perm("view_eligibilityrules")
def eligibility_version(request, pk: int):
    return render(
        request,
        "vetting/rules/overview.html",
        {"eligibility": get_object_or_404(EligibilityRules, pk=pk), "one_version": True},
    )


def _edit(request, *, formset, note_form, save, title: str, help_text: str):
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        lines = [
            {key: value for key, value in form.cleaned_data.items() if key not in ("id", "DELETE")}
            for form in formset.forms
            if form.has_changed() or form.instance.pk
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            save(lines, note_form.cleaned_data["note"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The new version applies to decisions from now on."))
            return redirect("vetting:rules")
    return render(
        request,
        "vetting/rules/edit.html",
        {"formset": formset, "note_form": note_form, "title": title, "help": help_text},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@perm("add_negativelist")
def negative_list_edit(request):
    current = NegativeList.objects.filter(active=True).first()
    formset = NegativeListFormSet(
        request.POST or None,
        queryset=current.items.all() if current else NegativeListItem.objects.none(),
    )
    return _edit(
        request,
        formset=formset,
        note_form=VersionNoteForm(request.POST or None),
        save=lambda lines, note: rule_services.negative_list_replace(
            actor=request.user, items=lines, note=note
        ),
        title=_("Negative list"),
        help_text=_(
            "Per list kind, a line whose measure term the entry's measure contains decides "
            "(the longest term first); a line without a term covers the other measures of its "
            "kind. Saving makes a new version; decisions already made keep theirs."
        ),
    )


@login_required
@perm("add_eligibilityrules")
def eligibility_edit(request):
    current = EligibilityRules.objects.filter(active=True).first()
    formset = EligibilityFormSet(
        request.POST or None,
        queryset=current.rules.all() if current else EligibilityRule.objects.none(),
    )
    return _edit(
        request,
        formset=formset,
        note_form=VersionNoteForm(request.POST or None),
        save=lambda lines, note: rule_services.eligibility_rules_replace(
            actor=request.user, rules=lines, note=note
        ),
        title=_("Eligibility rules"),
        help_text=_(
            "Checked when a case is submitted and again at approval. Saving makes a new "
            "version; decisions already made keep theirs."
        ),
    )


def _review_spec(version: EligibilityRules) -> ListSpec:
    return ListSpec(
        title=_("Eligibility review"),
        columns=[
            person_column(_("Name"), key="name"),
            township_column(_("Township or subdistrict")),
            village_column(_("Village"), sort=["village__code", "body", "title"]),
            Col(
                _("Post"),
                lambda post: f"{post.get_body_display()}{post.get_title_display()}",
                width=20,
            ),
            Col(
                _("Conditions not met"),
                lambda post: "；".join(rules.failures(post, version)),
                width=60,
            ),
        ],
        default_sort="village",
        filename="eligibility-review-{date}.xlsx",
        template="vetting/rules/review_list.html",
    )


@login_required
@perm("view_eligibility_review")
def eligibility_review(request):
    """Serving cadres who fail the active eligibility rules; the district decides, nothing
    is ended here."""
    version = rules.active_eligibility_rules()
    posts = rules.eligibility_review(
        scope(Post.objects.select_related("person", "village__township"), request.user),
        version,
        timezone.localdate(),
    )
    filterset = EligibilityReviewFilter(request.GET, queryset=posts, request=request)
    return list_response(
        request, spec=_review_spec(version), filterset=filterset, extra={"version": version}
    )
