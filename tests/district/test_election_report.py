"""The election's before-and-after (issue 23): figures against a hand-counted fixture,
scoping, the page, its workbook, the command's JSON, and queries flat in the villages."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from cadres.choices import Education
from cadres.models import AccessLogEntry, Post
from cadres.scoping import WHOLE_DISTRICT
from cadres.structure import active_targets
from dongchang.election_report import REPORT_COLUMNS, election_report
from dongchang.reports import Month, build_workbook
from tests.factories import (
    PersonFactory,
    PostFactory,
    UserFactory,
    VillageFactory,
    make_id_number,
    township,
)
from tests.querycount import assert_queries_flat
from tests.vetting_election.factories import (
    ELECTION_DAY,
    approved_case,
    election_village,
    open_election,
)
from vetting.models import ElectionPlan
from vetting.services import election

pytestmark = pytest.mark.django_db

SECRETARY = (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY)
PARTY_MEMBER = (Post.Body.PARTY_BRANCH, Post.Title.MEMBER)
DIRECTOR = (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR)
BEFORE = dt.date(2026, 10, 31)  # the election starts on 2026-11-01


def person(born: dt.date, n: int, *, woman=False, education=Education.HIGH_SCHOOL):
    return PersonFactory(id_number=make_id_number(born, n, male=not woman), education=education)


@pytest.fixture
def world():
    """金厂镇's 东岗村 elects; 环通乡's 西岭村 keeps its one cadre.

    Before (2026-10-31): 东岗村 S (secretary, 56), M (party member, 46), X (director, 66);
    西岭村 T (director, 51). After (2026-12-10): 东岗村 N (a woman of 31 with a college
    degree, secretary and director: 一肩挑) and M re-elected; 西岭村 T.
    """
    village = VillageFactory(name="东岗村")
    other = VillageFactory(township=township("220502200"), name="西岭村")
    s = person(dt.date(1970, 6, 1), 1)
    m = person(dt.date(1980, 6, 1), 2)
    x = person(dt.date(1960, 6, 1), 3)
    t = person(dt.date(1975, 6, 1), 4)
    n = person(dt.date(1995, 6, 1), 5, woman=True, education=Education.COLLEGE)
    PostFactory(person=s, village=village, body=SECRETARY[0], title=SECRETARY[1])
    PostFactory(person=m, village=village, body=PARTY_MEMBER[0], title=PARTY_MEMBER[1])
    PostFactory(person=x, village=village, body=DIRECTOR[0], title=DIRECTOR[1])
    PostFactory(person=t, village=other, body=DIRECTOR[0], title=DIRECTOR[1])
    the_election = open_election()
    ev = election_village(the_election, village)
    election_village(the_election, other)
    ElectionPlan.objects.filter(election=the_election, township=village.township).update(
        women_share_min=Decimal("60.0"), young_share_min=Decimal("40.0")
    )
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    cases = [
        approved_case(the_election, village, *SECRETARY, person=n),
        approved_case(the_election, village, *DIRECTOR, person=n),
        approved_case(the_election, village, *PARTY_MEMBER, person=m),
    ]
    election.results_enter(actor=staff, village=ev, elected={c.pk: 300 for c in cases})
    district = UserFactory(role="区级审核人")
    election.results_confirm(actor=district, village=ev)
    return the_election, village, staff, district


def test_figures_against_the_hand_count(world):
    the_election, _village, _staff, district = world
    report = election_report(district, the_election, today=dt.date(2026, 12, 7))
    assert (report.before_on, report.after_on) == (BEFORE, ELECTION_DAY)
    jinchang, huantong = report.rows
    assert jinchang.code == "220502100"
    assert (jinchang.people_before, jinchang.people_after) == (3, 2)
    assert (jinchang.stayed, jinchang.renewed, jinchang.left) == (1, 1, 2)
    assert jinchang.before.average_age == Decimal("56.0")  # (56 + 46 + 66) / 3
    assert jinchang.after.average_age == Decimal("38.5")  # (31 + 46) / 2
    women = jinchang.comparison("women")
    assert (women.before.share, women.after.share) == (Decimal("0.0"), Decimal("50.0"))
    assert (women.target, women.met) == (Decimal("60.0"), False)  # the plan's target
    young = jinchang.comparison("young")
    assert (young.before.count, young.after.count, young.met) == (0, 1, True)
    one_shoulder = jinchang.comparison("one_shoulder")
    assert one_shoulder.before.share == Decimal("0.0")
    assert one_shoulder.after.share == Decimal("100.0")
    assert jinchang.comparison("college").after.share == Decimal("50.0")
    # Nobody changed in 环通乡.
    assert (huantong.people_before, huantong.people_after) == (1, 1)
    assert (huantong.stayed, huantong.renewed, huantong.left) == (1, 0, 0)
    # The district: every township, against the structure targets.
    total = report.total
    assert (total.people_before, total.people_after) == (4, 3)
    assert (total.stayed, total.renewed, total.left) == (2, 1, 2)
    assert total.before.average_age == Decimal("54.8")  # (56 + 46 + 66 + 51) / 4
    assert total.after.average_age == Decimal("42.7")  # (31 + 46 + 51) / 3
    targets = active_targets()
    women = total.comparison("women")
    assert women.after.share == Decimal("33.3")
    assert women.target == targets.women_share_min
    assert women.met == (Decimal("33.3") >= targets.women_share_min)


def test_the_monthly_workbook_has_the_pages_figures_from_the_month_confirmed(world):
    """换届前后对比 appears in the month of the first confirmation (today's, 2026-12 here), with
    the page's figures on the month's last day; a month before it has no such sheet."""
    the_election, *_rest = world
    december = Month(dt.date(2026, 12, 1))
    target = io.BytesIO()
    counts = build_workbook(december, target)
    sheet = load_workbook(target)["换届前后对比"]
    report = election_report(WHOLE_DISTRICT, the_election, today=december.last)
    assert counts["换届前后对比"] == len(report.rows)  # the townships, then the district's total
    written = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    expected = [[column.value(row) for column in REPORT_COLUMNS] for row in report.table_rows]
    # An empty cell reads back as None (the district's row has no division code).
    expected = [[None if value == "" else value for value in row[:7]] for row in expected]
    assert [row[:7] for row in written] == expected
    assert written[-1][8] == pytest.approx(float(report.total.after.average_age))
    assert [row[0] for row in written] == ["金厂镇", "环通乡", "东昌区"]
    assert written[0][2:7] == [3, 2, 1, 1, 2]  # before, after, stayed, renewed, left
    november = io.BytesIO()
    build_workbook(Month(dt.date(2026, 11, 1)), november)
    assert "换届前后对比" not in load_workbook(november).sheetnames


def test_before_the_confirmation_after_is_today(world):
    the_election, *_rest, district = world
    report = election_report(district, the_election, today=dt.date(2027, 1, 5))
    assert report.after_on == dt.date(2027, 1, 5)


def test_township_sees_its_own_department_none(world):
    the_election, _village, staff, _district = world
    report = election_report(staff, the_election, today=dt.date(2026, 12, 7))
    assert [row.code for row in report.rows] == ["220502100"]
    assert (report.total.people_before, report.total.people_after) == (3, 2)
    department = UserFactory(role="联审部门", department="discipline")
    with pytest.raises(PermissionDenied):
        election_report(department, the_election)


def test_page_export_and_scoping(client, world):
    the_election, _village, staff, district = world
    url = reverse("election_report", args=[the_election.pk])
    client.force_login(staff)
    text = client.get(url).content.decode()
    assert "金厂镇" in text
    assert "环通乡" not in text
    assert 'data-indicator="women"' in text
    detail = client.get(reverse("vetting:election_detail", args=[the_election.pk]))
    assert url in detail.content.decode()
    other = UserFactory(role="乡镇工作人员", townships=["220502200"])
    client.force_login(other)
    text = client.get(url).content.decode()
    assert "环通乡" in text
    assert "金厂镇" not in text
    client.force_login(UserFactory(role="联审部门", department="discipline"))
    assert client.get(url).status_code == 403
    client.force_login(district)
    response = client.get(url + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).count() == 1
    assert client.get(reverse("election_report", args=[the_election.pk + 99])).status_code == 404


def test_command_prints_the_same_figures(world):
    the_election, *_rest, _district = world
    out = io.StringIO()
    call_command("election_report", election=the_election.pk, format="json", stdout=out)
    printed = json.loads(out.getvalue())
    expected = election_report(WHOLE_DISTRICT, the_election).as_json()
    assert printed == json.loads(json.dumps(expected))
    assert printed["district"]["people_before"] == 4
    assert printed["district"]["stayed"] == 2
    assert printed["townships"][0]["indicators"]["women"]["target"] == 60.0
    assert printed["townships"][0]["indicators"]["women"]["met"] is False
    assert [t["code"] for t in printed["townships"]] == ["220502100", "220502200"]


def test_queries_do_not_grow_with_villages(client, world):
    the_election, _village, _staff, district = world
    client.force_login(district)
    url = reverse("election_report", args=[the_election.pk])

    def grow():
        for code in ("220502100", "220502200"):
            for _ in range(3):
                village = VillageFactory(township=township(code))
                PostFactory(village=village, body=SECRETARY[0], title=SECRETARY[1])
                election_village(the_election, village)

    assert_queries_flat(lambda: client.get(url), grow)
