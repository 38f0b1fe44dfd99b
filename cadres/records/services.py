"""Every write to the management records.

Like the register's services: keyword-only, the acting user first; each checks the
actor's model permission (403 for a role that may not act) and township scope,
locks what it reads before writing, and leaves nothing half-written.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.dates import PartialDate, partial_date, same_period_q
from cadres.documents import documents_store
from cadres.models import Person, Post, Relative, Village
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    DutyShift,
    FilingDocument,
    GradingRule,
    LeavePeriod,
    PartyCandidate,
    PersonalReport,
    PioneerProject,
    ProgressDocument,
    ProjectProgress,
    Recusal,
    SecretaryChange,
    SecretaryChangeDocument,
    SecretaryFiling,
)
from cadres.scoping import require_object, require_township
from cadres.services import (
    DERIVED_FIELDS,
    identity_values,
    is_secretary_post,
    post_end,
    require_perm,
)


def serving_post(*, person: Person, village: Village, on: dt.date) -> Post | None:
    return Post.objects.serving(on).filter(person=person, village=village).first()


def serving_secretary_post(*, village: Village, on: dt.date | None = None) -> Post | None:
    return (
        Post.objects.serving(on)
        .filter(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
        .select_related("person")
        .first()
    )


# 1. Secretary filing --------------------------------------------------------


@transaction.atomic
def secretary_filing_submit(
    *,
    actor,
    village: Village,
    filing_number: str,
    filed_on: dt.date,
    documents: Iterable[UploadedFile] = (),
    note: str = "",
) -> SecretaryFiling:
    """File the village's serving party secretary with the district."""
    require_perm(actor, "records.add_secretaryfiling")
    require_township(actor, village.township_id)
    village = Village.objects.select_for_update().get(pk=village.pk)
    post = serving_secretary_post(village=village)
    if post is None:
        raise ValidationError({"village": _("This village has no serving party secretary.")})
    if filed_on < post.term_start:
        raise ValidationError(
            {
                "filed_on": _("The filing cannot predate the secretary's post (%(date)s).")
                % {"date": post.term_start}
            }
        )
    if post.filings.exclude(status=SecretaryFiling.Status.RETURNED).exists():
        raise ValidationError(_("This secretary has already been filed."))
    filing_number = filing_number.strip()
    if SecretaryFiling.objects.filter(filing_number=filing_number).exists():
        raise ValidationError({"filing_number": _("This filing number is already in use.")})
    documents = list(documents)
    if not documents:
        raise ValidationError({"documents": _("Attach at least one document.")})
    try:
        # A concurrent filing may take the number between the check and the insert.
        with transaction.atomic():
            filing = SecretaryFiling.objects.create(
                village=village,
                post=post,
                person=post.person,
                filing_number=filing_number,
                filed_on=filed_on,
                note=note,
                filed_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"filing_number": _("This filing number is already in use.")}
        ) from error
    documents_store(
        FilingDocument, actor=actor, uploads=documents, field="documents", filing=filing
    )
    return filing


def may_decide_filing(actor, filing: SecretaryFiling) -> bool:
    """Separation of duties: whoever filed does not decide."""
    return filing.filed_by_id != actor.pk


@transaction.atomic
def secretary_filing_decide(
    *, actor, filing: SecretaryFiling, confirm: bool, reason: str = ""
) -> SecretaryFiling:
    """The district confirms a filing, or returns it with a reason."""
    require_perm(actor, "records.confirm_secretaryfiling")
    filing = SecretaryFiling.objects.select_for_update().get(pk=filing.pk)
    require_object(actor, filing)
    if not may_decide_filing(actor, filing):
        raise PermissionDenied(_("You filed this secretary: you may not confirm or return it."))
    if filing.status != SecretaryFiling.Status.SUBMITTED:
        raise ValidationError(_("This filing has already been decided."))
    if not confirm and not reason.strip():
        raise ValidationError({"reason": _("Say why the filing is returned.")})
    filing.status = SecretaryFiling.Status.CONFIRMED if confirm else SecretaryFiling.Status.RETURNED
    filing.return_reason = "" if confirm else reason.strip()
    filing.decided_by = actor
    filing.decided_at = timezone.now()
    filing.save()
    return filing


# 1a. Secretary change (规范村党组织书记调整程序) ---------------------------------

