"""How the district finishes a joint review that a department does not answer in the system:
it records the department's paper reply (回函) with the letter attached, or it withdraws the
department from this one review with a reason. Both are steps of the case's timeline, and
the department can no longer give the opinion itself.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.choices import Department
from cadres.documents import documents_store
from vetting.models import CandidateCase, CaseAttachment, DepartmentOpinion
from vetting.services.candidates import _begin, _log, _required

Verdict = DepartmentOpinion.Verdict


def _pending_opinion(case: CandidateCase, department: str) -> DepartmentOpinion:
    opinion = case.opinions.select_for_update().filter(department=department).first()
    label = Department(department).label if department in Department.values else department
    if opinion is None:
        raise ValidationError(
            {
                "department": _("%(department)s was not asked for an opinion on this case.")
                % {"department": label}
            }
        )
    if opinion.verdict != Verdict.PENDING:
        raise ValidationError(
            {
                "department": _("%(department)s: the opinion is already recorded (%(verdict)s).")
                % {"department": label, "verdict": opinion.get_verdict_display()}
            }
        )
    return opinion


def _conclude(opinion: DepartmentOpinion, *, actor, verdict: str, note: str) -> None:
    opinion.verdict = verdict
    opinion.note = note
    opinion.given_by = actor
    opinion.given_at = timezone.now()
    opinion._history_user = actor
    opinion.save()


@transaction.atomic
def case_opinion_reply_record(
    *,
    actor,
    case: CandidateCase,
    department: str,
    verdict: str,
    reply_on: dt.date,
    upload,
    note: str = "",
) -> DepartmentOpinion:
    """Record a department's opinion from its reply letter, which is kept with the case's
    attachments. It counts like an opinion given in the system."""
    case, _step = _begin(actor, case, "record_reply")
    errors = {}
    if verdict not in (Verdict.AGREE, Verdict.DISAGREE):
        errors["verdict"] = _("Agree or disagree.")
    note = (note or "").strip()
    if verdict == Verdict.DISAGREE and not note:
        errors["note"] = _("Say why the department disagrees.")
    if reply_on is None:
        errors["reply_on"] = _("Give the date of the reply letter.")
    elif reply_on > timezone.localdate():
        errors["reply_on"] = _("The date of the reply letter is in the future.")
    if upload is None:
        errors["file"] = _("Attach the reply letter.")
    if errors:
        raise ValidationError(errors)
    opinion = _pending_opinion(case, department)
    asked_on = timezone.localdate(opinion.created_at)
    if reply_on < asked_on:
        raise ValidationError(
            {
                "reply_on": _(
                    "The reply letter is dated before the department was asked (%(date)s)."
                )
                % {"date": asked_on.isoformat()}
            }
        )
    [opinion.reply_letter] = documents_store(
        CaseAttachment, actor=actor, uploads=[upload], case=case
    )
    opinion.reply_on = reply_on
    _conclude(opinion, actor=actor, verdict=verdict, note=note)
    _log(
        case,
        actor=actor,
        verb="record_reply",
        source=case.state,
        note=_("%(opinion)s (reply letter of %(date)s)")
        % {"opinion": opinion, "date": reply_on.isoformat()},
    )
    return opinion


@transaction.atomic
def case_department_withdraw(
    *, actor, case: CandidateCase, department: str, reason: str
) -> DepartmentOpinion:
    """Take a department that has not answered out of this review: its opinion no longer
    holds up the approval."""
    reason = _required(reason, "reason", _("Give the reason for withdrawing the department."))
    case, _step = _begin(actor, case, "withdraw_department")
    opinion = _pending_opinion(case, department)
    _conclude(opinion, actor=actor, verdict=Verdict.WITHDRAWN, note=reason)
    _log(
        case,
        actor=actor,
        verb="withdraw_department",
        source=case.state,
        note=f"{opinion.get_department_display()}：{reason}",
    )
    return opinion
