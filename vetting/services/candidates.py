"""Candidate vetting: nominate, submit (screening), review, joint review, decide, appoint.

Every step goes through ``_begin``: it locks the case, then asks vetting.workflow
whether this user may take this step in this state, and checks township access
(departments instead must have been asked for an opinion). Every step is logged
as a CaseTransition, which the case page shows as its timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.choices import Department
from cadres.dates import PartialDate, partial_date, record_values, split_partial_dates
from cadres.documents import documents_store
from cadres.models import TITLES_BY_BODY, Person, Post, StrictControlSource, Village, VillagerGroup
from cadres.scoping import require_object, require_township
from cadres.services import (
    identity_values,
    person_create,
    person_strict_control_set,
    post_appoint,
    post_vetted_mark,
)
from vetting import selectors, signals, workflow
from vetting.models import (
    CandidateCase,
    CandidateRelative,
    CaseAttachment,
    CaseTransition,
    Checkpoint,
    DefaultDepartment,
    DepartmentOpinion,
    EligibilityRules,
    Hit,
    NegativeList,
    ScreeningRun,
    WatchlistSource,
)
from vetting.models.screening import SubjectKind
from vetting.rules import (
    active_eligibility_rules,
    active_negative_list,
    case_eligibility_failures,
    entry_effect,
    entry_label,
)
from vetting.services.screening import screening_ranges_screen

State = CandidateCase.State
STRICT_CONTROL_MONTHS = 12
CASE_FIELDS = (
    "ethnicity",
    "political_status",
    "education",
    "phone",
    "village",
    "body",
    "title",
    "villager_group",
    "term_start",
    "term_end",
    "reason",
    "election",
)
IDENTITY_ARGS = ("name", "id_number", "birth_date", "sex")
# A candidate picked from the register brings these from their Person unless given.
PERSONAL_FIELDS = ("ethnicity", "political_status", "education", "phone")
RELATIVE_FIELDS = {"relation", "work_unit_and_post"}
# What the engine matches a relative on: changing one of these voids its unreviewed hits.
MATCHED_FIELDS = (
    "name_key",
    "name_pinyin",
    "id_number",
    "birth_date",
    "birth_date_precision",
    "sex",
)


def _log(case: CandidateCase, *, actor, verb: str, source: str, note: str = "") -> None:
    CaseTransition.objects.create(
        case=case, verb=verb, from_state=source, to_state=case.state, actor=actor, note=note
    )


def _begin(actor, case: CandidateCase, verb: str) -> tuple[CandidateCase, workflow.Step]:
    """Lock the case and check that ``actor`` may take ``verb`` now (inside a transaction)."""
    case = CandidateCase.objects.select_for_update().get(pk=case.pk)
    if verb == "opinion":
        if not case.opinions.filter(department=actor.department or "").exists():
            raise PermissionDenied
    else:
        require_object(actor, case)
    if not any(actor.has_perm(permission) for permission in workflow.permissions(verb)):
        raise PermissionDenied
    step = workflow.step_for(verb, case.state)
    if step is None:
        raise ValidationError(
            _("The case is %(state)s: this step is not possible now.")
            % {"state": case.get_state_display()}
        )
    if not actor.has_perm(step.permission):
        raise PermissionDenied
    conflict = workflow.duty_conflict(actor, case, verb)
    if conflict:
        raise PermissionDenied(conflict)
    if verb == "edit":
        _log(case, actor=actor, verb="edit", source=case.state)
    return case, step


def _move(case: CandidateCase, step: workflow.Step, *, actor, note: str = "") -> None:
    source = case.state
    case.state = step.target
    case._history_user = actor
    case.save()
    _log(case, actor=actor, verb=step.verb, source=source, note=note)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# A 补审 reviews the post as it is: these come from the post, not from the nominator.
REVIEWED_POST_FIELDS = (
    "village",
    "body",
    "title",
    "villager_group",
    "term_start",
    "term_start_precision",
    "term_end",
    "term_end_precision",
)


def _apply(case: CandidateCase, *, identity: dict, fields: dict) -> None:
    for key, value in split_partial_dates(CandidateCase, fields).items():
        setattr(case, key, value)
    if case.reviewed_post_id:
        for key in REVIEWED_POST_FIELDS:
            setattr(case, key, getattr(case.reviewed_post, key))
    if case.person_id:
        person = case.person
        identity = {
            "name": person.name,
            "id_number": person.id_number,
            "birth_date": partial_date(person, "birth_date"),
            "sex": person.sex,
        }
    for key, value in identity_values(**identity).items():
        setattr(case, key, value)
    if case.title not in TITLES_BY_BODY.get(case.body, ()):
        raise ValidationError({"title": _("This title does not exist in this body.")})
    if case.body == Post.Body.VILLAGER_GROUP and not case.villager_group_id:
        raise ValidationError({"villager_group": _("Choose the villager group.")})
    if case.villager_group_id and case.body != Post.Body.VILLAGER_GROUP:
        raise ValidationError(
            {"villager_group": _("Only a villager group leader is nominated to a villager group.")}
        )
    if case.villager_group_id and case.villager_group.village_id != case.village_id:
        raise ValidationError(
            {"villager_group": _("This villager group belongs to another village.")}
        )
    if case.term_end and case.term_end <= case.term_start:
        raise ValidationError({"term_end": _("The term must end after it starts.")})
    case.full_clean(exclude=["name_key", "name_pinyin"])


def _popped(values: dict, keys) -> dict:
    return {key: values.pop(key) for key in keys if key in values}


def _relative_fill(relative: CandidateRelative, values: dict) -> CandidateRelative:
    """Set a relative's fields from service arguments (identity ones normalized) and check."""
    values = dict(values)
    identity = {**record_values(relative, IDENTITY_ARGS), **_popped(values, IDENTITY_ARGS)}
    identity["sex"] = identity["sex"] or ""
    unknown = set(values) - RELATIVE_FIELDS
    if unknown:
        raise TypeError(f"unknown relative fields: {sorted(unknown)}")
    for key, value in {**values, **identity_values(**identity)}.items():
        setattr(relative, key, value)
    relative.full_clean(exclude=["case", "name_key", "name_pinyin"])
    return relative