LIVE_CHANGE = (SecretaryChange.Status.REQUESTED, SecretaryChange.Status.RETURNED)


def _check_change(*, post: Post, ends_on: dt.date, end_reason: str, reason: str) -> str:
    """What a request must say; returns the reason stripped."""
    if ends_on < post.term_start:
        raise ValidationError(
            {
                "ends_on": _("The post cannot end before its term starts (%(date)s).")
                % {"date": post.term_start}
            }
        )
    if end_reason not in Post.EndReason.values:
        raise ValidationError({"end_reason": _("Choose why the post ends.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change.")})
    return reason


@transaction.atomic
def secretary_change_request(
    *,
    actor,
    post: Post,
    ends_on: dt.date,
    end_reason: str,
    reason: str,
    successor: str = "",
    documents: Iterable[UploadedFile] = (),
) -> SecretaryChange:
    """The township asks the district to approve the end of a serving secretary's post."""
    require_perm(actor, "records.add_secretarychange")
    post = Post.objects.select_for_update().select_related("village").get(pk=post.pk)
    require_object(actor, post)
    if not is_secretary_post(post) or post.ended_on is not None:
        raise ValidationError(
            {"post": _("Only a serving village party secretary's post can be changed this way.")}
        )
    reason = _check_change(post=post, ends_on=ends_on, end_reason=end_reason, reason=reason)
    if post.secretary_changes.filter(status__in=LIVE_CHANGE).exists():
        raise ValidationError(_("A change request for this secretary is already in progress."))
    documents = list(documents)
    if not documents:
        raise ValidationError({"documents": _("Attach at least one document.")})
    change = SecretaryChange(
        village=post.village,
        post=post,
        person_id=post.person_id,
        ends_on=ends_on,
        end_reason=end_reason,
        reason=reason,
        successor=successor.strip(),
        requested_by=actor,
    )
    change._history_user = actor
    change.save()
    documents_store(
        SecretaryChangeDocument, actor=actor, uploads=documents, field="documents", change=change
    )
    return change


def _locked_change(actor, change: SecretaryChange) -> SecretaryChange:
    change = SecretaryChange.objects.select_for_update().get(pk=change.pk)
    require_object(actor, change)
    return change


@transaction.atomic
def secretary_change_revise(
    *,
    actor,
    change: SecretaryChange,
    ends_on: dt.date,
    end_reason: str,
    reason: str,
    successor: str = "",
    documents: Iterable[UploadedFile] = (),
) -> SecretaryChange:
    """The township revises a returned request and sends it to the district again."""
    require_perm(actor, "records.change_secretarychange")
    change = _locked_change(actor, change)
    if change.status != SecretaryChange.Status.RETURNED:
        raise ValidationError(_("Only a returned request can be revised."))
    post = Post.objects.select_for_update().get(pk=change.post_id)
    if post.ended_on is not None:
        raise ValidationError(_("This post has already ended."))
    change.reason = _check_change(post=post, ends_on=ends_on, end_reason=end_reason, reason=reason)
    change.ends_on = ends_on
    change.end_reason = end_reason
    change.successor = successor.strip()
    change.status = SecretaryChange.Status.REQUESTED
    change._history_user = actor
    change.save()
    documents_store(
        SecretaryChangeDocument, actor=actor, uploads=documents, field="documents", change=change
    )
    return change


@transaction.atomic
def secretary_change_withdraw(*, actor, change: SecretaryChange, reason: str) -> SecretaryChange:
    """The township takes back a request that the district has not approved."""
    require_perm(actor, "records.change_secretarychange")
    change = _locked_change(actor, change)
    if change.status not in LIVE_CHANGE:
        raise ValidationError(_("This request has already been decided or withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is withdrawn.")})
    change.status = SecretaryChange.Status.WITHDRAWN
    change.withdraw_reason = reason.strip()
    change._history_user = actor
    change.save()
    return change


def may_decide_change(actor, change: SecretaryChange) -> bool:
    """Separation of duties: whoever requested the change or revised it (a saved version
    in the request state, read from its history) does not decide it."""
    return (
        change.requested_by_id != actor.pk
        and not change.history.filter(
            history_user=actor, status=SecretaryChange.Status.REQUESTED
        ).exists()
    )


