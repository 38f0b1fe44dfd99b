"""Removal cases (清退): opened from a misconduct case, the district's decision, and the end of
the cadre's posts. (A confirmed hit opens its case in review.hit_confirm.)"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Person, Post, Township
from cadres.services import post_end
from vetting.models import RemovalCase


def removal_case_open_for_misconduct(
    *,
    actor,
    person: Person,
    township: Township,
    misconduct_case_id: int,
    misconduct_case_label: str,
    reason: str,
) -> RemovalCase | None:
    """Open the removal case that a misconduct case disposed of with removal asks for.

    Called from supervision's case_dispose (through cadres.signals.removal_proposed), which
    checked the actor and holds the misconduct case's row lock: the same case disposed of
    again finds its removal case and opens no second one. Nobody is removed who no longer
    serves.
    """
    existing = RemovalCase.objects.filter(misconduct_case_id=misconduct_case_id).first()
    if existing is not None:
        return existing
    if not Person.objects.serving(timezone.localdate()).filter(pk=person.pk).exists():
        return None
    return RemovalCase.objects.create(
        source=RemovalCase.Source.MISCONDUCT,
        misconduct_case_id=misconduct_case_id,
        misconduct_case_label=misconduct_case_label[:200],
        reason=reason,
        person=person,
        township=township,
        opened_by=actor,
    )


def removal_may_decide(actor, case: RemovalCase) -> bool:
    """Role and separation of duties: whoever confirmed the hit, or disposed of the
    misconduct case, that opened the case does not decide it."""
    return actor.has_perm("vetting.decide_removal") and case.opened_by_id != actor.pk


@transaction.atomic
def removal_case_decide(
    *, actor, case: RemovalCase, remove: bool, reason: str, on: dt.date | None = None
) -> RemovalCase:
    """Decide a removal case; removal ends every serving post with the reason 清退."""
    if not actor.has_perm("vetting.decide_removal"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decision_reason": _("Give the reason for the decision.")})
    case = RemovalCase.objects.select_for_update().get(pk=case.pk)
    if not removal_may_decide(actor, case):
        raise PermissionDenied(
            _(
                "You opened this removal case (by confirming the hit or disposing of the "
                "misconduct case): you may not decide it."
            )
        )
    if case.status != RemovalCase.Status.OPEN:
        raise ValidationError(_("This case has already been decided."))
    on = on or timezone.localdate()
    if remove:
        for post in Post.objects.serving(on).filter(person_id=case.person_id):
            post_end(
                actor=actor, post=post, ended_on=on, reason=Post.EndReason.REMOVED, note=reason
            )
    case.status = RemovalCase.Status.REMOVED if remove else RemovalCase.Status.RETAINED
    case.decided_by = actor
    case.decided_on = on
    case.decision_reason = reason
    case.save()
    return case
