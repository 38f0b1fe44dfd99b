import datetime as dt
import json

import pytest
from django.urls import reverse

from cadres.ages import AGE_BANDS
from dongchang.dashboard import figures_for
from tests.factories import PersonFactory, PostFactory, VillageFactory, cadre, township
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def district():
    jinchang = VillageFactory(township=township("220502100"))
    huantong = VillageFactory(township=township("220502200"))
    secretary = PersonFactory(birth=dt.date(1990, 1, 1), education="bachelor")
    PostFactory(person=secretary, village=jinchang, body="party_branch", title="secretary")
    PostFactory(person=secretary, village=jinchang, body="villagers_committee", title="director")
    cadre(jinchang, birth=dt.date(1970, 6, 1))
    controlled = cadre(huantong, birth=dt.date(1962, 6, 1))
    controlled.strict_control_since = dt.date(2026, 1, 1)
    controlled.strict_control_review_on = dt.date(2027, 1, 1)
    controlled.strict_control_source = "manual"
    controlled.save()
    return {"jinchang": jinchang, "huantong": huantong}


def by_key(figures):
    return {figure.key: figure for figure in figures}


def test_district_user_sees_the_whole_district(district, district_reviewer):
    figures = by_key(figures_for(district_reviewer, TODAY))
    cadres = figures["cadres"]
    assert cadres.labels == ["金厂镇", "环通乡"]
    party = next(s for s in cadres.series if s["label"] == "村党组织")
    committee = next(s for s in cadres.series if s["label"] == "村民委员会")
    people = next(s for s in cadres.series if s["label"] == "在任干部")
    assert party["data"] == [1, 0]
    assert committee["data"] == [2, 1]
    assert people["data"] == [2, 1]  # the secretary who is also director is one person
    assert cadres.rows[0][:2] == ("金厂镇", 2)
    assert not cadres.chart_config()["options"]["scales"]  # bodies side by side, not summed
    ages = dict(zip(figures["ages"].labels, figures["ages"].series[0]["data"], strict=True))
    # Ages on 2026-11-27: 36 (born 1990-01-01), 56 (1970-06-01) and 64 (1962-06-01).
    assert [ages[str(label)] for _band, label, *_ages in AGE_BANDS] == [0, 1, 0, 1, 1]
    assert figures["strict"].rows[0][1] == 1


def test_township_user_sees_only_their_township(district, staff):
    figures = by_key(figures_for(staff, TODAY))
    assert figures["cadres"].labels == ["金厂镇"]
    assert sum(figures["ages"].series[0]["data"]) == 2
    assert figures["strict"].rows[0][1] == 0
    assert sum(figures["education"].series[0]["data"]) == 2


def test_each_number_links_to_the_filtered_list(district, district_reviewer):
    figures = by_key(figures_for(district_reviewer, TODAY))
    township_row, body_row = figures["cadres"].rows[:2]
    for _label, _number, link in (township_row, body_row):
        assert link.startswith(reverse("cadres:list") + "?township=")
    assert township_row[2].endswith("status=serving")
    assert "body=" in body_row[2]
    assert figures["strict"].rows[0][2].endswith("strict_control=yes")


def test_dashboard_page_renders_charts_in_queries_that_do_not_grow(
    client, district, district_reviewer
):
    client.force_login(district_reviewer)

    def more_cadres():
        for village in (district["jinchang"], district["huantong"]):
            for year in (1958, 1975, 1995):
                cadre(village, birth=dt.date(year, 3, 1))

    response = assert_queries_flat(lambda: client.get(reverse("dashboard")), more_cadres)
    assert response.status_code == 200
    config = json.loads(
        response.text.split('id="chart-cadres" type="application/json">')[1].split("</script>")[0]
    )
    assert config["type"] == "bar"
    assert "金厂镇" in config["data"]["labels"]


