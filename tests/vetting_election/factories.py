"""A general election for tests: opened, planned, candidates approved through the real
services (``Cast``) or, where only numbers matter, written straight as approved cases."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from cadres.models import Post
from cadres.services import identity_values
from tests.factories import PersonFactory, UserFactory, make_id_number
from tests.vetting_candidates.factories import Cast, person_data
from vetting.models import CandidateCase, ElectionPlan, ElectionVillage
from vetting.services import candidates, election

ELECTION_DAY = dt.date(2026, 12, 10)
_numbers = itertools.count(7000)


def open_election(district_reviewer=None):
    return election.election_open(
        actor=district_reviewer or UserFactory(role="区级审核人"),
        name="2026年村“两委”换届",
        year=2026,
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 31),
        joint_review_deadline=dt.date(2026, 11, 30),
        filing_deadline=dt.date(2026, 12, 31),
    )


def election_village(the_election, village, *, on=ELECTION_DAY) -> ElectionVillage:
    """The village in its township's plan (added if it was made after the election opened),
    with its election date."""
    ev, _created = ElectionVillage.objects.update_or_create(
        plan=ElectionPlan.objects.get(election=the_election, township_id=village.township_id),
        village=village,
        defaults={"election_on": on},
    )
    return ev


def approve(cast: Cast, the_election, village, body, title, **identity) -> CandidateCase:
    """A case of the election taken through the whole vetting workflow and approved."""
    case = cast.ready(
        settle="dismiss", village=village, body=body, title=title, election=the_election, **identity
    )
    return candidates.case_approve(actor=cast.district_reviewer, case=case)


def approved_case(
    the_election,
    village,
    body,
    title,
    *,
    person=None,
    nominator=None,
    state=CandidateCase.State.APPROVED,
    **extra,
):
    """An approved case of the election written as it would stand after the workflow
    (benchmarks and query counts, where the workflow itself is not under test)."""
    number = next(_numbers)
    person = person or PersonFactory(
        id_number=make_id_number(dt.date(1990, 1, number % 28 + 1), number)
    )
    identity = identity_values(
        name=person.name, id_number=person.id_number, birth_date=person.birth_date, sex=person.sex
    )
    nominator = nominator or UserFactory(role="乡镇工作人员")
    return CandidateCase.objects.create(
        **identity,
        person=person,
        village=village,
        body=body,
        title=title,
        term_start=ELECTION_DAY,
        reason="换届提名",
        state=state,
        nominated_by=nominator,
        decided_by=nominator,
        decided_at=timezone.now(),
        election=the_election,
        **extra,
    )


TEAM = (
    (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY),
    (Post.Body.PARTY_BRANCH, Post.Title.MEMBER),
    (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR),
    (Post.Body.VILLAGERS_COMMITTEE, Post.Title.MEMBER),
    (Post.Body.SUPERVISION_COMMITTEE, Post.Title.DIRECTOR),
)


def identity_of(person) -> dict:
    return {"name": person.name, "id_number": person.id_number}


__all__ = ["person_data"]
