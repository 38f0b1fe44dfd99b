"""The general election (换届): open it, plan it per township, enter and confirm results.

The district opens an election (``election_open``): every township gets a
plan with the district's deadlines, the active structure targets and all its villages. The
township fills its plan (``plan_update``, ``plan_villages_set``) and enters each village's
results (``results_enter``, or ``results_import`` from a workbook); a result names an
approved candidate case of this election and village, whose post it wins. The district
confirms a village's results (``results_confirm``), or a township's at once
(``results_confirm_many``): one transaction ends the old teams' posts (换届, which opens their
audits through ``cadres.signals.post_ended``) and starts the new posts from the cases through
``cadres.services.villages_posts_renew``; then files each village (``village_file``, 备案).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres.models import ImportFile, Post, Township, Village
from cadres.scoping import require_object, scope
from cadres.services import (
    VillageRenewal,
    named_by_village,
    post_label,
    update_alike_with_history,
    villages_posts_renew,
)
from cadres.structure import active_targets
from vetting.models import (
    CandidateCase,
    Election,
    ElectionBatch,
    ElectionPlan,
    ElectionResult,
    ElectionVillage,
)
from vetting.models.election import PLAN_TARGETS

OPEN = "vetting.open_election"
PLAN = "vetting.plan_election"
# Confirming results starts posts from approved cases (cadres.add_post, the district
# reviewer's) and ends secretaries' posts with the old term.
CONFIRM = ("cadres.add_post", "cadres.change_post", "cadres.end_secretary_post")


def _require(actor, perm: str) -> None:
    if not (actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied


def may_confirm(user) -> bool:
    return user.is_active and user.has_perms(CONFIRM)


@transaction.atomic
def election_open(
    *,
    actor,
    name: str,
    year: int,
    starts_on: dt.date,
    ends_on: dt.date,
    joint_review_deadline: dt.date,
    filing_deadline: dt.date,
) -> Election:
    """Open the district's election, with a plan for every township holding all its villages
    (a township takes out those that do not elect now)."""
    _require(actor, OPEN)
    if Election.objects.filter(year=year).exists():
        raise ValidationError({"year": _("An election of this year is open already.")})
    election = Election(
        name=name.strip(),
        year=year,
        starts_on=starts_on,
        ends_on=ends_on,
        joint_review_deadline=joint_review_deadline,
        filing_deadline=filing_deadline,
        opened_by=actor,
    )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The election must end after it starts.")})
    if not starts_on <= joint_review_deadline <= filing_deadline:
        raise ValidationError(
            {
                "joint_review_deadline": _(
                    "The joint review deadline falls between the start and the filing deadline."
                )
            }
        )
    election.full_clean()
    election._history_user = actor
    election.save()
    targets = active_targets()
    defaults = {name: getattr(targets, name, None) for name in PLAN_TARGETS}
    townships = Township.objects.all()
    plans = bulk_create_with_history(
        [
            ElectionPlan(
                election=election,
                township=township,
                joint_review_deadline=joint_review_deadline,
                filing_deadline=filing_deadline,
                **defaults,
            )
            for township in townships
        ],
        ElectionPlan,
        default_user=actor,
    )
    plan_of = {plan.township_id: plan for plan in plans}
    bulk_create_with_history(
        [
            ElectionVillage(plan=plan_of[township_id], village_id=village_id)
            for village_id, township_id in Village.objects.filter(
                township_id__in=plan_of
            ).values_list("pk", "township_id")
        ],
        ElectionVillage,
        batch_size=1000,
        default_user=actor,
    )
    return election


def _locked_plan(actor, plan: ElectionPlan) -> ElectionPlan:
    _require(actor, PLAN)
    plan = ElectionPlan.objects.select_for_update().select_related("election").get(pk=plan.pk)
    require_object(actor, plan)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor,
    plan: ElectionPlan,
    joint_review_deadline: dt.date,
    filing_deadline: dt.date,
    note: str = "",
    **targets: Decimal | None,
) -> ElectionPlan:
    """The township's deadlines (not later than the district's) and its teams' targets."""
    plan = _locked_plan(actor, plan)
    election = plan.election
    errors = {}
    if joint_review_deadline > election.joint_review_deadline:
        errors["joint_review_deadline"] = _(
            "The district's joint review deadline is %(date)s: the township's cannot be later."
        ) % {"date": election.joint_review_deadline.isoformat()}
    if filing_deadline > election.filing_deadline:
        errors["filing_deadline"] = _(
            "The district's filing deadline is %(date)s: the township's cannot be later."
        ) % {"date": election.filing_deadline.isoformat()}
    elif filing_deadline < joint_review_deadline:
        errors["filing_deadline"] = _("Filing comes after the joint review.")
    if errors:
        raise ValidationError(errors)
    unknown = set(targets) - set(PLAN_TARGETS)
    if unknown:
        raise TypeError(sorted(unknown))
    plan.joint_review_deadline = joint_review_deadline
    plan.filing_deadline = filing_deadline
    plan.note = note.strip()
    for name, value in targets.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan._history_user = actor
    plan.save()
    return plan