def _relatives_create(case: CandidateCase, relatives: Iterable[dict]) -> None:
    CandidateRelative.objects.bulk_create(
        [_relative_fill(CandidateRelative(case=case), values) for values in relatives]
    )


@transaction.atomic
def case_create(
    *,
    actor,
    village: Village,
    body: str,
    title: str,
    term_start: PartialDate | dt.date,
    reason: str,
    name: str = "",
    id_number: object = None,
    birth_date: PartialDate | dt.date | None = None,
    sex: str = "",
    person: Person | None = None,
    villager_group: VillagerGroup | None = None,
    relatives: Iterable[dict] = (),
    reviewed_post: Post | None = None,
    **fields,
) -> CandidateCase:
    """Nominate a candidate (a new person, or ``person`` from the register) as a draft.

    ``relatives`` are dicts of CandidateRelative fields (name, id_number, birth_date,
    sex, relation, work_unit_and_post); ``fields`` the other CandidateCase fields.
    With ``reviewed_post`` the case is a 补审 of that post (see
    vetting.services.register_cases, which checks the post first).
    """
    if not actor.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    require_township(actor, village.township_id)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    if person is not None:
        require_object(actor, person)
        fields = {
            **{key: getattr(person, key) for key in PERSONAL_FIELDS},
            **{key: value for key, value in fields.items() if value not in (None, "")},
        }
    case = CandidateCase(nominated_by=actor, person=person)
    if reviewed_post is not None:
        case.kind = CandidateCase.Kind.SUPPLEMENTARY
        case.reviewed_post = reviewed_post
    _apply(
        case,
        identity={"name": name, "id_number": id_number, "birth_date": birth_date, "sex": sex},
        fields={
            "village": village,
            "body": body,
            "title": title,
            "term_start": term_start,
            "reason": reason,
            "villager_group": villager_group,
            **fields,
        },
    )
    _check_election(case)
    case._history_user = actor
    case.save()
    _relatives_create(case, relatives)
    _log(case, actor=actor, verb="create", source="")
    return case