def test_structure_figures_per_township(client, district, staff):
    structure = by_key(figures_for(staff, TODAY))["structure"].structure
    [jinchang] = structure.rows
    shares = {i.key: (i.count, i.base) for i in jinchang.indicators}
    assert jinchang.count("people") == 2
    assert shares["one_shoulder"] == (1, 1)
    assert shares["cross"] == (1, 2)
    client.force_login(staff)
    page = client.get(reverse("dashboard")).text
    assert "一肩挑" in page
    assert reverse("cadres:structure") in page


def test_every_people_link_lists_exactly_the_counted_people(client, district, district_reviewer):
    client.force_login(district_reviewer)
    cadres = by_key(figures_for(district_reviewer, dt.date.today()))["cadres"]
    for label, number, link in cadres.rows:
        if "body=" not in link:
            assert client.get(link).context["page_obj"].paginator.count == number, label


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("dashboard")).status_code == 302


def test_every_figure_link_lists_exactly_the_counted_people(client, district, district_reviewer):
    client.force_login(district_reviewer)
    figures = by_key(figures_for(district_reviewer, dt.date.today()))
    for key in ("ages", "education"):
        for _label, number, link in figures[key].rows:
            listed = client.get(link).context["page_obj"].paginator.count
            assert listed == number, link


def test_review_training_and_supervision_figures_follow_the_role(district, staff, department_user):
    keys = {figure.key for figure in figures_for(staff, TODAY)}
    assert {"hits", "training", "supervision", "structure"} <= keys
    assert {"hits", "training", "supervision", "structure"}.isdisjoint(
        figure.key for figure in figures_for(department_user, TODAY)
    )


def test_training_coverage_counts_the_township(district, staff):
    from tests.training.factories import AttendanceFactory, SessionFactory, at

    person = district["jinchang"].posts.first().person
    session = SessionFactory(starts_at=at(dt.date(2026, 3, 10)))
    AttendanceFactory(session=session, person=person, status="present")
    training = by_key(figures_for(staff, TODAY))["training"]
    assert training.labels == ["金厂镇"]
    trained = next(s for s in training.series if s["label"] == "已参训")
    assert trained["data"] == [1]


def test_training_figure_agrees_with_the_coverage_page(district, staff):
    from tests.training.factories import AttendanceFactory, SessionFactory, at
    from training.models import DailyStudy
    from training.selectors import coverage_summary, year_coverage

    first, second = (p.person for p in district["jinchang"].posts.order_by("pk")[1:3])
    AttendanceFactory(
        session=SessionFactory(starts_at=at(dt.date(2026, 3, 10))), person=first, status="present"
    )
    AttendanceFactory(
        session=SessionFactory(starts_at=at(dt.date(2026, 4, 10))), person=second, status="absent"
    )
    DailyStudy.objects.create(
        person=second, topic="学习党章", studied_on=dt.date(2025, 5, 1), hours=2, recorded_by=staff
    )
    training = by_key(figures_for(staff, TODAY))["training"]
    groups, _totals = coverage_summary(year_coverage(TODAY.year, staff), by_village=False)
    assert [s["data"] for s in training.series] == [
        [g["trained"] for g in groups],
        [g["untrained"] for g in groups],
    ]
    assert training.series[0]["data"] == [1]


def test_vetting_pipeline_counts_cases_by_state_and_links_to_them(client):
    from tests.vetting_candidates.factories import Cast

    cast = Cast()
    cast.submitted()
    cast.at_district()
    pipeline = by_key(figures_for(cast.district_reviewer, TODAY))["vetting"]
    counts = {label: number for label, number, _link in pipeline.rows}
    assert sum(counts.values()) == 2
    client.force_login(cast.district_reviewer)
    for _label, number, link in pipeline.rows:
        assert client.get(link).context["page_obj"].paginator.count == number