@transaction.atomic
def plan_villages_set(
    *, actor, plan: ElectionPlan, dates: dict[int, dt.date | None]
) -> list[ElectionVillage]:
    """The villages of the plan (by id) and their election dates; a village left out is
    removed from the plan unless it has results already."""
    plan = _locked_plan(actor, plan)
    villages = {
        v.pk: v for v in Village.objects.filter(township_id=plan.township_id, pk__in=list(dates))
    }
    if set(dates) - set(villages):
        raise ValidationError(_("Choose villages of the township only."))
    errors = []
    election = plan.election
    for village_id, day in dates.items():
        if day is not None and not election.starts_on <= day <= election.ends_on:
            errors.append(
                _("%(village)s: the election date must fall within %(start)s – %(end)s.")
                % {
                    "village": villages[village_id].name,
                    "start": election.starts_on.isoformat(),
                    "end": election.ends_on.isoformat(),
                }
            )
    existing = {ev.village_id: ev for ev in plan.villages.select_for_update()}
    leaving = [ev for village_id, ev in existing.items() if village_id not in dates]
    with_results = set(
        ElectionResult.objects.filter(village__in=leaving).values_list("village_id", flat=True)
    )
    locked = [ev for ev in leaving if ev.confirmed_at or ev.pk in with_results]
    errors += [
        _("%(village)s has election results and stays in the plan.") % {"village": ev.village}
        for ev in locked
    ]
    for village_id, ev in existing.items():
        if ev.confirmed_at and village_id in dates and dates[village_id] != ev.election_on:
            errors.append(
                _("%(village)s: its results are confirmed; the election date stays.")
                % {"village": ev.village}
            )
    if errors:
        raise ValidationError(errors)
    for ev in leaving:  # rare: a village taken out of the plan
        ev._history_user = actor
        ev.delete()
    changed, added = [], []
    for village_id, day in dates.items():
        ev = existing.get(village_id)
        if ev is None:
            added.append(ElectionVillage(plan=plan, village_id=village_id, election_on=day))
        elif ev.election_on != day:
            ev.election_on = day
            ev.updated_at = timezone.now()
            changed.append(ev)
    if changed:
        bulk_update_with_history(
            changed, ElectionVillage, ["election_on", "updated_at"], default_user=actor
        )
    if added:
        bulk_create_with_history(added, ElectionVillage, default_user=actor)
    return list(plan.villages.all())


@transaction.atomic
def election_batch_link(*, actor, election: Election, import_file: ImportFile) -> ElectionBatch:
    """A nomination workbook uploaded within an election: its cases will belong to it."""
    if import_file.uploaded_by_id != actor.pk or import_file.kind != ImportFile.Kind.CANDIDATES:
        raise PermissionDenied
    batch, _created = ElectionBatch.objects.get_or_create(
        import_file=import_file, defaults={"election": election}
    )
    return batch


# Results ------------------------------------------------------------------------------------


def _locked_village(actor, village: ElectionVillage) -> ElectionVillage:
    village = (
        ElectionVillage.objects.select_for_update(of=("self",))
        .select_related("plan__election", "village")
        .get(pk=village.pk)
    )
    require_object(actor, village)
    return village