@transaction.atomic
def secretary_change_decide(
    *, actor, change: SecretaryChange, approve: bool, note: str = ""
) -> SecretaryChange:
    """The district approves (the post ends now, with the requested date and reason) or
    returns the request with a note. The locked row lets one of two reviewers decide."""
    require_perm(actor, "records.decide_secretarychange")
    change = _locked_change(actor, change)
    if not may_decide_change(actor, change):
        raise PermissionDenied(_("You requested or revised this change: you may not decide it."))
    if change.status != SecretaryChange.Status.REQUESTED:
        raise ValidationError(_("This request is not awaiting the district's decision."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"reason": _("Say why it is returned.")})
    if approve:
        post_end(
            actor=actor,
            post=change.post,
            ended_on=change.ends_on,
            reason=change.end_reason,
            note=change.reason,
        )
    change.status = SecretaryChange.Status.APPROVED if approve else SecretaryChange.Status.RETURNED
    change.decision_note = note
    change.decided_by = actor
    change.decided_at = timezone.now()
    change._history_user = actor
    change.save()
    return change


# 2. Personal matters reports ----------------------------------------------


@transaction.atomic
def personal_report_submit(
    *,
    actor,
    person: Person,
    village: Village,
    year: int,
    kind: str,
    categories: list[str],
    content: str,
    reported_on: dt.date,
) -> PersonalReport:
    require_perm(actor, "records.add_personalreport")
    require_township(actor, village.township_id)
    require_object(actor, person)
    if not Post.objects.filter(person=person, village=village).exists():
        raise ValidationError({"village": _("This cadre holds no post in that village.")})
    if kind == PersonalReport.Kind.CHANGE and not categories:
        raise ValidationError({"categories": _("Choose what changed.")})
    if (
        kind == PersonalReport.Kind.ANNUAL
        and PersonalReport.objects.filter(person=person, year=year, kind=kind).exists()
    ):
        raise ValidationError({"year": _("This cadre's annual report for that year exists.")})
    report = PersonalReport(
        person=person,
        village=village,
        year=year,
        kind=kind,
        categories=sorted(set(categories)),
        content=content,
        reported_on=reported_on,
        submitted_by=actor,
    )
    report.full_clean()
    report._history_user = actor
    report.save()
    return report


@transaction.atomic
def personal_report_resubmit(
    *, actor, report: PersonalReport, categories: list[str], content: str
) -> PersonalReport:
    """Revise a returned report and send it for review again."""
    require_perm(actor, "records.change_personalreport")
    report = PersonalReport.objects.select_for_update().get(pk=report.pk)
    require_object(actor, report)
    if report.status != PersonalReport.Status.RETURNED:
        raise ValidationError(_("Only a returned report can be revised."))
    report.categories = sorted(set(categories))
    report.content = content
    report.status = PersonalReport.Status.SUBMITTED
    report._history_user = actor
    report.save()
    return report


def may_review_report(actor, report: PersonalReport) -> bool:
    """Separation of duties: whoever submitted the report or resubmitted it (read from its
    history) does not review it."""
    return (
        report.submitted_by_id != actor.pk
        and not report.history.filter(
            history_user=actor, status=PersonalReport.Status.SUBMITTED
        ).exists()
    )


