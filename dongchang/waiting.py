"""What waits for the user: the home page's to-do counts, each linked to its list.

Each item is counted only for users whose role can act on it, within their townships.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from cadres.models import IdNumberConflict, Village
from cadres.records import selectors as records
from cadres.records.models import SecretaryChange
from cadres.scoping import scope, sees_all_townships
from cadres.selectors import strict_control_people
from cadres.services import STRICT_CONTROL_PERM, may_see_strict_control
from supervision import selectors as supervision
from vetting import selectors as vetting
from vetting.models import Hit, RemovalCase
from vetting.rules import eligibility_review_count

# How far back the district's to-do counts the ID numbers tried outside their townships.
ID_CONFLICT_DAYS = 30


@dataclass(frozen=True)
class Waiting:
    label: str
    count: int
    url: str


def waiting_for(user, today: dt.date) -> list[Waiting]:
    items: list[Waiting] = []
    if user.has_perm("vetting.view_hit"):
        pending = scope(Hit.objects.filter(status=Hit.Status.PENDING), user).count()
        label = (
            _("Screening hits awaiting review")
            if user.has_perm("vetting.review_hit")
            else _("Screening hits in my township awaiting the district's review")
        )
        items.append(Waiting(label, pending, f"{reverse('vetting:hit_list')}?status=pending"))
    if user.has_perm("vetting.decide_removal"):
        open_cases = scope(RemovalCase.objects.filter(status=RemovalCase.Status.OPEN), user)
        items.append(
            Waiting(
                _("Removal cases awaiting a decision"),
                open_cases.count(),
                reverse("vetting:removal_list"),
            )
        )
    if may_see_strict_control(user):
        due = strict_control_people(user).strict_control_due(today).count()
        label = (
            _("Strict-control reviews due")
            if user.has_perm(STRICT_CONTROL_PERM)
            else _("Strict-control reviews due in my township (the district reviews them)")
        )
        items.append(Waiting(label, due, f"{reverse('cadres:strict_control_list')}?due=yes"))
    if sees_all_townships(user):
        recent = IdNumberConflict.objects.filter(
            tried_at__date__gt=today - dt.timedelta(days=ID_CONFLICT_DAYS)
        )
        items.append(
            Waiting(
                _("ID numbers tried outside their holders' townships in the last %(days)d days")
                % {"days": ID_CONFLICT_DAYS},
                recent.count(),
                reverse("cadres:id_conflict_list"),
            )
        )
    if user.has_perm("vetting.review_district") or (
        user.has_perm("vetting.give_opinion") and user.department
    ):
        overdue = vetting.opinions_overdue(vetting.opinions_followed(user), today)
        items.append(
            Waiting(
                _("Overdue department opinions"),
                overdue.count(),
                reverse("vetting:opinions_overdue"),
            )
        )
    if user.has_perm("vetting.view_eligibility_review"):
        items.append(
            Waiting(
                _("Serving cadres due for an eligibility review"),
                eligibility_review_count(user, today),
                reverse("vetting:eligibility_review"),
            )
        )
    if user.has_perm("records.view_secretaryfiling"):
        items.append(
            Waiting(
                _("Villages whose party secretary is not filed"),
                records.unfiled_villages(user).count(),
                reverse("cadres:records:unfiled_list"),
            )
        )
    changes = f"{reverse('cadres:records:change_list')}?status="
    if user.has_perm("records.decide_secretarychange"):
        requested = records.secretary_changes(user).filter(status=SecretaryChange.Status.REQUESTED)
        items.append(
            Waiting(
                _("Secretary change requests awaiting approval"),
                requested.count(),
                changes + SecretaryChange.Status.REQUESTED,
            )
        )
    if user.has_perm("records.change_secretarychange"):
        returned = records.secretary_changes(user).filter(status=SecretaryChange.Status.RETURNED)
        items.append(
            Waiting(
                _("Secretary change requests returned by the district"),
                returned.count(),
                changes + SecretaryChange.Status.RETURNED,
            )
        )
    if user.has_perm("records.view_personalreport"):
        missing = records.missing_reports(records.serving_posts(user, today), today.year)
        items.append(
            Waiting(
                _("Cadres without this year's personal matters report"),
                missing.count(),
                reverse("cadres:records:missing_report_list"),
            )
        )
    if user.has_perm("supervision.view_supervisionrecord"):
        overdue = supervision.overdue_rectifications(supervision.visible_records(user), today)
        items.append(
            Waiting(
                _("Overdue rectifications"), overdue.count(), reverse("supervision:record_overdue")
            )
        )
    if user.has_perm("supervision.view_audit"):
        items.append(
            Waiting(
                _("Posts whose audit is due"),
                supervision.posts_due_for_audit(user, today).count(),
                reverse("supervision:audit_due_list"),
            )
        )
    if user.has_perm("supervision.view_disclosure"):
        villages = scope(Village.objects.all(), user)
        items.append(
            Waiting(
                _("Overdue affairs disclosures"),
                len(supervision.overdue_disclosures(villages, today)),
                reverse("supervision:disclosure_overdue"),
            )
        )
    return items