def _check_election(case: CandidateCase) -> None:
    """A candidate stands in a general election that is not over and plans their township."""
    if case.election_id is not None and not selectors.election_open_in(
        case.election_id, case.village.township_id
    ):
        raise ValidationError(
            {
                "election": _(
                    "This general election is over, or has no plan for the village's township."
                )
            }
        )


@transaction.atomic
def case_update(*, actor, case: CandidateCase, **changes) -> CandidateCase:
    """Revise a draft or a returned case (identity arguments and CandidateCase fields)."""
    case, _step = _begin(actor, case, "edit")
    if changes.get("village") is not None:
        require_township(actor, changes["village"].township_id)
    identity = {**record_values(case, IDENTITY_ARGS), **_popped(changes, IDENTITY_ARGS)}
    unknown = set(changes) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    _apply(case, identity=identity, fields=changes)
    if {"election", "village"} & changes.keys():
        _check_election(case)
    case._history_user = actor
    case.save()
    return case


@transaction.atomic
def case_relative_add(*, actor, case: CandidateCase, **values) -> CandidateRelative:
    case, _step = _begin(actor, case, "edit")
    _relatives_create(case, [values])
    return case.relatives.order_by("-pk").first()


@transaction.atomic
def case_relative_update(*, actor, relative: CandidateRelative, **values) -> CandidateRelative:
    """Correct a family member of a draft or returned case (identity arguments and fields).

    When what screening matches on changes, the member's unreviewed hits go: they were
    found on the old values. Reviewed hits stay on record. The member is screened again
    with the case when it is (re)submitted, because the engine screens candidates and
    their relatives only while the case is under review.
    """
    case, _step = _begin(actor, relative.case, "edit")
    relative = case.relatives.select_for_update().get(pk=relative.pk)
    before = [getattr(relative, key) for key in MATCHED_FIELDS]
    _relative_fill(relative, values)
    relative._history_user = actor
    relative.save()
    if [getattr(relative, key) for key in MATCHED_FIELDS] != before:
        relative.hits.filter(status=Hit.Status.PENDING).delete()
    return relative


@transaction.atomic
def case_relative_remove(*, actor, relative: CandidateRelative) -> None:
    case, _step = _begin(actor, relative.case, "edit")
    if Hit.objects.filter(candidate_relative=relative, status=Hit.Status.CONFIRMED).exists():
        # Removing the member would delete a confirmed hit, which the decision must weigh.
        raise ValidationError(_("This family member has a confirmed hit and stays on the case."))
    case.relatives.filter(pk=relative.pk).delete()


@transaction.atomic
def case_attachment_add(*, actor, case: CandidateCase, upload) -> CaseAttachment:
    """Store a document of the nomination in the default storage (served by a scoped view)."""
    case, _step = _begin(actor, case, "edit")
    [attachment] = documents_store(CaseAttachment, actor=actor, uploads=[upload], case=case)
    return attachment


def cases_screen(case_ids: list[int]) -> ScreeningRun | None:
    """Screen the candidates and relatives of these cases set-wise, in this process.

    Ranges may include other cases under review: screening them again is harmless.
    """
    if not case_ids:
        return None
    cases = CandidateCase.objects.filter(pk__in=case_ids).aggregate(lo=Min("pk"), hi=Max("pk"))
    relatives = CandidateRelative.objects.filter(case_id__in=case_ids).aggregate(
        lo=Min("pk"), hi=Max("pk")
    )
    ranges = [(SubjectKind.CANDIDATE, cases["lo"], cases["hi"])]
    if relatives["lo"] is not None:
        ranges.append((SubjectKind.CANDIDATE_RELATIVE, relatives["lo"], relatives["hi"]))
    return screening_ranges_screen(ranges=ranges, trigger=ScreeningRun.Trigger.CANDIDATE)