def test_management_rates_per_township_follow_the_role(client, district, staff, department_user):
    from cadres.records.models import DutyRoster, DutyShift, PersonalReport, SecretaryFiling
    from tests.factories import UserFactory

    user = UserFactory()
    post = district["jinchang"].posts.get(body="party_branch")
    SecretaryFiling.objects.create(
        village=post.village, post=post, person=post.person, filing_number="东组备一",
        filed_on=dt.date(2026, 3, 1), filed_by=user,
    )  # fmt: skip
    PersonalReport.objects.create(
        person=post.person, village=post.village, year=2026, kind="annual", content="无",
        reported_on=dt.date(2026, 3, 2), submitted_by=user,
    )  # fmt: skip
    roster = DutyRoster.objects.create(
        village=post.village, period="month", starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 11, 30), created_by=user,
    )  # fmt: skip
    for day in (dt.date(2026, 10, 30), dt.date(2026, 11, 3)):  # only November's counts
        DutyShift.objects.create(
            roster=roster, person=post.person, date=day, start_time=dt.time(8),
            end_time=dt.time(12), outcome="missed",
        )  # fmt: skip
    # Township, filing rate, report rate, 头雁 claimed and completed, not evaluated, missed.
    table = {row[0]: row[1:] for row in by_key(figures_for(staff, TODAY))["management"].table}
    assert table == {"金厂镇": [100, 50, 0, 0, 1, 1]}
    district_reviewer = UserFactory(role="区级审核人")
    table = {
        row[0]: row[1:] for row in by_key(figures_for(district_reviewer, TODAY))["management"].table
    }
    assert table["环通乡"] == [None, 0, 0, 0, 0, 0]
    assert "management" not in by_key(figures_for(department_user, TODAY))
    client.force_login(staff)
    page = client.get(reverse("dashboard")).text
    assert "个人事项报告率（%）" in page
    assert "<td>金厂镇</td>" in page


def test_counts_from_the_structure_pass_agree_with_their_own_queries(district, district_reviewer):
    """The lights, strict control, trained and reported people per township come from the
    team structure's one pass over the serving posts; they must be what each figure's own
    query counts, a cadre serving in two townships counting once in each."""
    from cadres.choices import Light
    from cadres.records.models import PersonalReport
    from cadres.records.selectors import management_figures
    from dongchang import dashboard
    from dongchang.models import WarningLight, WarningRules
    from tests.factories import UserFactory

    jinchang, huantong = district["jinchang"], district["huantong"]
    both = cadre(jinchang, birth=dt.date(1985, 2, 1))
    PostFactory(person=both, village=huantong, body="party_branch", title="member")
    quiet = VillageFactory(township=huantong.township, name="平安村")
    cadre(quiet)
    PersonalReport.objects.create(
        person=both, village=jinchang, year=TODAY.year, kind="annual", content="无",
        reported_on=dt.date(2026, 1, 20), submitted_by=UserFactory(),
    )  # fmt: skip
    rules = WarningRules.objects.get(active=True)
    WarningLight.objects.create(
        person=both, light=Light.RED, rules=rules, computed_at=dt.datetime.now(dt.UTC)
    )
    figures = by_key(figures_for(district_reviewer, TODAY))
    lights = {s["label"]: s["data"] for s in figures["lights"].series}
    assert lights[str(Light.RED.label)] == [1, 1]  # once in each township
    assert lights[str(Light.NONE.label)] == [2, 2]  # without a computed light: none
    own = management_figures(district_reviewer, TODAY, TODAY.replace(day=1))
    shown = {row[0]: row[2] for row in figures["management"].table}
    assert shown == {row.name: row.report_rate for row in own}
    assert [(row.cadres, row.reported) for row in own if row.cadres] == [(3, 1), (3, 1)]
    grid = {
        v.name: v.light
        for _t, villages in dashboard.village_lights(district_reviewer, TODAY)
        for v in villages
    }
    assert grid[jinchang.name] == Light.RED
    assert grid == {jinchang.name: Light.RED, huantong.name: Light.RED, "平安村": Light.NONE}