@transaction.atomic
def personal_report_review(
    *, actor, report: PersonalReport, approve: bool, note: str = ""
) -> PersonalReport:
    require_perm(actor, "records.review_personalreport")
    report = PersonalReport.objects.select_for_update().get(pk=report.pk)
    require_object(actor, report)
    if not may_review_report(actor, report):
        raise PermissionDenied(_("You submitted or revised this report: you may not review it."))
    if report.status != PersonalReport.Status.SUBMITTED:
        raise ValidationError(_("This report is not awaiting review."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say what must be revised.")})
    report.status = PersonalReport.Status.APPROVED if approve else PersonalReport.Status.RETURNED
    report.review_note = note.strip()
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save()
    return report


# 3. Duty roster -------------------------------------------------------------


@transaction.atomic
def leave_record(
    *, actor, person: Person, starts_on: dt.date, ends_on: dt.date, reason: str
) -> LeavePeriod:
    """Record a leave; scheduled duties inside it are refused, so none may exist."""
    require_perm(actor, "records.add_leaveperiod")
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_object(actor, person)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The leave ends before it starts.")})
    clash = person.duty_shifts.filter(
        date__range=(starts_on, ends_on), outcome=DutyShift.Outcome.SCHEDULED
    ).first()
    if clash:
        raise ValidationError(
            _("%(name)s is on duty on %(date)s; take them off the roster first.")
            % {"name": person.name, "date": clash.date}
        )
    return LeavePeriod.objects.create(
        person=person, starts_on=starts_on, ends_on=ends_on, reason=reason, recorded_by=actor
    )


@transaction.atomic
def duty_roster_create(
    *, actor, village: Village, period: str, starts_on: dt.date, ends_on: dt.date, note: str = ""
) -> DutyRoster:
    require_perm(actor, "records.add_dutyroster")
    require_township(actor, village.township_id)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The roster ends before it starts.")})
    longest = 7 if period == DutyRoster.Period.WEEK else 31
    if (ends_on - starts_on).days >= longest:
        raise ValidationError({"ends_on": _("A roster covers one week or one month.")})
    if DutyRoster.objects.filter(village=village, period=period, starts_on=starts_on).exists():
        raise ValidationError({"starts_on": _("This village already has that roster.")})
    return DutyRoster.objects.create(
        village=village,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by=actor,
    )


@transaction.atomic
def duty_shift_add(
    *,
    actor,
    roster: DutyRoster,
    person: Person,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
) -> DutyShift:
    """Put a cadre on duty; refuses overlapping duties of the same person and duty on leave."""
    require_perm(actor, "records.add_dutyshift")
    require_object(actor, roster)
    # Locking the person serializes every scheduling of that person, in any roster.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not roster.starts_on <= date <= roster.ends_on:
        raise ValidationError({"date": _("The day is outside the roster's period.")})
    if end_time <= start_time:
        raise ValidationError({"end_time": _("The duty ends before it starts.")})
    if serving_post(person=person, village=roster.village, on=date) is None:
        raise ValidationError(
            {
                "person": _("%(name)s holds no post in this village on that day.")
                % {"name": person.name}
            }
        )
    if person.leave_periods.filter(starts_on__lte=date, ends_on__gte=date).exists():
        raise ValidationError(
            {"person": _("%(name)s is on leave on that day.") % {"name": person.name}}
        )
    overlapping = (
        person.duty_shifts.filter(date=date, start_time__lt=end_time, end_time__gt=start_time)
        .select_related("roster__village")
        .first()
    )
    if overlapping:
        raise ValidationError(
            {
                "start_time": _(
                    "%(name)s is already on duty at %(village)s from %(start)s to %(end)s."
                )
                % {
                    "name": person.name,
                    "village": overlapping.roster.village.name,
                    "start": f"{overlapping.start_time:%H:%M}",
                    "end": f"{overlapping.end_time:%H:%M}",
                }
            }
        )
    return DutyShift.objects.create(
        roster=roster, person=person, date=date, start_time=start_time, end_time=end_time
    )


@transaction.atomic
def duty_shift_remove(*, actor, shift: DutyShift) -> None:
    require_perm(actor, "records.delete_dutyshift")
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    require_object(actor, shift)
    if shift.outcome != DutyShift.Outcome.SCHEDULED:
        raise ValidationError(_("A duty whose outcome is recorded stays on the roster."))
    shift.delete()


@transaction.atomic
def duty_shift_record(*, actor, shift: DutyShift, outcome: str, note: str = "") -> DutyShift:
    """Record whether a scheduled duty was done."""
    require_perm(actor, "records.change_dutyshift")
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    require_object(actor, shift)
    if outcome not in (DutyShift.Outcome.DONE, DutyShift.Outcome.MISSED):
        raise ValidationError({"outcome": _("Choose done or missed.")})
    if shift.date > timezone.localdate():
        raise ValidationError(_("A duty in the future cannot be recorded yet."))
    shift.outcome = outcome
    shift.outcome_note = note
    shift.save()
    return shift


# 4. Pioneer projects --------------------------------------------------------


@transaction.atomic
def pioneer_project_claim(
    *, actor, village: Village, year: int, title: str, goals: str, milestones: str
) -> PioneerProject:
    """Record the project the village's serving party secretary claims for the year."""
    require_perm(actor, "records.add_pioneerproject")
    require_township(actor, village.township_id)
    village = Village.objects.select_for_update().get(pk=village.pk)
    post = serving_secretary_post(village=village)
    if post is None:
        raise ValidationError({"village": _("This village has no serving party secretary.")})
    if PioneerProject.objects.filter(
        Q(village=village) | Q(person=post.person), year=year
    ).exists():
        raise ValidationError(
            {"year": _("A project has already been claimed for this village or secretary.")}
        )
    return PioneerProject.objects.create(
        village=village,
        person=post.person,
        year=year,
        title=title,
        goals=goals,
        milestones=milestones,
        claimed_by=actor,
    )


@transaction.atomic
def project_progress_add(
    *,
    actor,
    project: PioneerProject,
    on: dt.date,
    text: str,
    documents: Iterable[UploadedFile] = (),
) -> ProjectProgress:
    require_perm(actor, "records.add_projectprogress")
    project = PioneerProject.objects.select_for_update().get(pk=project.pk)
    require_object(actor, project)
    if project.status == PioneerProject.Status.ASSESSED:
        raise ValidationError(_("An assessed project takes no more progress updates."))
    if on > timezone.localdate():
        raise ValidationError({"on": _("Progress cannot be dated in the future.")})
    progress = ProjectProgress.objects.create(project=project, on=on, text=text, recorded_by=actor)
    documents_store(
        ProgressDocument, actor=actor, uploads=documents, field="documents", progress=progress
    )
    return progress


def may_assess_project(actor, project: PioneerProject) -> bool:
    """Separation of duties: whoever claimed the project or recorded its progress does not
    accept its completion or assess it."""
    return (
        project.claimed_by_id != actor.pk
        and not project.progress.filter(recorded_by=actor).exists()
    )


def _require_project_assessor(actor, project: PioneerProject) -> None:
    if not may_assess_project(actor, project):
        raise PermissionDenied(
            _(
                "You claimed this project or recorded its progress: you may not accept its "
                "completion or assess it."
            )
        )


@transaction.atomic
def pioneer_project_complete(*, actor, project: PioneerProject, completed_on: dt.date):
    require_perm(actor, "records.assess_pioneerproject")
    project = PioneerProject.objects.select_for_update().get(pk=project.pk)
    require_object(actor, project)
    _require_project_assessor(actor, project)
    if project.status != PioneerProject.Status.CLAIMED:
        raise ValidationError(_("This project is already marked completed."))
    project.status = PioneerProject.Status.COMPLETED
    project.completed_on = completed_on
    project.save()
    return project


@transaction.atomic
def pioneer_project_assess(
    *, actor, project: PioneerProject, score: Decimal, assessment: str
) -> PioneerProject:
    require_perm(actor, "records.assess_pioneerproject")
    project = PioneerProject.objects.select_for_update().get(pk=project.pk)
    require_object(actor, project)
    _require_project_assessor(actor, project)
    if project.status != PioneerProject.Status.COMPLETED:
        raise ValidationError(_("Only a completed project can be assessed."))
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError({"score": _("The score is between 0 and 100.")})
    project.status = PioneerProject.Status.ASSESSED
    project.score = score
    project.assessment = assessment
    project.assessed_by = actor
    project.assessed_on = timezone.localdate()
    project.save()
    return project


# 5. Annual evaluation -------------------------------------------------------


def active_grading_rule() -> GradingRule:
    rule = GradingRule.objects.filter(active=True).first()
    if rule is None:
        raise ValidationError(_("No grading rule is active; the district must set one."))
    return rule


@transaction.atomic
def grading_rule_replace(*, actor, name: str, **values: Decimal) -> GradingRule:
    """Make a new rule the active one; the old stays with the evaluations graded by it."""
    require_perm(actor, "records.change_gradingrule")
    rule = GradingRule(name=name, active=True, **values)
    rule.full_clean(exclude=["active"])
    GradingRule.objects.select_for_update().filter(active=True).update(active=False)
    rule.save()
    return rule


@transaction.atomic
def evaluation_record(
    *,
    actor,
    person: Person,
    village: Village,
    year: int,
    performance: Decimal,
    discipline: Decimal,
    reputation: Decimal,
    evaluator: str,
    evaluated_on: dt.date,
    comments: str = "",
) -> AnnualEvaluation:
    """Record a secretary's evaluation; the grade comes from the active grading rule."""
    require_perm(actor, "records.add_annualevaluation")
    require_township(actor, village.township_id)
    require_object(actor, person)
    if not Post.objects.filter(
        person=person, village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
    ).exists():
        raise ValidationError({"person": _("This person was not party secretary of the village.")})
    if AnnualEvaluation.objects.filter(person=person, year=year).exists():
        raise ValidationError(
            {"year": _("This secretary has already been evaluated for the year.")}
        )
    rule = active_grading_rule()
    evaluation = AnnualEvaluation(
        person=person,
        village=village,
        year=year,
        performance=performance,
        discipline=discipline,
        reputation=reputation,
        total=rule.total(performance, discipline, reputation),
        grade=rule.grade(performance, discipline, reputation),
        rule=rule,
        evaluator=evaluator,
        evaluated_on=evaluated_on,
        comments=comments,
        recorded_by=actor,
    )
    evaluation.full_clean()
    evaluation.save()
    return evaluation


# 6. Recusal in party member development --------------------------------------


def candidate_relatives(candidate: PartyCandidate):
    """Family records of cadres serving in the candidate's village that are the candidate.

    One query: by normalized ID number, or by name key plus birth date.
    """
    same_person = Q()
    if candidate.id_number:
        same_person |= Q(id_number=candidate.id_number)
    birth = partial_date(candidate, "birth_date")
    if birth is not None:
        # 1972.08 on either side: the same person if the dates agree as far as both are known.
        same_person |= Q(name_key=candidate.name_key) & same_period_q("birth_date", birth)
    if not same_person:
        return Relative.objects.none()
    serving_here = Post.objects.serving().filter(village_id=candidate.village_id)
    return Relative.objects.filter(same_person, cadre__in=serving_here.values("person_id"))


def _open_recusals(candidate: PartyCandidate) -> None:
    relatives = candidate_relatives(candidate).order_by("cadre_id", "pk")
    first_per_cadre = {}
    for relative in relatives:
        first_per_cadre.setdefault(relative.cadre_id, relative)
    Recusal.objects.bulk_create(
        [
            Recusal(candidate=candidate, cadre_id=cadre_id, relative=relative)
            for cadre_id, relative in first_per_cadre.items()
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def party_candidate_add(
    *,
    actor,
    village: Village,
    name: str,
    id_number: object = None,
    birth_date: PartialDate | dt.date | None = None,
    sex: str = "",
    stage: str,
) -> PartyCandidate:
    """Record a candidate and open a recusal for each related cadre of the village."""
    require_perm(actor, "records.add_partycandidate")
    require_township(actor, village.township_id)
    candidate = PartyCandidate(
        village=village,
        stage=stage,
        recorded_by=actor,
        **identity_values(name=name, id_number=id_number, birth_date=birth_date, sex=sex),
    )
    candidate.full_clean(exclude=DERIVED_FIELDS)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as error:
        raise ValidationError(
            {"id_number": _("This person is already a candidate in the village.")}
        ) from error
    _open_recusals(candidate)
    return candidate


def party_candidate_advance(*, actor, candidate: PartyCandidate, stage: str) -> PartyCandidate:
    """Move a candidate to another stage; refused while a related cadre has not recused.

    The recusals are looked for again first, in their own transaction, because the
    village's cadres and their family records may have changed since the candidate
    was recorded; those found stay open even when the move is refused.
    """
    require_perm(actor, "records.change_partycandidate")
    require_object(actor, candidate)
    if stage not in PartyCandidate.Stage.values:
        raise ValidationError({"stage": _("Choose a stage.")})
    with transaction.atomic():
        _open_recusals(candidate)
    with transaction.atomic():
        candidate = PartyCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.recusals.filter(status=Recusal.Status.OPEN).exists():
            raise ValidationError(
                _("Related cadres must record their recusal before the candidate moves on.")
            )
        candidate.stage = stage
        candidate.save()
    return candidate


@transaction.atomic
def recusal_record(*, actor, recusal: Recusal, statement: str, recorded_on: dt.date) -> Recusal:
    require_perm(actor, "records.change_recusal")
    recusal = Recusal.objects.select_for_update().get(pk=recusal.pk)
    require_object(actor, recusal)
    if recusal.status != Recusal.Status.OPEN:
        raise ValidationError(_("This recusal has already been recorded."))
    if not statement.strip():
        raise ValidationError({"statement": _("Write down the recusal statement.")})
    recusal.status = Recusal.Status.RECORDED
    recusal.statement = statement.strip()
    recusal.recorded_on = recorded_on
    recusal.recorded_by = actor
    recusal.save()
    return recusal