@transaction.atomic
def case_submit(*, actor, case: CandidateCase, note: str = "") -> CandidateCase:
    """Send a draft (or a revised case) to the township review; screens on the way.

    Refused with the message of every eligibility rule the nomination does not meet."""
    case, step = _begin(actor, case, "submit")
    failures = case_eligibility_failures(case, active_eligibility_rules(), timezone.localdate())
    if failures:
        raise ValidationError(failures)
    case.submitted_at = timezone.now()
    _move(case, step, actor=actor, note=note)
    cases_screen([case.pk])
    return case


@transaction.atomic
def case_checkpoints_record(
    *, actor, case: CandidateCase, verdicts: dict[str, tuple[str, str]]
) -> CandidateCase:
    """Record the five checkpoints at the level of the case's state: {kind: (verdict, note)}.

    A concern or a failure needs a note.
    """
    case, _step = _begin(actor, case, "check")
    level = (
        Checkpoint.Level.TOWNSHIP
        if case.state == State.TOWNSHIP_REVIEW
        else Checkpoint.Level.DISTRICT
    )
    errors = {}
    for kind, (verdict, note) in verdicts.items():
        if kind not in Checkpoint.Kind.values or verdict not in Checkpoint.Verdict.values:
            raise ValidationError(_("Unknown checkpoint or verdict."))
        if verdict != Checkpoint.Verdict.PASS and not (note or "").strip():
            errors[kind] = _("Say what the concern or failure is.")
    if errors:
        raise ValidationError(errors)
    for kind, (verdict, note) in verdicts.items():
        Checkpoint.objects.update_or_create(
            case=case,
            level=level,
            kind=kind,
            defaults={"verdict": verdict, "note": (note or "").strip(), "recorded_by": actor},
        )
    _log(case, actor=actor, verb="check", source=case.state)
    return case


def _require_checkpoints(case: CandidateCase, level: str) -> None:
    recorded = set(case.checkpoints.filter(level=level).values_list("kind", flat=True))
    if recorded != set(Checkpoint.Kind.values):
        raise ValidationError(_("Record all five checkpoints first."))


@transaction.atomic
def case_forward(*, actor, case: CandidateCase, note: str = "") -> CandidateCase:
    """The township's preliminary review is done: send the case to the district, once
    every hit on the candidate and their family is reviewed."""
    case, step = _begin(actor, case, "forward")
    _require_checkpoints(case, Checkpoint.Level.TOWNSHIP)
    unsettled = _pending_hit_messages(case)
    if unsettled:
        raise ValidationError(unsettled)
    _move(case, step, actor=actor, note=note)
    return case


@transaction.atomic
def case_return(*, actor, case: CandidateCase, note: str) -> CandidateCase:
    """Send the case back to the nominator for revision."""
    note = _required(note, "note", _("Say what must be revised."))
    case, step = _begin(actor, case, "return")
    _move(case, step, actor=actor, note=note)
    signals.case_returned.send(sender=CandidateCase, case=case, actor=actor, note=note)
    return case


@transaction.atomic
def case_reject(*, actor, case: CandidateCase, reason: str) -> CandidateCase:
    reason = _required(reason, "reason", _("Give the reason for the rejection."))
    case, step = _begin(actor, case, "reject")
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.decision_reason = reason
    _move(case, step, actor=actor, note=reason)
    signals.case_decided.send(sender=CandidateCase, case=case, actor=actor, reason=reason)
    return case


def department_labels(departments: Iterable[str]) -> str:
    return "、".join(str(Department(value).label) for value in departments)


