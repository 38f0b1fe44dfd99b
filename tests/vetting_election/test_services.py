"""The general election (issue 23): plan, candidates, results, confirmation, through services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadres import signals
from cadres.models import Post, Village
from cadres.services import post_end
from supervision.models import Audit, Handover
from tests.factories import PostFactory, UserFactory, VillageFactory, cadre, township
from tests.querycount import assert_queries_flat
from tests.vetting_candidates.factories import Cast, person_data
from tests.vetting_election.factories import (
    ELECTION_DAY,
    TEAM,
    approve,
    approved_case,
    election_village,
    open_election,
)
from vetting import election_stages
from vetting.models import CandidateCase, ElectionPlan, ElectionResult, ElectionVillage
from vetting.services import election

pytestmark = pytest.mark.django_db

SECRETARY = (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY)
DIRECTOR = (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR)
MEMBER = (Post.Body.VILLAGERS_COMMITTEE, Post.Title.MEMBER)
ELECTION_END = Post.EndReason.ELECTION


def handovers_complete(handovers, user, incoming) -> None:
    """Mark handovers completed as the three confirmations would (supervision's own tests
    go through its services; here only the stage that follows matters)."""
    now = dt.datetime(2026, 12, 15, tzinfo=dt.UTC)
    handovers.update(
        state=Handover.State.COMPLETED,
        completed_on=now.date(),
        incoming_person=incoming,
        outgoing_confirmed_at=now,
        outgoing_confirmed_by=user,
        incoming_confirmed_at=now,
        incoming_confirmed_by=user,
        witness_confirmed_at=now,
        witness=user,
    )


def stage(ev: ElectionVillage) -> str:
    [row] = election_stages.with_stages(
        list(election_stages.with_counts(ElectionVillage.objects.filter(pk=ev.pk)))
    )
    return row.stage


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


@pytest.fixture
def cast():
    return Cast()


def test_one_village_from_plan_to_done(cast):
    village = VillageFactory()
    old_secretary = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    old_director = cadre(village, body=Post.Body.VILLAGERS_COMMITTEE, title=Post.Title.DIRECTOR)
    staying = cadre(village)  # a member, re-elected
    the_election = open_election(cast.district_reviewer)
    plan = ElectionPlan.objects.get(election=the_election, township=township())
    assert plan.villages.filter(village=village).exists()
    plan = election.plan_update(
        actor=cast.staff,
        plan=plan,
        joint_review_deadline=dt.date(2026, 11, 25),
        filing_deadline=dt.date(2026, 12, 20),
        one_shoulder_share_min=80,
        women_share_min=30,
    )
    [ev] = [
        row
        for row in election.plan_villages_set(
            actor=cast.staff, plan=plan, dates={village.pk: ELECTION_DAY}
        )
        if row.village_id == village.pk
    ]
    assert plan.villages.count() == 1
    assert stage(ev) == election_stages.NOMINATION

    # 一肩挑: one new person nominated to both posts, a case for each; the member stays.
    newcomer = {**person_data(), "political_status": "cpc_member"}
    secretary_case = cast.submitted(
        village=village, body=SECRETARY[0], title=SECRETARY[1], election=the_election, **newcomer
    )
    assert stage(ev) == election_stages.JOINT_REVIEW
    assert list(election_stages.not_cleared(plan.villages.all(), dt.date(2026, 11, 25))) == [ev]
    CandidateCase.objects.filter(pk=secretary_case.pk).delete()
    secretary_case = approve(cast, the_election, village, *SECRETARY, **newcomer)
    director_case = approve(cast, the_election, village, *DIRECTOR, **newcomer)
    member_case = approve(
        cast, the_election, village, *MEMBER, name=staying.name, id_number=staying.id_number
    )
    # Approval within an election qualifies; no post starts before the results.
    assert secretary_case.post is None
    assert stage(ev) == election_stages.ELECTION
    assert not election_stages.not_cleared(plan.villages.all(), dt.date(2026, 11, 25)).exists()

    election.results_enter(
        actor=cast.staff,
        village=ev,
        elected={secretary_case.pk: 812, director_case.pk: 790, member_case.pk: 655},
    )
    assert stage(ev) == election_stages.RESULTS

    # The township enters, the district confirms (凡进必审: the district appoints).
    with pytest.raises(PermissionDenied):
        election.results_confirm(actor=cast.staff, village=ev)
    election.results_confirm(actor=cast.district_reviewer, village=ev)
    ev.refresh_from_db()
    assert ev.confirmed_by == cast.district_reviewer
    ended = Post.objects.filter(village=village, ended_on=ELECTION_DAY)
    # The same transaction opened each ended post's handover (supervision): 交接 until done.
    handovers = Handover.objects.filter(outgoing_post__in=ended)
    assert handovers.count() == 3
    assert stage(ev) == election_stages.HANDOVER
    newcomer_post = Post.objects.filter(village=village, ended_on__isnull=True).first()
    handovers_complete(handovers, cast.staff, newcomer_post.person)
    assert stage(ev) == election_stages.FILING

    assert set(ended.values_list("person__name", flat=True)) == {
        old_secretary.name,
        old_director.name,
        staying.name,
    }
    assert set(ended.values_list("end_reason", flat=True)) == {Post.EndReason.ELECTION}
    # post_ended opened each two-committee post's audit as it does for any post ending.
    assert Audit.objects.filter(post__in=ended).count() == 3
    serving = Post.objects.filter(village=village, ended_on__isnull=True)
    assert sorted(serving.values_list("person__id_number", "body", "title")) == sorted(
        [
            (newcomer["id_number"], *SECRETARY),
            (newcomer["id_number"], *DIRECTOR),
            (staying.id_number, *MEMBER),
        ]
    )
    assert set(serving.values_list("origin", "vetted", "term_start")) == {
        (Post.Origin.CANDIDATE_CASE, True, ELECTION_DAY)
    }
    secretary_case.refresh_from_db()
    assert secretary_case.post.title == Post.Title.SECRETARY
    assert secretary_case.post.person.posts.filter(ended_on__isnull=True).count() == 2

    with pytest.raises(ValidationError):
        election.results_enter(actor=cast.staff, village=ev, elected={})
    with pytest.raises(PermissionDenied):
        election.village_file(actor=cast.staff, village=ev, filed_on=dt.date.today())
    election.village_file(actor=cast.district_reviewer, village=ev, filed_on=dt.date.today())
    assert stage(ev) == election_stages.DONE
    assert ev.history.count() >= 3


def test_handover_stage_comes_from_the_handovers_the_election_opened(staff):
    """The project registers supervision's handovers as the 交接 stage (dongchang.receivers):
    a confirmed village waits there while a handover of a post ended by the election is open."""
    the_election = open_election()
    village = VillageFactory(township=township())
    ev = election_village(the_election, village)
    ElectionVillage.objects.filter(pk=ev.pk).update(
        confirmed_at=dt.datetime(2026, 12, 11, tzinfo=dt.UTC), confirmed_by=the_election.opened_by
    )
    assert election_stages.handovers_tracked()
    assert stage(ev) == election_stages.FILING
    outgoing = PostFactory(village=village, title=Post.Title.DIRECTOR)
    post_end(actor=staff, post=outgoing, ended_on=dt.date(2026, 12, 11), reason=ELECTION_END)
    handover = Handover.objects.get(outgoing_post=outgoing)
    assert stage(ev) == election_stages.HANDOVER
    handovers_complete(Handover.objects.filter(pk=handover.pk), staff, PostFactory().person)
    assert stage(ev) == election_stages.FILING


@pytest.fixture
def world():
    the_election = open_election()
    village = VillageFactory()
    ev = election_village(the_election, village)
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    return the_election, village, ev, staff


def test_a_person_not_approved_in_this_election_is_refused(world, cast):
    the_election, village, ev, staff = world
    under_review = cast.submitted(
        village=village, body=MEMBER[0], title=MEMBER[1], election=the_election
    )
    other_election_case = approved_case(
        None, village, *DIRECTOR, state=CandidateCase.State.TOWNSHIP_REVIEW
    )
    other_village = approved_case(the_election, VillageFactory(), *MEMBER)
    with pytest.raises(ValidationError) as error:
        election.results_enter(
            actor=staff,
            village=ev,
            elected={under_review.pk: 10, other_election_case.pk: 10, other_village.pk: 10},
        )
    text = messages(error.value)
    assert "不是本次换届的候选人" in text
    assert "其他村的候选人" in text
    assert "未通过资格联审" in text
    assert not ElectionResult.objects.exists()


def test_a_post_filled_twice_is_refused(world):
    the_election, village, ev, staff = world
    first = approved_case(the_election, village, *SECRETARY)
    second = approved_case(the_election, village, *SECRETARY)
    with pytest.raises(ValidationError) as error:
        election.results_enter(actor=staff, village=ev, elected={first.pk: 300, second.pk: 200})
    assert "村党组织书记重复当选" in messages(error.value)
    assert not ElectionResult.objects.exists()


def test_permissions_own_and_other_township_and_department(world):
    the_election, village, ev, staff = world
    case = approved_case(the_election, village, *MEMBER)
    other_staff = UserFactory(role="乡镇工作人员", townships=["220502200"])
    department = UserFactory(role="联审部门", department="discipline")
    district = UserFactory(role="区级审核人")
    for outsider in (other_staff, department, district):
        with pytest.raises(PermissionDenied):
            election.results_enter(actor=outsider, village=ev, elected={case.pk: 1})
    plan = ev.plan
    for outsider in (other_staff, department):
        with pytest.raises(PermissionDenied):
            election.plan_update(
                actor=outsider,
                plan=plan,
                joint_review_deadline=plan.joint_review_deadline,
                filing_deadline=plan.filing_deadline,
            )
    with pytest.raises(PermissionDenied):
        open_election(staff)
    election.results_enter(actor=staff, village=ev, elected={case.pk: 1})
    for outsider in (staff, other_staff, department):
        with pytest.raises(PermissionDenied):
            election.results_confirm(actor=outsider, village=ev)


def test_confirmation_is_one_transaction(world, monkeypatch):
    the_election, village, ev, staff = world
    old = PostFactory(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    case = approved_case(the_election, village, *SECRETARY)
    election.results_enter(actor=staff, village=ev, elected={case.pk: 500})

    def fail(sender, posts, **kwargs):
        raise RuntimeError("the audit could not be opened")

    signals.post_ended.connect(fail, dispatch_uid="test_fail")
    try:
        with pytest.raises(RuntimeError):
            election.results_confirm(actor=UserFactory(role="区级审核人"), village=ev)
    finally:
        signals.post_ended.disconnect(dispatch_uid="test_fail")
    old.refresh_from_db()
    ev.refresh_from_db()
    case.refresh_from_db()
    assert old.ended_on is None
    assert ev.confirmed_at is None
    assert case.post is None
    assert not Post.objects.filter(person=case.person).exists()
    assert not Audit.objects.exists()


def _village_with_team(the_election, staff, size: int, team=TEAM):
    village = VillageFactory()
    for body, title in team:
        PostFactory(village=village, body=body, title=title)
    ev = election_village(the_election, village)
    cases = [approved_case(the_election, village, body, title) for body, title in team]
    cases += [approved_case(the_election, village, *MEMBER) for _ in range(size)]
    election.results_enter(actor=staff, village=ev, elected={c.pk: 100 for c in cases})
    return ev


def test_confirmation_queries_do_not_grow_with_the_team(world):
    the_election, _village, _ev, staff = world
    district = UserFactory(role="区级审核人")
    counts = []
    for size in (1, 1, 6):
        ev = _village_with_team(the_election, staff, size)
        with CaptureQueriesContext(connection) as queries:
            election.results_confirm(actor=district, village=ev)
        counts.append(len(queries))
    # The first call warms caches; the same old team with five more elected costs the same.
    assert counts[2] == counts[1], counts


def test_confirmation_queries_do_not_grow_with_the_posts_ended(world):
    """The old team's posts end, and their audits and handovers open, set-wise: a village
    whose outgoing team is three times larger costs the same queries."""
    the_election, _village, _ev, staff = world
    district = UserFactory(role="区级审核人")
    counts = []
    for extra in (0, 0, 10):
        ev = _village_with_team(the_election, staff, 0)
        for _ in range(extra):
            PostFactory(village=ev.village, body=MEMBER[0], title=MEMBER[1])
        with CaptureQueriesContext(connection) as queries:
            election.results_confirm(actor=district, village=ev)
        counts.append(len(queries))
    ended = Post.objects.filter(village=ev.village, end_reason=ELECTION_END)
    assert ended.count() == len(TEAM) + 10
    assert Handover.objects.filter(outgoing_post__in=ended).count() == len(TEAM) + 10
    assert counts[2] == counts[1], counts


# A township's results confirmed at once (results_confirm_many) --------------------------------


def test_a_township_is_confirmed_at_once(world):
    """Every village in one transaction: each old team ends on its own election day, each
    new team starts from its cases, and the ended posts' audits and handovers open."""
    the_election, _village, _ev, staff = world
    district = UserFactory(role="区级审核人")
    first, second = (_village_with_team(the_election, staff, 1) for _ in range(2))
    later = ELECTION_DAY + dt.timedelta(days=3)
    ElectionVillage.objects.filter(pk=second.pk).update(election_on=later)
    second.refresh_from_db()
    confirmed = election.results_confirm_many(actor=district, villages=[first, second])
    assert {ev.pk for ev in confirmed} == {first.pk, second.pk}
    for ev, day in ((first, ELECTION_DAY), (second, later)):
        ev.refresh_from_db()
        assert ev.confirmed_by == district
        assert ev.history.filter(confirmed_at__isnull=False).exists()
        ended = Post.objects.filter(village=ev.village, end_reason=ELECTION_END)
        assert set(ended.values_list("ended_on", flat=True)) == {day}
        assert ended.count() == len(TEAM)
        assert Handover.objects.filter(outgoing_post__in=ended).count() == len(TEAM)
        # The two committees' posts are audited, the supervision committee's not.
        audited = ended.exclude(body=Post.Body.SUPERVISION_COMMITTEE)
        assert Audit.objects.filter(post__in=ended).count() == audited.count() == len(TEAM) - 1
        cases = CandidateCase.objects.filter(election=the_election, village=ev.village)
        assert not cases.filter(post__isnull=True).exists()
        assert set(cases.values_list("post__term_start", "post__ended_on")) == {(day, None)}


