"""Candidate cases for tests, moved through the real services."""

import datetime as dt
import itertools

from cadres.models import Post
from tests.factories import UserFactory, VillageFactory, make_id_number
from vetting.models import Checkpoint, Hit
from vetting.services import candidates, review

_numbers = itertools.count(300)


def person_data(**overrides) -> dict:
    number = next(_numbers)
    data = {
        "name": "候选" + "甲乙丙丁戊己庚辛壬癸"[number % 10] + "明",
        "id_number": make_id_number(dt.date(1985, 3, number % 28 + 1), number),
    }
    data.update(overrides)
    return data


def relative_data(**overrides) -> dict:
    number = next(_numbers)
    data = {
        "name": "亲属" + "甲乙丙丁戊己庚辛壬癸"[number % 10],
        "id_number": make_id_number(dt.date(1960, 5, number % 28 + 1), number, male=False),
        "relation": "spouse",
    }
    data.update(overrides)
    return data


def nominate(actor, *, village=None, relatives: int | list[dict] = 1, **overrides):
    """A draft; ``relatives`` is how many made-up relatives, or the relatives themselves."""
    if isinstance(relatives, int):
        relatives = [relative_data() for _ in range(relatives)]
    values = {
        "village": village or VillageFactory(),
        "body": Post.Body.VILLAGERS_COMMITTEE,
        "title": Post.Title.MEMBER,
        "term_start": dt.date(2026, 12, 1),
        "reason": "群众基础好",
        "relatives": relatives,
        **person_data(),
    }
    values.update(overrides)
    return candidates.case_create(actor=actor, **values)


def all_pass() -> dict:
    return dict.fromkeys(Checkpoint.Kind.values, (Checkpoint.Verdict.PASS, ""))


class Cast:
    """The people of one case's story: nominator, reviewers, a department."""

    def __init__(self):
        self.staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
        self.township_reviewer = UserFactory(role="乡镇审核人", townships=["220502100"])
        self.district_reviewer = UserFactory(role="区级审核人")
        self.department = UserFactory(role="联审部门", department="discipline")

    def submitted(self, **overrides):
        case = nominate(self.staff, **overrides)
        return candidates.case_submit(actor=self.staff, case=case)

    def settle(self, case, decision: str = "confirm"):
        """The district reviews every pending hit of the case: "confirm" or "dismiss"."""
        decide = review.hit_confirm if decision == "confirm" else review.hit_dismiss
        for hit in candidates.case_hits(case).filter(status=Hit.Status.PENDING):
            decide(actor=self.district_reviewer, hit=hit, reason="经核实")

    def at_district(self, settle: str = "", **overrides):
        """Forwarded to the district; ``settle`` reviews the hits found at submission first."""
        case = self.submitted(**overrides)
        if settle:
            self.settle(case, settle)
        candidates.case_checkpoints_record(
            actor=self.township_reviewer, case=case, verdicts=all_pass()
        )
        return candidates.case_forward(actor=self.township_reviewer, case=case)

    def ready(self, settle: str = "", **overrides):
        """At district review with everything an approval needs."""
        case = self.at_district(settle, **overrides)
        candidates.case_joint_review_open(
            actor=self.district_reviewer, case=case, departments=["discipline"]
        )
        candidates.case_opinion_give(actor=self.department, case=case, verdict="agree")
        candidates.case_checkpoints_record(
            actor=self.district_reviewer, case=case, verdicts=all_pass()
        )
        return case
