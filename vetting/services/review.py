"""Reviewing hits: confirm or dismiss, one at a time or in bulk, and what follows."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Person, StrictControlSource
from cadres.services import person_strict_control_set
from vetting.models import Hit, RemovalCase, WatchlistSource
from vetting.models.screening import SubjectKind
from vetting.rules import active_negative_list, entry_effect

# How long strict control lasts before the district looks at it again.
STRICT_CONTROL_MONTHS = 12


def _require_reviewer(actor) -> None:
    if not actor.has_perm("vetting.review_hit"):
        raise PermissionDenied


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    return reason


def _locked_pending(hit: Hit) -> Hit:
    hit = (
        Hit.objects.select_for_update(of=("self",))
        .select_related("entry__source", "person", "relative__cadre")
        .get(pk=hit.pk)
    )
    if hit.status != Hit.Status.PENDING:
        raise ValidationError(_("This hit has already been reviewed."))
    return hit


def _decide(hit: Hit, *, actor, status: str, reason: str) -> None:
    hit.status = status
    hit.reviewer = actor
    hit.reviewed_at = timezone.now()
    hit.reason = reason
    hit.save(update_fields=["status", "reviewer", "reviewed_at", "reason", "updated_at"])


@transaction.atomic
def hit_confirm(
    *, actor, hit: Hit, reason: str, strict_control_review_on: dt.date | None = None
) -> Hit:
    """Confirm a hit. On a serving cadre an entry that the negative list says removes opens
    a removal case, which keeps that version of the list; a gang entry on a relative puts
    the cadre under strict control."""
    _require_reviewer(actor)
    reason = _require_reason(reason)
    hit = _locked_pending(hit)
    _decide(hit, actor=actor, status=Hit.Status.CONFIRMED, reason=reason)
    today = timezone.localdate()
    if hit.subject_kind == SubjectKind.CADRE:
        serving = Person.objects.serving(today).filter(pk=hit.person_id).exists()
        negative_list = active_negative_list()
        if serving and entry_effect(hit.entry, negative_list, today).removes:
            RemovalCase.objects.create(
                hit=hit,
                person=hit.person,
                township=hit.township,
                opened_by=actor,
                negative_list=negative_list,
            )
    elif (
        hit.subject_kind == SubjectKind.RELATIVE
        and hit.entry.source.kind == WatchlistSource.Kind.GANG
    ):
        person_strict_control_set(
            actor=actor,
            person=hit.relative.cadre,
            since=today,
            review_on=strict_control_review_on
            or today + relativedelta(months=STRICT_CONTROL_MONTHS),
            source=StrictControlSource.HIT,
            reason=_("%(relation)s %(name)s is on the list %(source)s: %(measure)s")
            % {
                "relation": hit.relative.get_relation_display(),
                "name": hit.relative.name,
                "source": hit.entry.source.name,
                "measure": hit.entry.measure or hit.entry.source.get_kind_display(),
            },
        )
    return hit


@transaction.atomic
def hit_dismiss(*, actor, hit: Hit, reason: str) -> Hit:
    """Dismiss a false alarm; it stays dismissed until the values that matched change."""
    _require_reviewer(actor)
    reason = _require_reason(reason)
    hit = _locked_pending(hit)
    _decide(hit, actor=actor, status=Hit.Status.DISMISSED, reason=reason)
    return hit


@transaction.atomic
def hits_dismiss_bulk(*, actor, hit_ids: list[int], reason: str) -> int:
    """Dismiss many obvious false alarms with one reason; hits already reviewed are skipped."""
    _require_reviewer(actor)
    reason = _require_reason(reason)
    hits = Hit.objects.select_for_update().filter(pk__in=hit_ids, status=Hit.Status.PENDING)
    count = 0
    for hit in hits:
        _decide(hit, actor=actor, status=Hit.Status.DISMISSED, reason=reason)
        count += 1
    return count