def case_refusal(case: CandidateCase | None, village: ElectionVillage) -> str | None:
    """Why this case cannot win a post in this village's election (None when it can)."""
    if case is None or case.election_id != village.plan.election_id:
        return _("Not a candidate of this election: only approved candidates can be elected.")
    if case.village_id != village.village_id:
        return _("A candidate of another village.")
    if case.state != CandidateCase.State.APPROVED:
        return _("The candidate is %(state)s, not approved in the joint review.") % {
            "state": case.get_state_display()
        }
    return None


def _post_key(case: CandidateCase) -> tuple:
    if case.body == Post.Body.PARTY_BRANCH and case.title == Post.Title.SECRETARY:
        return ("secretary",)
    if case.title == Post.Title.DIRECTOR:
        return ("director", case.body)
    if case.body == Post.Body.VILLAGER_GROUP:
        return ("group", case.villager_group_id)
    return ("case", case.pk)


def results_check(village: ElectionVillage, elected: dict[int, int]) -> list[str]:
    """Every reason the results (case id → votes) cannot stand, in Chinese; one query."""
    cases = {
        c.pk: c
        for c in CandidateCase.objects.filter(pk__in=list(elected)).only(
            "pk", "name", "election_id", "village_id", "state", "body", "title", "villager_group_id"
        )
    }
    return _results_refusals(village, elected, cases)


def _results_refusals(
    village: ElectionVillage, elected: dict[int, int], cases: dict[int, CandidateCase]
) -> list[str]:
    """``results_check`` on cases already read (a case missing from ``cases`` is unknown)."""
    errors = []
    filled: dict[tuple, CandidateCase] = {}
    for case_id, votes in elected.items():
        case = cases.get(case_id)
        refusal = case_refusal(case, village)
        if refusal:
            errors.append(refusal if case is None else f"{case.name}: {refusal}")
            continue
        if votes is None or votes < 0:
            errors.append(_("%(name)s: give the votes.") % {"name": case.name})
        key = _post_key(case)
        if key in filled:
            errors.append(
                _("%(post)s is filled twice: %(first)s and %(second)s.")
                % {
                    "post": post_label(case.body, case.title),
                    "first": filled[key].name,
                    "second": case.name,
                }
            )
        filled[key] = case
    return errors


def _replace_results(actor, village: ElectionVillage, elected: dict[int, int]) -> list:
    if village.confirmed_at is not None:
        raise ValidationError(
            _("The results of %(village)s are confirmed already.") % {"village": village}
        )
    errors = results_check(village, elected)
    if errors:
        raise ValidationError(errors)
    village.results.all().delete()
    cases = CandidateCase.objects.filter(pk__in=list(elected)).only(
        "pk", "body", "title", "villager_group_id"
    )
    try:
        with transaction.atomic():
            return bulk_create_with_history(
                [
                    ElectionResult(
                        village=village,
                        case=case,
                        body=case.body,
                        title=case.title,
                        villager_group_id=case.villager_group_id,
                        votes=elected[case.pk],
                        entered_by=actor,
                    )
                    for case in cases
                ],
                ElectionResult,
                default_user=actor,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("Someone else entered this village's results at the same time; try again.")
        ) from error


@transaction.atomic
def results_enter(*, actor, village: ElectionVillage, elected: dict[int, int]) -> list:
    """Replace a village's results: which approved cases won their posts, with the votes."""
    _require(actor, PLAN)
    village = _locked_village(actor, village)
    return _replace_results(actor, village, elected)


def results_confirm(*, actor, village: ElectionVillage) -> ElectionVillage:
    """The district confirms a village's results: ``results_confirm_many`` for a list of one."""
    [confirmed] = results_confirm_many(actor=actor, villages=[village])
    return confirmed


