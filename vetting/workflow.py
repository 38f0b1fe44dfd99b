"""The candidate vetting state machine: one table says who moves a case from where to where.

Transitions change the state; actions are steps inside one state (checkpoints,
opinions, edits). The services in vetting.services.candidates consult only this
module for "may this user do this now"; the pages use the same answer to show
only the actions a user may take.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from vetting.models import CandidateCase, CaseTransition

State = CandidateCase.State

NOMINATE = "vetting.nominate_candidate"
REVIEW_TOWNSHIP = "vetting.review_township"
REVIEW_DISTRICT = "vetting.review_district"
GIVE_OPINION = "vetting.give_opinion"


@dataclass(frozen=True)
class Step:
    verb: str
    source: str
    target: str  # equal to source for actions inside a state
    permission: str


TABLE = (
    # Transitions.
    Step("submit", State.DRAFT, State.TOWNSHIP_REVIEW, NOMINATE),
    Step("submit", State.RETURNED, State.TOWNSHIP_REVIEW, NOMINATE),
    Step("forward", State.TOWNSHIP_REVIEW, State.DISTRICT_REVIEW, REVIEW_TOWNSHIP),
    Step("return", State.TOWNSHIP_REVIEW, State.RETURNED, REVIEW_TOWNSHIP),
    Step("reject", State.TOWNSHIP_REVIEW, State.REJECTED, REVIEW_TOWNSHIP),
    Step("return", State.DISTRICT_REVIEW, State.RETURNED, REVIEW_DISTRICT),
    Step("approve", State.DISTRICT_REVIEW, State.APPROVED, REVIEW_DISTRICT),
    Step("reject", State.DISTRICT_REVIEW, State.REJECTED, REVIEW_DISTRICT),
    # Actions inside a state.
    Step("edit", State.DRAFT, State.DRAFT, NOMINATE),
    Step("edit", State.RETURNED, State.RETURNED, NOMINATE),
    Step("check", State.TOWNSHIP_REVIEW, State.TOWNSHIP_REVIEW, REVIEW_TOWNSHIP),
    Step("check", State.DISTRICT_REVIEW, State.DISTRICT_REVIEW, REVIEW_DISTRICT),
    Step("open_joint_review", State.DISTRICT_REVIEW, State.DISTRICT_REVIEW, REVIEW_DISTRICT),
    Step("opinion", State.DISTRICT_REVIEW, State.DISTRICT_REVIEW, GIVE_OPINION),
    # The district records a department's paper reply (回函), or withdraws a department.
    Step("record_reply", State.DISTRICT_REVIEW, State.DISTRICT_REVIEW, REVIEW_DISTRICT),
    Step("withdraw_department", State.DISTRICT_REVIEW, State.DISTRICT_REVIEW, REVIEW_DISTRICT),
)

# Separation of duties (issue 20): a case passes through stages, and whoever acted in one
# stage takes no step of a later stage that judges it. What a user did on a case is read
# from its timeline (CaseTransition), which logs every step including each edit.
AUTHOR, TOWNSHIP, OPINION, DISTRICT = "author", "township", "opinion", "district"
AUTHOR_VERBS = frozenset({"create", "edit", "submit"})
# The transitions of each stage, for reading the timeline in one query.
STAGE_TRANSITIONS = {
    AUTHOR: Q(verb__in=AUTHOR_VERBS),
    OPINION: Q(verb="opinion"),
    TOWNSHIP: Q(from_state=State.TOWNSHIP_REVIEW) & ~Q(verb__in=AUTHOR_VERBS | {"opinion"}),
    DISTRICT: Q(from_state=State.DISTRICT_REVIEW) & ~Q(verb__in=AUTHOR_VERBS | {"opinion"}),
}
# A stage's steps are barred to whoever acted in these stages. Authors may revise a case
# that anyone returned: they then review none of it. The district and the departments
# judge the case side by side, so neither takes the other's part.
BARRED_BY = {
    AUTHOR: frozenset(),
    TOWNSHIP: frozenset({AUTHOR}),
    OPINION: frozenset({AUTHOR, TOWNSHIP, DISTRICT}),
    DISTRICT: frozenset({AUTHOR, TOWNSHIP, OPINION}),
}

_BY_KEY = {(step.verb, step.source): step for step in TABLE}


def step_for(verb: str, state: str) -> Step | None:
    return _BY_KEY.get((verb, state))


def permissions(verb: str) -> set[str]:
    """The permissions that allow ``verb`` in some state."""
    return {step.permission for step in TABLE if step.verb == verb}


def verbs() -> list[str]:
    return list(dict.fromkeys(step.verb for step in TABLE))


def stage_of(verb: str, state: str) -> str:
    if verb in AUTHOR_VERBS:
        return AUTHOR
    if verb == "opinion":
        return OPINION
    return TOWNSHIP if state == State.TOWNSHIP_REVIEW else DISTRICT


def acted(user, case: CandidateCase) -> frozenset[str]:
    """The stages in which ``user`` took a step of ``case`` (one query)."""
    counts = CaseTransition.objects.filter(case=case, actor=user).aggregate(
        **{stage: Count("pk", filter=q) for stage, q in STAGE_TRANSITIONS.items()}
    )
    stages = {stage for stage, count in counts.items() if count}
    if case.nominated_by_id == user.pk:
        stages.add(AUTHOR)
    return frozenset(stages)


def acted_in(user, stages) -> Q:
    """Cases (a CandidateCase filter) in which ``user`` took a step of one of ``stages``."""
    q = Q(pk__in=[])
    for stage in stages:
        q |= Q(
            pk__in=CaseTransition.objects.filter(STAGE_TRANSITIONS[stage], actor=user).values(
                "case_id"
            )
        )
    if AUTHOR in stages:
        q |= Q(nominated_by=user)
    return q


def duty_conflict(
    user, case: CandidateCase, verb: str, stages: frozenset[str] | None = None
) -> str:
    """Why separation of duties bars ``user`` from ``verb`` now ("" when it does not)."""
    barred = BARRED_BY[stage_of(verb, case.state)] & (
        acted(user, case) if stages is None else stages
    )
    if AUTHOR in barred:
        return _(
            "You edited or submitted this case: you may not review it, give an opinion on it "
            "or decide it."
        )
    if TOWNSHIP in barred:
        return _(
            "You reviewed this case at the township: you may not give an opinion on it "
            "or review it at the district."
        )
    if OPINION in barred:
        return _(
            "You gave a department opinion on this case: you may not review or decide it "
            "at the district."
        )
    if DISTRICT in barred:
        return _("You reviewed this case at the district: you may not give an opinion on it.")
    return ""


def may(user, case: CandidateCase, verb: str, stages: frozenset[str] | None = None) -> bool:
    """Role, state and separation of duties; township access is checked by the caller's scope."""
    step = step_for(verb, case.state)
    if step is None or not (user.is_active and user.has_perm(step.permission)):
        return False
    return not duty_conflict(user, case, verb, stages)


def available(user, case: CandidateCase) -> set[str]:
    stages = acted(user, case)
    return {verb for verb in verbs() if may(user, case, verb, stages)}


def conflicts(user, case: CandidateCase) -> list[str]:
    """The reasons why separation of duties hides steps that role and state would allow."""
    stages = acted(user, case)
    reasons = []
    for verb in verbs():
        step = step_for(verb, case.state)
        if step is not None and user.is_active and user.has_perm(step.permission):
            reason = duty_conflict(user, case, verb, stages)
            if reason and reason not in reasons:
                reasons.append(reason)
    return reasons