def test_a_township_is_confirmed_in_constant_queries(world):
    the_election, _village, _ev, staff = world
    district = UserFactory(role="区级审核人")
    # Teams of three: SQLite splits an insert of more than about 24 cases' history rows (its
    # 999 parameters), which PostgreSQL does not.
    team = TEAM[:3]
    batches = [
        [_village_with_team(the_election, staff, 0, team) for _ in range(2)] for _ in range(2)
    ]

    def grow():
        batches.append([_village_with_team(the_election, staff, 0, team) for _ in range(5)])

    assert_queries_flat(
        lambda: election.results_confirm_many(actor=district, villages=batches.pop(0)), grow
    )
    assert ElectionVillage.objects.filter(confirmed_at__isnull=False).count() == 9


def test_a_township_with_a_bad_village_writes_nothing_and_names_it(world):
    the_election, _village, _ev, staff = world
    district = UserFactory(role="区级审核人")
    good, withdrawn, undated, too_late = (
        _village_with_team(the_election, staff, 0) for _ in range(4)
    )
    for ev, name in (
        (good, "好村"),
        (withdrawn, "退审村"),
        (undated, "无期村"),
        (too_late, "晚任村"),
    ):
        Village.objects.filter(pk=ev.village_id).update(name=name)
    # After the results were entered, a case went back to review, a village's election date
    # was cleared, and a post of an old team was recorded as starting after the election day.
    CandidateCase.objects.filter(village=withdrawn.village, title=Post.Title.SECRETARY).update(
        state=CandidateCase.State.TOWNSHIP_REVIEW
    )
    ElectionVillage.objects.filter(pk=undated.pk).update(election_on=None)
    Post.objects.filter(village=too_late.village, title=Post.Title.SECRETARY).update(
        term_start=ELECTION_DAY + dt.timedelta(days=1), term_end=dt.date(2031, 12, 1)
    )
    with pytest.raises(ValidationError) as error:
        election.results_confirm_many(actor=district, villages=[good, withdrawn, undated])
    # Every reason of the results, each named by its village; the good village is not named.
    withdrawn_reason, undated_reason = error.value.messages
    assert "退审村" in withdrawn_reason
    assert "未通过资格联审" in withdrawn_reason
    assert "无期村" in undated_reason
    # The register's own refusals name the village too.
    with pytest.raises(ValidationError) as error:
        election.results_confirm_many(actor=district, villages=[good, too_late])
    [too_late_reason] = error.value.messages
    assert "晚任村" in too_late_reason
    assert ELECTION_DAY.isoformat() in too_late_reason
    assert "好村" not in too_late_reason + withdrawn_reason + undated_reason
    assert not ElectionVillage.objects.filter(confirmed_at__isnull=False).exists()
    assert not Post.objects.filter(ended_on__isnull=False).exists()
    assert not Post.objects.filter(origin=Post.Origin.CANDIDATE_CASE).exists()
    assert not CandidateCase.objects.filter(post__isnull=False).exists()
    assert not Audit.objects.exists()


def test_a_township_is_confirmed_by_the_district_only(world):
    the_election, _village, _ev, staff = world
    ready = _village_with_team(the_election, staff, 0)
    reviewer = UserFactory(role="乡镇审核人", townships=["220502100"])
    department = UserFactory(role="联审部门", department="discipline")
    for refused in (staff, reviewer, department):
        with pytest.raises(PermissionDenied):
            election.results_confirm_many(actor=refused, villages=[ready])
    assert not ElectionVillage.objects.filter(confirmed_at__isnull=False).exists()
