"""The candidate vetting state machine: one table says who moves a case from where to where.

Transitions change the state; actions are steps inside one state (checkpoints,
opinions, edits). The services in vetting.services.candidates consult only this
module for "may this user do this now"; the pages use the same answer to show
only the actions a user may take.
"""

from __future__ import annotations

from dataclasses import dataclass

from vetting.models import CandidateCase

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

# Separation of duties: the nominator never reviews, gives an opinion on or decides their case.
NOMINATOR_VERBS = frozenset({"submit", "edit"})

_BY_KEY = {(step.verb, step.source): step for step in TABLE}


def step_for(verb: str, state: str) -> Step | None:
    return _BY_KEY.get((verb, state))


def permissions(verb: str) -> set[str]:
    """The permissions that allow ``verb`` in some state."""
    return {step.permission for step in TABLE if step.verb == verb}


def verbs() -> list[str]:
    return list(dict.fromkeys(step.verb for step in TABLE))


def may(user, case: CandidateCase, verb: str) -> bool:
    """Role, state and separation of duties; township access is checked by the caller's scope."""
    step = step_for(verb, case.state)
    if step is None or not (user.is_active and user.has_perm(step.permission)):
        return False
    return verb in NOMINATOR_VERBS or case.nominated_by_id != user.pk


def available(user, case: CandidateCase) -> set[str]:
    return {verb for verb in verbs() if may(user, case, verb)}