@transaction.atomic
def case_joint_review_open(
    *,
    actor,
    case: CandidateCase,
    departments: Iterable[str] | None = None,
    due_on: dt.date | None = None,
    today: dt.date | None = None,
) -> CandidateCase:
    """Ask departments for their opinions (the configured default set if none are picked),
    due on ``due_on``: by default 5 working days after ``today``, the day the review opens
    (a loader of past data names an earlier day).

    Departments already asked stay asked, with their opinions and due dates: a department
    leaves a review by being withdrawn. Picking no department that is not asked yet is
    refused, so that nobody is told that something changed when nothing did.
    """
    case, _step = _begin(actor, case, "open_joint_review")
    today = today or timezone.localdate()
    if departments is None:
        departments = DefaultDepartment.objects.values_list("department", flat=True)
    departments = sorted(set(departments))
    if not departments:
        raise ValidationError({"departments": _("Pick at least one department.")})
    if not set(departments) <= set(Department.values):
        raise ValidationError({"departments": _("Unknown department.")})
    if due_on is None:
        due_on = DepartmentOpinion.default_due(today)
    elif due_on < today:
        raise ValidationError({"due_on": _("The due date is in the past.")})
    asked = set(case.opinions.values_list("department", flat=True))
    added = [department for department in departments if department not in asked]
    if not added:
        raise ValidationError(
            {
                "departments": _(
                    "No department was added: %(departments)s have already been asked. "
                    "A department asked stays asked; to take one out of this review, "
                    "withdraw it."
                )
                % {"departments": department_labels(departments)}
            }
        )
    opinion_ids = []
    for department in added:
        opinion = DepartmentOpinion(case=case, department=department, due_on=due_on)
        opinion._history_user = actor
        opinion.save()
        opinion_ids.append(opinion.pk)
    _log(
        case,
        actor=actor,
        verb="open_joint_review",
        source=case.state,
        note=_("%(departments)s, opinions due on %(date)s")
        % {"departments": department_labels(added), "date": due_on.isoformat()},
    )
    signals.opinions_requested.send(
        sender=CandidateCase, case=case, opinion_ids=opinion_ids, actor=actor
    )
    return case


def _opinion_give(actor, case: CandidateCase, *, verdict: str, note: str) -> DepartmentOpinion:
    if verdict not in (DepartmentOpinion.Verdict.AGREE, DepartmentOpinion.Verdict.DISAGREE):
        raise ValidationError({"verdict": _("Agree or disagree.")})
    if verdict == DepartmentOpinion.Verdict.DISAGREE:
        note = _required(note, "note", _("Say why the department disagrees."))
    opinion = case.opinions.select_for_update().get(department=actor.department)
    if opinion.verdict == DepartmentOpinion.Verdict.WITHDRAWN:
        raise ValidationError(
            _("Your department was withdrawn from this review: %(reason)s")
            % {"reason": opinion.note}
        )
    if opinion.reply_letter_id:
        raise ValidationError(
            _("The district has recorded your department's opinion from its reply letter.")
        )
    if opinion.verdict != DepartmentOpinion.Verdict.PENDING:
        raise ValidationError(_("Your department has already given its opinion."))
    opinion.verdict = verdict
    opinion.note = (note or "").strip()
    opinion.given_by = actor
    opinion.given_at = timezone.now()
    opinion._history_user = actor
    opinion.save()
    _log(case, actor=actor, verb="opinion", source=case.state, note=f"{opinion}")
    return opinion


@transaction.atomic
def case_opinion_give(
    *, actor, case: CandidateCase, verdict: str, note: str = ""
) -> DepartmentOpinion:
    """The actor's department agrees or disagrees (with a note) in the joint review."""
    case, _step = _begin(actor, case, "opinion")
    return _opinion_give(actor, case, verdict=verdict, note=note)


def case_is_clean(case: CandidateCase) -> bool:
    """No hit on the candidate or a relative, and every recorded checkpoint passed."""
    return (
        not Hit.objects.filter(candidate=case).exists()
        and not Hit.objects.filter(candidate_relative__case=case).exists()
        and not case.checkpoints.exclude(verdict=Checkpoint.Verdict.PASS).exists()
    )