@transaction.atomic
def results_confirm_many(*, actor, villages: Iterable[ElectionVillage]) -> list[ElectionVillage]:
    """The district confirms the villages' results (a township's at once): in one transaction
    and a constant number of queries for any number of villages, the old teams' posts end
    (换届; their audits and handovers open on ``post_ended``) and the elected start from their
    cases. If any village's results cannot stand, none is confirmed: every reason is given,
    named by its village."""
    if not may_confirm(actor):
        raise PermissionDenied
    wanted = {village.pk for village in villages}
    locked = list(
        scope(
            ElectionVillage.objects.select_for_update(of=("self",))
            .select_related("plan__election", "village")
            .filter(pk__in=wanted),
            actor,
        ).order_by("pk")
    )
    if len(locked) < len(wanted):
        raise PermissionDenied
    results: dict[int, list[ElectionResult]] = {village.pk: [] for village in locked}
    for result in (
        ElectionResult.objects.filter(village__in=locked)
        .select_related("case__person", "villager_group")
        .select_for_update(of=("self",))
    ):
        results[result.village_id].append(result)
    errors = [
        named_by_village(village.village, reason)
        for village in locked
        for reason in _confirm_refusals(village, results[village.pk])
    ]
    if errors:
        raise ValidationError(errors)
    _ended, started = villages_posts_renew(
        actor=actor,
        renewals=[
            VillageRenewal(
                village=village.village,
                on=village.election_on,
                bodies={r.body for r in results[village.pk]},
                groups={r.villager_group_id for r in results[village.pk] if r.villager_group_id},
                appointments=[
                    {
                        "person": r.case.person,
                        "body": r.body,
                        "title": r.title,
                        "villager_group": r.villager_group,
                    }
                    for r in results[village.pk]
                ],
            )
            for village in locked
        ],
    )
    now = timezone.now()
    cases = []
    elected = (result for village in locked for result in results[village.pk])
    for result, post in zip(elected, started, strict=True):
        result.case.post = post
        result.case.updated_at = now
        cases.append(result.case)
    # One UPDATE that finds each case's new post in the database, then the history rows:
    # bulk_update's CASE of a row per case cost a township's confirmation more than all its
    # SQL. Among the posts just started, a person holds a post of a body and title in a
    # village once (villages_posts_renew refuses it twice), so the match is the case's.
    CandidateCase.objects.filter(pk__in=[case.pk for case in cases]).update(
        post=Subquery(
            Post.objects.filter(
                pk__in=[post.pk for post in started],
                person=OuterRef("person"),
                village=OuterRef("village"),
                body=OuterRef("body"),
                title=OuterRef("title"),
            ).values("pk")
        ),
        updated_at=now,
    )
    bulk_update_with_history(cases, CandidateCase, [], batch_size=500, default_user=actor)
    update_alike_with_history(
        locked,
        ElectionVillage,
        {"confirmed_at": now, "confirmed_by": actor, "updated_at": now},
        actor=actor,
    )
    return locked


def _confirm_refusals(village: ElectionVillage, results: list[ElectionResult]) -> list[str]:
    """Why a village's entered results cannot be confirmed (none when they can)."""
    if village.confirmed_at is not None:
        return [_("These results are confirmed already.")]
    if village.election_on is None:
        return [_("Set the village's election date in the plan first.")]
    if not results:
        return [_("Enter the results first.")]
    errors = _results_refusals(
        village, {r.case_id: r.votes for r in results}, {r.case_id: r.case for r in results}
    )
    missing = [r.case.name for r in results if r.case.person_id is None]
    if missing:
        errors.append(_("Not in the register: %(names)s.") % {"names": "、".join(missing)})
    return errors


@transaction.atomic
def village_file(*, actor, village: ElectionVillage, filed_on: dt.date) -> ElectionVillage:
    """备案: the district records the village's new team as filed."""
    _require(actor, OPEN)
    village = _locked_village(actor, village)
    if village.confirmed_at is None:
        raise ValidationError(_("Confirm the results before filing."))
    if village.filed_on is not None:
        raise ValidationError(_("This village is filed already."))
    if filed_on < timezone.localdate(village.confirmed_at):
        raise ValidationError({"filed_on": _("Filing comes after the confirmation.")})
    village.filed_on = filed_on
    village._history_user = actor
    village.save(update_fields=["filed_on", "updated_at"])
    return village
