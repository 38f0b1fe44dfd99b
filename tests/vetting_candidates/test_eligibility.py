"""Eligibility rules: every default failing and passing, at submission and at approval;
a changed rule; the 资格复核 list of serving cadres, own and other township."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cadres.choices import PoliticalStatus
from cadres.models import Post, Relative
from dongchang.todo import groups_for as waiting_for
from tests.factories import (
    PostFactory,
    RelativeFactory,
    VillageFactory,
    cadre,
    make_id_number,
    township,
)
from tests.vetting_candidates.factories import Cast, nominate, person_data, relative_data
from vetting.rules import (
    active_eligibility_rules,
    eligibility_review,
    eligibility_review_count,
    failures,
)
from vetting.services import candidates
from vetting.services import rules as rule_services

pytestmark = pytest.mark.django_db
Body = Post.Body
TERM = dt.date(2026, 12, 1)
PARTY = "村党组织职务的人选须为中共正式党员，预备党员不符合。"
APART = "村务监督委员会成员不得兼任本村“两委”职务"
AGE = "任期开始时须年满18周岁。"


@pytest.fixture
def cast(db):
    return Cast()


def _submit(cast, **overrides):
    case = nominate(cast.staff, term_start=TERM, **overrides)
    return candidates.case_submit(actor=cast.staff, case=case)


def _refused(cast, expected: str, **overrides):
    with pytest.raises(ValidationError) as error:
        _submit(cast, **overrides)
    assert any(expected in message for message in error.value.messages), error.value.messages


@pytest.mark.parametrize(
    ("status", "passes"),
    [
        (PoliticalStatus.CPC_MEMBER, True),
        (PoliticalStatus.CPC_PROBATIONARY, False),
        (PoliticalStatus.MASSES, False),
    ],
)
def test_party_posts_need_a_full_party_member(cast, status, passes):
    post = {"body": Body.PARTY_BRANCH, "title": Post.Title.MEMBER, "political_status": status}
    if passes:
        _submit(cast, **post)
    else:
        _refused(cast, PARTY, **post)
    # Other bodies do not ask for it.
    _submit(cast, political_status=status)


def test_minimum_age_on_the_term_start(cast):
    _refused(cast, AGE, **person_data(id_number=make_id_number(dt.date(2008, 12, 2), 1)))
    _submit(cast, **person_data(id_number=make_id_number(dt.date(2008, 12, 1), 2)))


def test_a_supervisor_may_not_serve_on_the_two_committees_of_the_village(cast):
    village = VillageFactory()
    member = cadre(village, body=Body.VILLAGERS_COMMITTEE)
    supervision = {"village": village, "body": Body.SUPERVISION_COMMITTEE}
    _refused(cast, APART, person=member, **supervision)
    # The same person for another village's supervision committee is fine.
    _submit(cast, person=member, village=VillageFactory(), body=Body.SUPERVISION_COMMITTEE)


def test_a_supervisor_may_not_be_close_family_of_a_two_committee_member(cast):
    village = VillageFactory()
    member = cadre(village, body=Body.PARTY_BRANCH, title=Post.Title.MEMBER)
    supervision = {"village": village, "body": Body.SUPERVISION_COMMITTEE}
    # The candidate's own family list names the member as a brother.
    sibling = relative_data(name=member.name, id_number=member.id_number, relation="sibling")
    _refused(cast, APART, relatives=[sibling], **supervision)
    # The register names the candidate as the member's child.
    data = person_data()
    RelativeFactory(cadre=member, relation="child", name=data["name"], id_number=data["id_number"])
    _refused(cast, APART, **supervision, **data)
    # A spouse's parent is not close family under the rule.
    in_law = relative_data(name=member.name, id_number=member.id_number, relation="parent_in_law")
    _submit(cast, relatives=[in_law], **supervision)


def test_a_two_committee_candidate_may_not_be_family_of_a_supervisor(cast):
    village = VillageFactory()
    supervisor = cadre(village, body=Body.SUPERVISION_COMMITTEE, title=Post.Title.MEMBER)
    spouse = relative_data(name=supervisor.name, id_number=supervisor.id_number)
    _refused(cast, APART, village=village, relatives=[spouse])


def _rules(**changes) -> list[dict]:
    return [
        {
            "code": rule.code,
            "enabled": rule.enabled,
            "years": rule.years,
            "message": rule.message,
            **changes.get(rule.code, {}),
        }
        for rule in active_eligibility_rules().rules.all()
    ]


def test_rules_are_checked_again_at_approval_and_the_version_is_kept(cast):
    case = cast.ready()
    first = active_eligibility_rules()
    second = rule_services.eligibility_rules_replace(
        actor=cast.district_reviewer,
        rules=_rules(minimum_age={"years": 60, "message": "任期开始时须年满60周岁。"}),
        note="测试",
    )
    with pytest.raises(ValidationError) as error:
        candidates.case_approve(actor=cast.district_reviewer, case=case)
    assert "任期开始时须年满60周岁。" in error.value.messages
    rule_services.eligibility_rules_replace(
        actor=cast.district_reviewer, rules=_rules(minimum_age={"enabled": False}), note="停用"
    )
    candidates.case_approve(actor=cast.district_reviewer, case=case)
    case.refresh_from_db()
    assert case.eligibility_rules == active_eligibility_rules()
    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.active, second.active} == {False}


def test_a_rule_without_a_message_is_refused(cast):
    with pytest.raises(ValidationError):
        rule_services.eligibility_rules_replace(
            actor=cast.district_reviewer, rules=_rules(party_member={"message": " "})
        )


def test_the_eligibility_review_lists_serving_cadres_who_fail_a_rule(client, cast):
    jinchang = VillageFactory()
    probationary = PostFactory(
        village=jinchang,
        body=Body.PARTY_BRANCH,
        person__political_status=PoliticalStatus.CPC_PROBATIONARY,
    )
    fine = PostFactory(village=jinchang, body=Body.PARTY_BRANCH)
    young = PostFactory(
        village=jinchang,
        person__birth=dt.date(2005, 6, 1),
        term_start=dt.date(2022, 1, 1),
        term_end=dt.date(2027, 1, 1),
    )
    both = PostFactory(village=jinchang, body=Body.SUPERVISION_COMMITTEE)
    PostFactory(village=jinchang, person=both.person, body=Body.VILLAGERS_COMMITTEE)
    spouse_of = PostFactory(village=jinchang, body=Body.SUPERVISION_COMMITTEE)
    RelativeFactory(cadre=spouse_of.person, name=fine.person.name, id_number=fine.person.id_number)
    other = PostFactory(
        village=VillageFactory(township=township("220502200")),
        body=Body.PARTY_BRANCH,
        person__political_status=PoliticalStatus.MASSES,
    )
    client.force_login(cast.township_reviewer)
    response = client.get(reverse("vetting:eligibility_review"))
    assert response.status_code == 200
    rows = {post.pk: post for post in response.context["page_obj"].object_list}
    assert {probationary.pk, young.pk, spouse_of.pk} <= set(rows)
    assert fine.pk in rows  # the party member is the spouse of a supervisor
    assert both.pk in rows
    assert other.pk not in rows  # another township
    assert PARTY in response.content.decode()
    client.force_login(cast.district_reviewer)
    rows = client.get(reverse("vetting:eligibility_review")).context["page_obj"].object_list
    assert other.pk in {post.pk for post in rows}
    assert len(rows) == 7  # both posts of the one who holds both
    client.force_login(cast.staff)
    assert client.get(reverse("vetting:eligibility_review")).status_code == 403
    # Nobody is removed: the posts still serve.
    assert Post.objects.serving().filter(pk__in=[probationary.pk, other.pk]).count() == 2
    # The home page counts them for the reviewer, within the township.
    waiting = {
        item.url: item.count for item in waiting_for(cast.township_reviewer, timezone.localdate())
    }
    assert waiting[reverse("vetting:eligibility_review")] == len(rows) - 1


def test_the_review_of_serving_cadres_counts_age_and_family_as_the_candidate_check_does(cast):
    # A term that began on 29 February: 18 whole years earlier is 28 February (as _age_reached
    # counts yyyymmdd numbers), on every database.
    leap = {"term_start": dt.date(2024, 2, 29), "term_end": dt.date(2029, 2, 28)}
    village = VillageFactory()
    reached = PostFactory(village=village, person__birth=dt.date(2006, 2, 28), **leap)
    under = PostFactory(village=village, person__birth=dt.date(2006, 3, 1), **leap)
    # Close family serving across, but in another village: no conflict.
    elsewhere = PostFactory(village=VillageFactory(), body=Body.SUPERVISION_COMMITTEE)
    RelativeFactory(
        cadre=elsewhere.person, name=reached.person.name, id_number=reached.person.id_number
    )
    rules = active_eligibility_rules()
    failing = {
        post.pk: failures(post, rules)
        for post in eligibility_review(Post.objects.all(), rules, timezone.localdate())
    }
    assert failing == {under.pk: [AGE]}


@pytest.mark.parametrize(
    ("relation", "fails"),
    [(Relative.Relation.CHILD, True), (Relative.Relation.PARENT_IN_LAW, False)],
)
def test_a_two_committee_member_whose_close_family_supervises_fails_with_them(
    cast, relation, fails
):
    # The two-committee member records the relative: both posts fail, each from its side.
    village = VillageFactory()
    member = PostFactory(village=village, body=Body.VILLAGERS_COMMITTEE)
    supervisor = PostFactory(village=village, body=Body.SUPERVISION_COMMITTEE)
    RelativeFactory(
        cadre=member.person,
        relation=relation,
        name=supervisor.person.name,
        id_number=supervisor.person.id_number,
    )
    RelativeFactory(cadre=supervisor.person, id_number=None)  # a family member without a number
    rules = active_eligibility_rules()
    failing = {
        post.pk: failures(post, rules)
        for post in eligibility_review(Post.objects.all(), rules, timezone.localdate())
    }
    assert set(failing) == ({member.pk, supervisor.pk} if fails else set())
    assert all(len(messages) == 1 and APART in messages[0] for messages in failing.values())
    # Asked about one post (a light's refresh for one person), it is still checked against
    # the whole village.
    alone = eligibility_review(Post.objects.filter(pk=member.pk), rules, timezone.localdate())
    assert [post.pk for post in alone] == ([member.pk] if fails else [])


def test_todays_count_is_kept_per_townships_until_the_rules_change(figures_kept, cast):
    today = timezone.localdate()
    village = VillageFactory()
    PostFactory(village=village, body=Body.PARTY_BRANCH, person__political_status="masses")
    assert eligibility_review_count(cast.district_reviewer, today) == 1
    assert eligibility_review_count(cast.township_reviewer, today) == 1
    PostFactory(village=village, body=Body.PARTY_BRANCH, person__political_status="masses")
    PostFactory(
        village=VillageFactory(township=township("220502200")),
        body=Body.PARTY_BRANCH,
        person__political_status="masses",
    )
    # Kept for those who see the same townships; another day is counted.
    assert eligibility_review_count(cast.district_reviewer, today) == 1
    assert eligibility_review_count(cast.township_reviewer, today) == 1
    assert eligibility_review_count(cast.district_reviewer, today + dt.timedelta(days=1)) == 3
    # A new version of the rules is counted at once.
    rule_services.eligibility_rules_replace(
        actor=cast.district_reviewer, rules=_rules(minimum_age={"years": 19}), note="测试"
    )
    assert eligibility_review_count(cast.district_reviewer, today) == 3
    assert eligibility_review_count(cast.township_reviewer, today) == 2