@transaction.atomic
def case_opinions_agree_bulk(*, actor, case_ids: list[int], note: str = "") -> int:
    """Agree on many clean cases at once; cases that are not clean are left for one by one."""
    if not actor.has_perm(workflow.GIVE_OPINION) or not actor.department:
        raise PermissionDenied
    done = 0
    for case in (
        CandidateCase.objects.filter(
            pk__in=case_ids,
            state=State.DISTRICT_REVIEW,
            opinions__department=actor.department,
            opinions__verdict=DepartmentOpinion.Verdict.PENDING,
        )
        # Cases on which the actor may not give an opinion are left alone, like unclean ones.
        .exclude(workflow.acted_in(actor, workflow.BARRED_BY[workflow.OPINION]))
        .order_by("pk")
    ):
        locked, _step = _begin(actor, case, "opinion")
        if case_is_clean(locked):
            _opinion_give(actor, locked, verdict=DepartmentOpinion.Verdict.AGREE, note=note)
            done += 1
    return done


def case_hits(case: CandidateCase):
    """The current hits on the candidate and on their family members."""
    return Hit.objects.current().filter(Q(candidate=case) | Q(candidate_relative__case=case))


def _hit_subject(hit: Hit) -> str:
    if hit.candidate_relative_id:
        return _("%(relation)s %(name)s") % {
            "relation": hit.candidate_relative.get_relation_display(),
            "name": hit.candidate_relative.name,
        }
    return _("the candidate")


def _pending_hit_messages(case: CandidateCase) -> list[str]:
    """Screening is not settled while a hit awaits review: one message per hit."""
    pending = case_hits(case).filter(status=Hit.Status.PENDING)
    return [
        _("Screening is not settled: the hit on %(subject)s, %(entry)s, awaits review.")
        % {"subject": _hit_subject(hit), "entry": entry_label(hit.entry)}
        for hit in pending.select_related("entry__source", "candidate_relative").order_by("pk")
    ]


def _screening_blockers(
    case: CandidateCase, negative_list: NegativeList, *, strict_control_justification: str
) -> list[str]:
    """Pending hits, hits that bar the candidate under the negative list, and relatives on
    a gang list without the strict-control justification."""
    blockers = _pending_hit_messages(case)
    today = timezone.localdate()
    confirmed = (
        case_hits(case)
        .filter(status=Hit.Status.CONFIRMED)
        .select_related("entry__source", "candidate_relative")
        .order_by("pk")
    )
    for hit in confirmed:
        if hit.candidate_id and entry_effect(hit.entry, negative_list, today).bars:
            blockers.append(
                _(
                    "The candidate is confirmed on %(entry)s: the negative list bars them, "
                    "approval is impossible."
                )
                % {"entry": entry_label(hit.entry)}
            )
        elif (
            hit.candidate_relative_id
            and hit.entry.source.kind == WatchlistSource.Kind.GANG
            and not strict_control_justification.strip()
        ):
            blockers.append(
                _(
                    "%(subject)s is confirmed on %(entry)s: give the justification for "
                    "appointing under strict control."
                )
                % {"subject": _hit_subject(hit), "entry": entry_label(hit.entry)}
            )
    return blockers


