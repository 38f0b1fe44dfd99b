"""Village mergers, splits and renames (cadres.place_events), through the services."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cadres.models import PlaceEvent, PlaceEventVillage, Post, Village, VillagerGroup
from cadres.place_events import (
    event_preview,
    village_names_on,
    village_rename,
    village_split,
    villages_merge,
)
from cadres.records.models import DutyRoster, PioneerProject
from cadres.scoping import scope
from cadres.structure import team_structure
from dongchang.reports import Month, build_workbook
from supervision.models import Audit, Disclosure, Handover, MisconductCase
from tests.cadres_records.factories import pdf
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import (
    PersonFactory,
    PostFactory,
    UserFactory,
    VillageFactory,
    VillagerGroupFactory,
    township,
)
from tests.supervision.factories import AuditFactory, DisclosureFactory, MisconductCaseFactory
from tests.vetting_candidates.factories import nominate
from vetting.models import CandidateCase

# The change took effect on 1 November; October is the month before.
DAY = dt.date(2026, 11, 1)
OCTOBER = Month(dt.date(2026, 10, 1))
DOCUMENT = {"document_number": "东昌委发〔2026〕12号", "document_title": "关于村庄合并的批复"}


def workbook(month: Month):
    stream = io.BytesIO()
    build_workbook(month, stream)
    stream.seek(0)
    return load_workbook(stream)


def roster_villages(book) -> set[str]:
    # The second sheet, 干部花名册: township, village, name …
    return {row[1].value for row in book.worksheets[1].iter_rows(min_row=3) if row[2].value}


def structure_names(user, day, code=JINCHANG) -> dict[str, int]:
    figures = team_structure(user, day, township(code))
    return {row.name: row.count("people") for row in figures.rows}


# 1. Rename ------------------------------------------------------------------------------------


def test_a_rename_shows_the_old_name_for_past_months_and_the_new_one_today(system_admin):
    village = VillageFactory(name="老名村")
    PostFactory(village=village)
    event = village_rename(
        actor=system_admin, village=village, name="新名村", effective_on=DAY, **DOCUMENT
    )
    village.refresh_from_db()
    assert village.name == "新名村"
    assert {(p.side, p.name) for p in event.places.all()} == {
        ("before", "老名村"),
        ("after", "新名村"),
    }
    assert village_names_on(DAY - dt.timedelta(days=1)) == {village.pk: "老名村"}
    assert village_names_on(DAY) == {}
    # The workbook of October and the structure on its last day: the old name.
    assert "老名村" in roster_villages(workbook(OCTOBER))
    assert "老名村" in structure_names(system_admin, OCTOBER.last)
    # Today's pages: today's name.
    assert "新名村" in structure_names(system_admin, dt.date.today())
    assert "新名村" in roster_villages(workbook(Month(dt.date(2026, 11, 1))))
    # The village keeps its history.
    assert list(village.history.values_list("name", flat=True)[:2]) == ["新名村", "老名村"]


def test_a_rename_refuses_a_taken_name_a_future_day_and_an_ended_village(system_admin):
    village = VillageFactory(name="甲村")
    VillageFactory(name="乙村")
    with pytest.raises(ValidationError, match="已有同名"):
        village_rename(
            actor=system_admin, village=village, name="乙村", effective_on=DAY, **DOCUMENT
        )
    with pytest.raises(ValidationError, match="生效"):
        village_rename(
            actor=system_admin,
            village=village,
            name="丙村",
            effective_on=dt.date.today() + dt.timedelta(days=1),
            **DOCUMENT,
        )
    Village.objects.filter(pk=village.pk).update(valid_to=DAY)
    with pytest.raises(ValidationError, match="已撤销"):
        village_rename(
            actor=system_admin, village=village, name="丙村", effective_on=DAY, **DOCUMENT
        )
    assert not PlaceEvent.objects.exists()


# 2. Merger ------------------------------------------------------------------------------------


@pytest.fixture
def merger_world(db):
    """A and B of 金厂镇 merge into C of 环通乡: their serving posts, a group, open and
    closed records of several kinds, and a past post."""
    a = VillageFactory(name="甲村")
    b = VillageFactory(name="乙村")
    c = VillageFactory(name="丙村", township=township(HUANTONG))
    maker = UserFactory(role="乡镇工作人员", townships=[JINCHANG])
    w = type("World", (), {})()
    w.a, w.b, w.c = a, b, c
    w.secretary = PostFactory(village=a, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    w.member = PostFactory(village=b, term_end=dt.date(2027, 1, 31))
    w.group = VillagerGroupFactory(village=b, name="一组", number=1)
    VillagerGroupFactory(village=c, name="一组", number=1)
    w.leader = PostFactory(
        village=b, body=Post.Body.VILLAGER_GROUP, title=Post.Title.GROUP_LEADER,
        villager_group=w.group,
    )  # fmt: skip
    w.past = PostFactory(
        village=a,
        term_start=dt.date(2016, 12, 1),
        term_end=dt.date(2021, 12, 1),
        ended_on=dt.date(2021, 12, 1),
        end_reason=Post.EndReason.ELECTION,
    )
    w.open_audit = AuditFactory(
        village=a, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31)
    )
    w.done_audit = AuditFactory(
        village=a, status=Audit.Status.COMPLETED, completed_on=dt.date(2026, 6, 1)
    )
    w.open_case = MisconductCaseFactory(village=b, person=w.member.person)
    w.closed_case = MisconductCaseFactory(village=b, status=MisconductCase.Status.CLOSED)
    w.project = PioneerProject.objects.create(
        village=a, person=w.secretary.person, year=2026, title="党建引领", goals="g",
        milestones="m", claimed_by=maker,
    )  # fmt: skip
    w.old_roster = DutyRoster.objects.create(
        village=a, period="week", starts_on=dt.date(2026, 10, 5), ends_on=dt.date(2026, 10, 11),
        created_by=maker,
    )  # fmt: skip
    w.roster = DutyRoster.objects.create(
        village=a, period="month", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30),
        created_by=maker,
    )  # fmt: skip
    w.case = nominate(maker, village=b, relatives=0)
    return w


def merge(actor, w, **extra):
    return villages_merge(
        actor=actor, sources=[w.a, w.b], target=w.c, effective_on=DAY, **DOCUMENT, **extra
    )


def test_a_merger_carries_serving_posts_and_open_records_and_keeps_the_past(
    merger_world, system_admin, staff, other_staff
):
    w = merger_world
    event = merge(system_admin, w, document=pdf("批复.pdf"))
    for village in (w.a, w.b):
        village.refresh_from_db()
        assert village.valid_to == DAY - dt.timedelta(days=1)
    # Serving posts end on A and B (still held on their last day) and start again on C.
    for old in (w.secretary, w.member, w.leader):
        old.refresh_from_db()
        assert (old.ended_on, old.end_reason) == (DAY, Post.EndReason.MERGER)
        new = Post.objects.get(person=old.person, village=w.c)
        assert (new.body, new.title, new.term_start, new.term_end) == (
            old.body, old.title, DAY, old.term_end,
        )  # fmt: skip
        assert (new.origin, new.vetted, new.ended_on) == (old.origin, old.vetted, None)
    w.past.refresh_from_db()
    assert (w.past.village, w.past.end_reason) == (w.a, Post.EndReason.ELECTION)
    # The group moves, renamed where C has one of the name; its leader's post goes with it.
    w.group.refresh_from_db()
    assert (w.group.village, w.group.name) == (w.c, "乙村一组")
    assert Post.objects.get(person=w.leader.person, village=w.c).villager_group == w.group
    # Open records move, closed and past ones stay.
    moved = [w.open_audit, w.open_case, w.project, w.roster, w.case]
    stayed = [w.done_audit, w.closed_case, w.old_roster]
    for record in [*moved, *stayed]:
        record.refresh_from_db()
    assert {record.village_id for record in moved} == {w.c.pk}
    assert [record.village_id for record in stayed] == [w.a.pk, w.b.pk, w.a.pk]
    # A merger is not a departure: no departure audit, no handover.
    assert not Audit.objects.filter(kind=Audit.Kind.DEPARTURE).exists()
    assert not Handover.objects.exists()
    # The township scope follows C: 环通乡's staff see the moved records, 金厂镇's do not.
    assert scope(Audit.objects.all(), other_staff).get() == w.open_audit
    assert scope(Audit.objects.all(), staff).get() == w.done_audit
    assert scope(CandidateCase.objects.all(), other_staff).get() == w.case
    assert not scope(CandidateCase.objects.all(), staff).exists()
    # The event keeps the villages before and after, the document and what moved.
    assert {(p.side, p.village_id) for p in event.places.all()} == {
        ("before", w.a.pk), ("before", w.b.pk), ("after", w.c.pk),
    }  # fmt: skip
    assert event.document.original_name == "批复.pdf"
    assert sorted(event.moved["supervision.audit"][0]["ids"]) == [w.open_audit.pk]
    assert len(event.moved["posts"][0]["ids"]) == 3


def test_a_past_month_after_a_merger_shows_the_merged_villages_with_their_own_figures(
    merger_world, system_admin
):
    w = merger_world
    merge(system_admin, w)
    october = structure_names(system_admin, OCTOBER.last)
    assert october["甲村"] == 1
    assert october["乙村"] == 2
    assert "丙村" not in october  # C is 环通乡's
    assert structure_names(system_admin, OCTOBER.last, HUANTONG)["丙村"] == 0
    today = structure_names(system_admin, dt.date.today())
    assert "甲村" not in today
    assert "乙村" not in today
    assert structure_names(system_admin, dt.date.today(), HUANTONG)["丙村"] == 3
    assert {"甲村", "乙村"} <= roster_villages(workbook(OCTOBER))
    november = roster_villages(workbook(Month(DAY)))
    assert "丙村" in november
    assert not {"甲村", "乙村"} & november


def test_a_merger_into_a_new_village(merger_world, system_admin):
    w = merger_world
    event = villages_merge(
        actor=system_admin,
        sources=[w.a, w.b],
        new_village={"township": township(JINCHANG), "code": "220502100777", "name": "甲村"},
        effective_on=DAY,
        **DOCUMENT,
    )
    new = Village.objects.get(code="220502100777")
    # A's name is free once A has ended.
    assert (new.name, new.valid_from, new.township.code) == ("甲村", DAY, JINCHANG)
    assert event.places.get(side="after").created
    assert Post.objects.filter(village=new, ended_on__isnull=True).count() == 3


def test_a_failed_merger_leaves_nothing_changed(merger_world, system_admin):
    w = merger_world
    # C's own unverified disclosure for November: A's cannot join it, after the posts moved.
    DisclosureFactory(village=w.c, period_start=DAY)
    DisclosureFactory(village=w.a, period_start=DAY)
    with pytest.raises(ValidationError, match="公开"):
        merge(system_admin, w)
    w.a.refresh_from_db()
    assert w.a.valid_to is None
    assert not Post.objects.filter(village=w.c).exists()
    assert Post.objects.filter(ended_on__isnull=True, village__in=[w.a, w.b]).count() == 3
    assert VillagerGroup.objects.get(pk=w.group.pk).village == w.b
    assert Audit.objects.get(pk=w.open_audit.pk).village == w.a
    assert not PlaceEvent.objects.exists()
    assert Disclosure.objects.filter(village=w.a).count() == 1


def test_two_secretaries_cannot_follow_into_one_village_unless_one_ends(merger_world, system_admin):
    w = merger_world
    PostFactory(village=w.c, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    with pytest.raises(ValidationError, match="书记"):
        merge(system_admin, w)
    assert not PlaceEvent.objects.exists()
    merge(system_admin, w, post_targets={w.secretary.pk: None})
    w.secretary.refresh_from_db()
    assert (w.secretary.ended_on, w.secretary.end_reason) == (DAY, Post.EndReason.MERGER)
    assert not Post.objects.filter(person=w.secretary.person, village=w.c).exists()


def test_the_preview_counts_what_would_move(merger_world):
    w = merger_world
    counts = {key: n for key, _label, n in event_preview(sources=[w.a, w.b], day=DAY).counts}
    assert counts["posts"] == 3
    assert counts["groups"] == 1
    assert counts["supervision.audit"] == 1
    assert counts["supervision.misconductcase"] == 1
    assert counts["records.dutyroster"] == 1
    assert counts["records.pioneerproject"] == 1
    assert counts["vetting.candidatecase"] == 1


# 3. Split -------------------------------------------------------------------------------------


def test_a_split_sends_each_post_and_each_kind_of_record_where_the_administrator_chose(
    merger_world, system_admin
):
    w = merger_world
    event = village_split(
        actor=system_admin,
        source=w.b,
        targets=[w.a],
        new_villages=[{"township": township(JINCHANG), "code": "220502100778", "name": "丁村"}],
        effective_on=DAY,
        post_targets={w.member.pk: 1},
        record_targets={"groups": 1, "vetting.candidatecase": 1},
        **DOCUMENT,
    )
    new = Village.objects.get(code="220502100778")
    w.b.refresh_from_db()
    assert w.b.valid_to == DAY - dt.timedelta(days=1)
    assert Post.objects.get(person=w.member.person, ended_on__isnull=True).village == new
    # The group leader's post follows the group.
    assert Post.objects.get(person=w.leader.person, ended_on__isnull=True).village == new
    assert VillagerGroup.objects.get(pk=w.group.pk).village == new
    w.open_case.refresh_from_db()
    w.case.refresh_from_db()
    assert (w.open_case.village, w.case.village) == (w.a, new)
    w.member.refresh_from_db()
    assert w.member.end_reason == Post.EndReason.SPLIT
    assert event.kind == PlaceEvent.Kind.SPLIT
    assert {p.village_id for p in event.places.filter(side="after")} == {w.a.pk, new.pk}


def test_a_split_sends_a_group_leaders_case_with_its_group(merger_world, system_admin):
    # The cases go to 甲村, the groups to the new village: the case about a group of 乙村 must
    # not end up on a village that does not have that group.
    w = merger_world
    maker = UserFactory(role="乡镇工作人员", townships=[JINCHANG])
    leader_case = nominate(
        maker,
        village=w.b,
        relatives=0,
        body=Post.Body.VILLAGER_GROUP,
        title=Post.Title.GROUP_LEADER,
        villager_group=w.group,
    )
    event = village_split(
        actor=system_admin,
        source=w.b,
        targets=[w.a],
        new_villages=[{"township": township(JINCHANG), "code": "220502100778", "name": "丁村"}],
        effective_on=DAY,
        record_targets={"groups": 1, "vetting.candidatecase": 0},
        **DOCUMENT,
    )
    new = Village.objects.get(code="220502100778")
    leader_case.refresh_from_db()
    w.case.refresh_from_db()
    assert (leader_case.village, leader_case.villager_group.village) == (new, new)
    assert w.case.village == w.a
    assert sorted(event.moved["vetting.candidatecase"], key=lambda entry: entry["to"]) == sorted(
        [{"to": w.a.pk, "ids": [w.case.pk]}, {"to": new.pk, "ids": [leader_case.pk]}],
        key=lambda entry: entry["to"],
    )


def test_a_split_needs_two_villages_after(merger_world, system_admin):
    w = merger_world
    with pytest.raises(ValidationError, match="两个"):
        village_split(actor=system_admin, source=w.b, targets=[w.a], effective_on=DAY, **DOCUMENT)


# 4. Permissions and query counts ------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "township_reviewer", "district_reviewer"])
def test_only_the_administrator_records_changes(merger_world, role, request):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        merge(user, merger_world)
    with pytest.raises(PermissionDenied):
        village_rename(
            actor=user, village=merger_world.a, name="新村", effective_on=DAY, **DOCUMENT
        )
    assert not PlaceEvent.objects.exists()
    assert not PlaceEventVillage.objects.exists()


def _merger_queries(admin, size: int) -> int:
    a, b, c = VillageFactory(), VillageFactory(), VillageFactory()
    maker = UserFactory()
    for village, period in ((a, "week"), (b, "month")):
        for n in range(size):
            post = PostFactory(village=village, person=PersonFactory())
            group = VillagerGroupFactory(village=village)
            PostFactory(
                village=village, body=Post.Body.VILLAGER_GROUP, title=Post.Title.GROUP_LEADER,
                villager_group=group,
            )  # fmt: skip
            AuditFactory(village=village, kind=Audit.Kind.TERM_END, post=post)
            MisconductCaseFactory(village=village, opened_by=maker)
            DutyRoster.objects.create(
                village=village, period=period, starts_on=DAY + dt.timedelta(weeks=n),
                ends_on=DAY + dt.timedelta(weeks=n, days=6), created_by=maker,
            )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        villages_merge(actor=admin, sources=[a, b], target=c, effective_on=DAY, **DOCUMENT)
    assert Post.objects.filter(village=c).count() == 4 * size
    return len(queries)


def test_a_merger_takes_as_many_queries_for_many_posts_and_records_as_for_few(system_admin):
    _merger_queries(system_admin, 1)  # warms the caches
    assert _merger_queries(system_admin, 6) == _merger_queries(system_admin, 2)
