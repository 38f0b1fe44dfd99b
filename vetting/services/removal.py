"""Removal cases (清退): the district's decision, and the end of the cadre's posts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Post
from cadres.services import post_end
from vetting.models import RemovalCase


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