def approval_blockers(
    case: CandidateCase,
    *,
    override_reason: str = "",
    strict_control_justification: str = "",
    negative_list: NegativeList | None = None,
    eligibility_rules: EligibilityRules | None = None,
) -> list[str]:
    """Why the case cannot be approved (empty when it can), under the given versions of the
    rules (the active ones by default)."""
    blockers = []
    opinions = list(case.opinions.all())
    if not opinions:
        blockers.append(_("The joint review has not been opened."))
    pending = [o.department for o in opinions if o.verdict == DepartmentOpinion.Verdict.PENDING]
    if pending:
        blockers.append(
            _("These departments have not given their opinion: %(departments)s.")
            % {"departments": department_labels(pending)}
        )
    if opinions and all(o.verdict == DepartmentOpinion.Verdict.WITHDRAWN for o in opinions):
        blockers.append(_("Every department was withdrawn: ask at least one for its opinion."))
    if (
        any(o.verdict == DepartmentOpinion.Verdict.DISAGREE for o in opinions)
        and not override_reason.strip()
    ):
        blockers.append(_("A department disagrees: give the reason for overriding it."))
    district = {c.kind: c.verdict for c in case.checkpoints.filter(level="district")}
    if set(district) != set(Checkpoint.Kind.values):
        blockers.append(_("Record all five checkpoints at district level."))
    elif Checkpoint.Verdict.FAIL in district.values():
        blockers.append(_("A checkpoint failed at district level."))
    blockers += _screening_blockers(
        case,
        negative_list or active_negative_list(),
        strict_control_justification=strict_control_justification,
    )
    blockers += case_eligibility_failures(
        case, eligibility_rules or active_eligibility_rules(), timezone.localdate()
    )
    return blockers


def _relative_gang_hits(case: CandidateCase):
    return Hit.objects.filter(
        candidate_relative__case=case,
        status=Hit.Status.CONFIRMED,
        entry__source__kind=WatchlistSource.Kind.GANG,
    )


@transaction.atomic
def case_approve(
    *,
    actor,
    case: CandidateCase,
    note: str = "",
    override_reason: str = "",
    strict_control_justification: str = "",
) -> CandidateCase:
    """Approve, register the candidate if new, and appoint them to the post with its term
    (a candidate of a general election is appointed only once elected)."""
    case, step = _begin(actor, case, "approve")
    case.negative_list = active_negative_list()
    case.eligibility_rules = active_eligibility_rules()
    blockers = approval_blockers(
        case,
        override_reason=override_reason,
        strict_control_justification=strict_control_justification,
        negative_list=case.negative_list,
        eligibility_rules=case.eligibility_rules,
    )
    if blockers:
        raise ValidationError(blockers)
    person = case.person
    if person is None and case.id_number:
        person = Person.objects.filter(id_number=case.id_number).first()
    if person is None:
        person = person_create(
            actor=actor,
            name=case.name,
            id_number=case.id_number,
            birth_date=partial_date(case, "birth_date"),
            sex=case.sex,
            home_village=case.village,
            ethnicity=case.ethnicity,
            political_status=case.political_status,
            education=case.education,
            phone=case.phone,
        )
    if case.kind == CandidateCase.Kind.SUPPLEMENTARY:
        # 补审: the post exists (its holder is the case's person); approval lifts 未经联审.
        case.post = post_vetted_mark(actor=actor, post=case.reviewed_post)
    elif case.election_id is not None:
        # 换届: approval qualifies the candidate to stand; the post starts only if they are
        # elected, when the district confirms the village's results (services.election).
        pass
    else:
        case.post = post_appoint(
            actor=actor,
            person=person,
            village=case.village,
            body=case.body,
            title=case.title,
            term_start=partial_date(case, "term_start"),
            term_end=partial_date(case, "term_end"),
            villager_group=case.villager_group,
            origin=Post.Origin.CANDIDATE_CASE,
        )
    if _relative_gang_hits(case).exists():
        today = timezone.localdate()
        person_strict_control_set(
            actor=actor,
            person=person,
            since=today,
            review_on=today + relativedelta(months=STRICT_CONTROL_MONTHS),
            reason=strict_control_justification.strip(),
            source=StrictControlSource.VETTING,
        )
    case.person = person
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.decision_reason = note.strip()
    case.override_reason = override_reason.strip()
    case.strict_control_justification = strict_control_justification.strip()
    _move(case, step, actor=actor, note=note.strip())
    signals.case_decided.send(
        sender=CandidateCase, case=case, actor=actor, reason=case.decision_reason
    )
    return case
