"""Warning lights (综合预警): every default rule fires from its source and nothing fires for a
cadre in good standing; rule versions; the stored light and its history; the JSON command;
recomputation on commit; the profile, register and dashboard, own and other township."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from cadres.choices import Light, PoliticalStatus
from cadres.models import Person, Post, StrictControlSource
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    DutyShift,
    Grade,
    GradingRule,
    PersonalReport,
)
from dongchang import warnings
from dongchang.models import WarningLight, WarningLightChange, WarningRule, WarningRules
from supervision.models import Audit
from tests.factories import PostFactory, VillageFactory, cadre, hanzi_number, township
from tests.querycount import assert_queries_flat
from tests.supervision.factories import (
    AuditFactory,
    MisconductCaseFactory,
    SupervisionRecordFactory,
)
from tests.vetting.factories import import_list, run_inline
from training.models import DailyStudy
from vetting.models import Hit, RemovalCase

pytestmark = pytest.mark.django_db

# Inside the first ten days of a month and of a quarter: no disclosure is overdue yet.
TODAY = dt.date(2026, 7, 5)
Code = WarningRule.Code

ISSUE_DEFAULTS = {
    Light.RED: {
        Code.BARRING_HIT,
        Code.REMOVAL_OPEN,
        Code.STRICT_CONTROL,
        Code.MISCONDUCT_OPEN,
        Code.GRADE_INCOMPETENT,
    },
    Light.YELLOW: {
        Code.HIT_PENDING,
        Code.RECTIFICATION_OVERDUE,
        Code.REPORT_MISSING,
        Code.DEPARTURE_AUDIT_DUE,
        Code.DUTY_MISSED,
        Code.GRADE_BASIC,
        Code.ELIGIBILITY_REVIEW,
    },
    Light.BLUE: {
        Code.POSSIBLE_HIT,
        Code.TRAINING_SHORT,
        Code.TERM_ENDING,
        Code.DISCLOSURE_OVERDUE,
    },
}


def in_good_standing(village=None, **person) -> Person:
    """A serving cadre whom no default rule concerns on TODAY: this year's report made and
    the year's training hours done."""
    person = cadre(village, **person)
    post = person.posts.get()
    PersonalReport.objects.create(
        person=person,
        village=post.village,
        year=TODAY.year,
        kind=PersonalReport.Kind.ANNUAL,
        content="无变化",
        reported_on=dt.date(TODAY.year, 1, 10),
        submitted_by=_user(),
    )
    DailyStudy.objects.create(
        person=person,
        topic="学习党章",
        studied_on=dt.date(TODAY.year, 3, 1),
        hours=12,
        recorded_by=_user(),
    )
    return person


def _user():
    from tests.factories import UserFactory

    return UserFactory(role="区级审核人")


def _hit(person, *, status=Hit.Status.PENDING, match_kind=Hit.MatchKind.STRONG) -> Hit:
    reviewer = _user()
    import_list(reviewer, [{"name": person.name, "id_number": person.id_number}])
    run_inline()
    hit = Hit.objects.get(person=person)
    reviewed = {}
    if status != Hit.Status.PENDING:
        reviewed = {"reviewer": reviewer, "reviewed_at": hit.created_at, "reason": "核实"}
    Hit.objects.filter(pk=hit.pk).update(status=status, match_kind=match_kind, **reviewed)
    return hit


def _evaluation(person, grade) -> AnnualEvaluation:
    return AnnualEvaluation.objects.create(
        person=person,
        village=person.posts.get().village,
        year=TODAY.year - 1,
        performance=Decimal(50),
        discipline=Decimal(50),
        reputation=Decimal(50),
        total=Decimal(50),
        grade=grade,
        rule=GradingRule.objects.get(active=True),
        evaluator="镇党委",
        evaluated_on=dt.date(TODAY.year, 1, 15),
        recorded_by=_user(),
    )


def make_fire(code: str, person: Person) -> str:
    """Give ``person`` the record that makes ``code`` fire; returns the link expected."""
    post = person.posts.get()
    village = post.village
    match code:
        case Code.BARRING_HIT:
            hit = _hit(person, status=Hit.Status.CONFIRMED)
            return reverse("vetting:hit_detail", args=[hit.pk])
        case Code.HIT_PENDING:
            hit = _hit(person)
            return reverse("vetting:hit_detail", args=[hit.pk])
        case Code.POSSIBLE_HIT:
            hit = _hit(person, match_kind=Hit.MatchKind.POSSIBLE)
            return reverse("vetting:hit_detail", args=[hit.pk])
        case Code.REMOVAL_OPEN:
            case = RemovalCase.objects.create(
                source=RemovalCase.Source.MISCONDUCT,
                misconduct_case_id=4242 + person.pk,  # one case each
                person=person,
                township=village.township,
                opened_by=_user(),
            )
            return reverse("vetting:removal_detail", args=[case.pk])
        case Code.STRICT_CONTROL:
            Person.objects.filter(pk=person.pk).update(
                strict_control_since=TODAY - dt.timedelta(days=30),
                strict_control_review_on=TODAY + dt.timedelta(days=60),
                strict_control_source=StrictControlSource.MANUAL,
            )
            return reverse("cadres:detail", args=[person.pk]) + "#strict-control"
        case Code.MISCONDUCT_OPEN:
            case = MisconductCaseFactory(person=person, village=village)
            return reverse("supervision:case_detail", args=[case.pk])
        case Code.GRADE_INCOMPETENT | Code.GRADE_BASIC:
            grade = Grade.INCOMPETENT if code == Code.GRADE_INCOMPETENT else Grade.BASIC
            evaluation = _evaluation(person, grade)
            return reverse("cadres:records:evaluation_detail", args=[evaluation.pk])
        case Code.RECTIFICATION_OVERDUE:
            record = SupervisionRecordFactory(
                village=village,
                rectification="公开账目",
                rectification_deadline=TODAY - dt.timedelta(days=1),
            )
            record.cadres.add(person)
            return reverse("supervision:record_detail", args=[record.pk])
        case Code.REPORT_MISSING:
            person.personal_reports.all().delete()
            return f"{reverse('cadres:records:missing_report_list')}?year={TODAY.year}"
        case Code.DEPARTURE_AUDIT_DUE:
            ended = PostFactory(
                person=person,
                village=village,
                body=Post.Body.PARTY_BRANCH,
                title=Post.Title.MEMBER,
                ended_on=dt.date(2026, 5, 1),
                end_reason=Post.EndReason.RESIGNED,
            )
            audit = AuditFactory(kind=Audit.Kind.DEPARTURE, village=village, post=ended)
            return reverse("supervision:audit_detail", args=[audit.pk])
        case Code.DUTY_MISSED:
            roster = DutyRoster.objects.create(
                village=village,
                period=DutyRoster.Period.MONTH,
                starts_on=dt.date(2026, 6, 1),
                ends_on=dt.date(2026, 6, 30),
                created_by=_user(),
            )
            for day in (10, 20):
                DutyShift.objects.create(
                    roster=roster,
                    person=person,
                    date=dt.date(2026, 6, day),
                    start_time=dt.time(8),
                    end_time=dt.time(17),
                    outcome=DutyShift.Outcome.MISSED,
                )
            return reverse("cadres:records:roster_detail", args=[roster.pk])
        case Code.ELIGIBILITY_REVIEW:
            Post.objects.filter(pk=post.pk).update(
                body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
            )
            Person.objects.filter(pk=person.pk).update(political_status=PoliticalStatus.MASSES)
            return reverse("vetting:eligibility_review")
        case Code.TRAINING_SHORT:
            person.daily_studies.update(hours=Decimal("11.5"))
            return f"{reverse('training:coverage')}?year={TODAY.year}"
        case Code.TERM_ENDING:
            Post.objects.filter(pk=post.pk).update(term_end=TODAY + dt.timedelta(days=90))
            return reverse("cadres:detail", args=[person.pk]) + "#posts"
        case Code.DISCLOSURE_OVERDUE:
            # The month's and the quarter's disclosures are due by the 10th.
            return f"{reverse('supervision:disclosure_overdue')}?township={village.township_id}"
    raise AssertionError(code)


def judged_on(code: str) -> dt.date:
    return dt.date(2026, 7, 11) if code == Code.DISCLOSURE_OVERDUE else TODAY


def test_the_first_version_holds_the_issues_defaults():
    version = warnings.active_rules()
    by_light = {}
    for rule in version.rules.all():
        assert rule.enabled
        assert rule.message
        assert rule.weight > 0
        by_light.setdefault(rule.light, set()).add(rule.code)
    assert by_light == ISSUE_DEFAULTS
    rules = {rule.code: rule for rule in version.rules.all()}
    assert rules[Code.REPORT_MISSING].days == 30
    assert (rules[Code.DUTY_MISSED].days, rules[Code.DUTY_MISSED].number) == (30, 2)
    assert rules[Code.TERM_ENDING].days == 90


def test_a_cadre_in_good_standing_fires_nothing():
    person = in_good_standing()
    people = warnings.serving_people(TODAY)
    assert warnings.judge(people, today=TODAY) == {}
    warnings.lights_refresh(today=TODAY)
    light = WarningLight.objects.get(person=person)
    assert (light.light, light.reasons, light.score) == (Light.NONE, [], 0)


@pytest.mark.parametrize("code", sorted(Code.values))
def test_each_default_rule_fires_from_its_source_and_links_it(code):
    bystander = in_good_standing(name=f"旁{hanzi_number(1)}")
    person = in_good_standing(name=f"甲{hanzi_number(2)}")
    link = make_fire(code, person)
    today = judged_on(code)
    judged = warnings.judge(warnings.serving_people(today), today=today)
    assert code in judged[person.pk].reasons
    if code != Code.DISCLOSURE_OVERDUE:  # the bystander's own village is late too
        assert bystander.pk not in judged
        assert judged[person.pk].reasons == [code]
    warnings.lights_refresh(today=today)
    light = WarningLight.objects.select_related("rules").get(person=person)
    rule = WarningRule.objects.get(version__active=True, code=code)
    assert light.light >= rule.light
    reasons = {reason.code: reason for reason in warnings.reasons_of(light)}
    assert link in reasons[code].links
    assert reasons[code].message == rule.message


@pytest.mark.parametrize("code", sorted(Code.values))
def test_the_nightly_run_stores_what_a_persons_refresh_does_and_nothing_for_one_gone(code):
    # The nightly run reads each rule's records for everyone, serving or not.
    serving = in_good_standing(name=f"甲{hanzi_number(1)}")
    gone = in_good_standing(name=f"乙{hanzi_number(2)}")
    make_fire(code, gone)
    make_fire(code, serving)  # last: a hit comes from the list imported last
    today = judged_on(code)
    Post.objects.filter(person=gone).update(
        ended_on=today - dt.timedelta(days=1), end_reason=Post.EndReason.RESIGNED
    )
    fields = ("light", "score", "reasons", "sources", "signature")
    warnings.lights_refresh(today=today)
    nightly = WarningLight.objects.values(*fields).get(person=serving)
    assert not WarningLight.objects.filter(person=gone).exists()
    assert code in nightly["reasons"]
    WarningLight.objects.all().delete()
    warnings.lights_refresh(person_ids=[serving.pk, gone.pk], today=today)
    assert list(WarningLight.objects.values("person_id", *fields)) == [
        {"person_id": serving.pk, **nightly}
    ]


def test_the_light_is_the_worst_colour_and_the_score_the_sum_of_weights():
    person = in_good_standing()
    make_fire(Code.TERM_ENDING, person)
    make_fire(Code.GRADE_BASIC, person)
    make_fire(Code.STRICT_CONTROL, person)
    judgement = warnings.judge(warnings.serving_people(TODAY), today=TODAY)[person.pk]
    assert judgement.light == Light.RED
    assert judgement.reasons == [Code.STRICT_CONTROL, Code.GRADE_BASIC, Code.TERM_ENDING]
    assert judgement.score == 8 + 3 + 1


def _rules_as_edited(**changes) -> list[dict]:
    fields = ["code", "enabled", "light", "weight", "days", "number", "message"]
    rows = []
    for rule in warnings.active_rules().rules.all():
        row = {field: getattr(rule, field) for field in fields}
        row.update(changes.get(rule.code, {}))
        rows.append(row)
    return rows


def test_a_new_version_applies_and_the_old_one_stays(
    district_reviewer, django_capture_on_commit_callbacks
):
    person = in_good_standing()
    make_fire(Code.TERM_ENDING, person)
    first = warnings.active_rules()
    warnings.lights_refresh(today=TODAY)
    assert WarningLight.objects.get(person=person).light == Light.BLUE
    with django_capture_on_commit_callbacks():
        second = warnings.warning_rules_replace(
            actor=district_reviewer,
            rules=_rules_as_edited(term_ending={"light": Light.YELLOW, "message": "任期将满"}),
            note="任期届满提前预警",
        )
    assert WarningRules.objects.get(active=True) == second
    first.refresh_from_db()
    assert not first.active
    assert first.rules.get(code=Code.TERM_ENDING).light == Light.BLUE
    assert second.created_by == district_reviewer
    warnings.lights_refresh(today=TODAY)
    light = WarningLight.objects.get(person=person)
    assert (light.light, light.rules_id) == (Light.YELLOW, second.pk)
    change = WarningLightChange.objects.filter(person=person).first()
    assert (change.light_from, change.light_to, change.rules_id) == (
        Light.BLUE,
        Light.YELLOW,
        second.pk,
    )


def test_a_disabled_rule_fires_no_more(district_reviewer, django_capture_on_commit_callbacks):
    person = in_good_standing()
    make_fire(Code.TERM_ENDING, person)
    with django_capture_on_commit_callbacks():
        warnings.warning_rules_replace(
            actor=district_reviewer, rules=_rules_as_edited(term_ending={"enabled": False})
        )
    assert warnings.judge(warnings.serving_people(TODAY), today=TODAY) == {}


def test_rules_are_changed_by_the_district_only_and_completely(staff, district_reviewer):
    with pytest.raises(PermissionDenied):
        warnings.warning_rules_replace(actor=staff, rules=_rules_as_edited())
    with translation.override("zh-hans"), pytest.raises(ValidationError, match="每一项预警条件"):
        warnings.warning_rules_replace(actor=district_reviewer, rules=_rules_as_edited()[1:])
    with pytest.raises(ValidationError):
        warnings.warning_rules_replace(
            actor=district_reviewer, rules=_rules_as_edited(term_ending={"message": " "})
        )
    assert WarningRules.objects.count() == 1


def test_the_history_keeps_each_change_with_its_reasons():
    person = in_good_standing()
    warnings.lights_refresh(today=TODAY)
    assert not WarningLightChange.objects.exists()  # none to none is no change
    make_fire(Code.GRADE_BASIC, person)
    assert warnings.lights_refresh(today=TODAY) == 1
    assert warnings.lights_refresh(today=TODAY) == 0  # unchanged: nothing new
    make_fire(Code.STRICT_CONTROL, person)
    warnings.lights_refresh(person_ids=[person.pk], today=TODAY)
    Post.objects.filter(person=person).update(
        ended_on=TODAY - dt.timedelta(days=1), end_reason=Post.EndReason.RESIGNED
    )
    warnings.lights_refresh(person_ids=[person.pk], today=TODAY)
    assert not WarningLight.objects.filter(person=person).exists()
    history = list(
        WarningLightChange.objects.filter(person=person)
        .order_by("pk")
        .values_list("light_from", "light_to", "reasons_to")
    )
    assert history == [
        (Light.NONE, Light.YELLOW, [Code.GRADE_BASIC]),
        (Light.YELLOW, Light.RED, [Code.STRICT_CONTROL, Code.GRADE_BASIC]),
        (Light.RED, Light.NONE, []),
    ]


def test_the_json_command_prints_exactly_the_keys(district_reviewer):
    village = VillageFactory()
    red = in_good_standing(village, name=f"红{hanzi_number(1)}")
    make_fire(Code.STRICT_CONTROL, red)
    quiet = in_good_standing(village, name=f"静{hanzi_number(2)}")
    other = in_good_standing(VillageFactory(township=township("220502200")))
    out = io.StringIO()
    call_command("warning_lights", "--township", "220502100", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert all(
        set(row) == {"person_id", "name", "township_code", "village_code", "light", "reasons"}
        for row in rows
    )
    by_id = {row["person_id"]: row for row in rows}
    assert other.pk not in by_id
    assert by_id[red.pk]["light"] == "red"
    assert by_id[red.pk]["reasons"][0] == "strict_control"
    assert by_id[red.pk]["township_code"] == "220502100"
    assert by_id[red.pk]["village_code"] == village.code
    assert by_id[quiet.pk]["name"] == quiet.name
    assert by_id[quiet.pk]["light"] in {"none", "blue"}  # blue only when today is late


def test_a_change_recomputes_the_persons_light_on_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(warnings, "task_send", lambda name, *args: sent.append((name, args)))
    # The person is made inside: the test's own transaction never commits, so a hook that an
    # earlier write left pending would gather this change too (as a real transaction does).
    with django_capture_on_commit_callbacks(execute=True):
        person = in_good_standing()
        MisconductCaseFactory(person=person, village=person.posts.get().village)
    assert sent
    assert sent[0][0] == warnings.REFRESH_TASK
    assert person.pk in sent[0][1][0]
    # What the task runs: the person's light, from the case.
    from dongchang.tasks import warning_lights_refresh

    warning_lights_refresh(sent[0][1][0])
    assert WarningLight.objects.get(person=person).reasons[0] == Code.MISCONDUCT_OPEN


def test_nothing_is_sent_for_a_rolled_back_change(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(warnings, "task_send", lambda name, *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person = in_good_standing()
        MisconductCaseFactory(person=person, village=person.posts.get().village)
    assert callbacks
    assert not sent


def test_the_profile_shows_the_light_and_links_each_reason(client, staff, other_staff):
    person = in_good_standing()
    link = make_fire(Code.MISCONDUCT_OPEN, person)
    warnings.lights_refresh()
    client.force_login(staff)
    page = client.get(reverse("cadres:detail", args=[person.pk])).content.decode()
    assert 'data-light="red"' in page
    assert link in page
    assert "有已立案未结的负面行为案件" in page
    client.force_login(other_staff)
    assert client.get(reverse("cadres:detail", args=[person.pk])).status_code == 404


def test_the_register_filters_and_sorts_by_light(client, staff, other_staff):
    village = VillageFactory()
    red = in_good_standing(village, name=f"红{hanzi_number(1)}")
    make_fire(Code.STRICT_CONTROL, red)
    quiet = in_good_standing(village, name=f"静{hanzi_number(2)}")
    yellow = in_good_standing(village, name=f"黄{hanzi_number(3)}")
    make_fire(Code.GRADE_BASIC, yellow)
    elsewhere = in_good_standing(VillageFactory(township=township("220502200")))
    make_fire(Code.STRICT_CONTROL, elsewhere)
    warnings.lights_refresh(today=TODAY)
    client.force_login(staff)
    page = client.get(reverse("cadres:list"), {"light": "red"})
    assert [p.pk for p in page.context["people"]] == [red.pk]
    page = client.get(reverse("cadres:list"), {"sort": "-light"})
    order = [p.pk for p in page.context["people"]]
    assert order.index(red.pk) < order.index(yellow.pk) < order.index(quiet.pk)
    assert elsewhere.pk not in order
    client.force_login(other_staff)
    page = client.get(reverse("cadres:list"), {"light": "red"})
    assert [p.pk for p in page.context["people"]] == [elsewhere.pk]
    assert client.get(reverse("cadres:list"), {"light": "purple"}).status_code == 200


def test_the_dashboard_shows_the_matrix_and_the_village_grid_in_scope(client, staff):
    village = VillageFactory(name="红旗村")
    red = in_good_standing(village)
    make_fire(Code.STRICT_CONTROL, red)
    in_good_standing(VillageFactory(name="远方村", township=township("220502200")))
    warnings.lights_refresh()
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    assert 'id="figure-lights"' in page
    grid = dict(response.context["village_lights"])
    assert [(v.name, v.light) for v in grid["金厂镇"] if v.name == "红旗村"] == [
        ("红旗村", Light.RED)
    ]
    assert "远方村" not in page


def test_computing_lights_costs_the_same_queries_for_more_cadres():
    counter = iter(range(100))

    def grow():
        person = in_good_standing(name=f"众{hanzi_number(next(counter))}")
        make_fire(Code.GRADE_BASIC, person)
        make_fire(Code.TERM_ENDING, person)

    grow()

    def refresh_all():
        # Every light written afresh each time: the writes are batches, not rows.
        WarningLight.objects.all().delete()
        return warnings.lights_refresh(today=TODAY)

    assert assert_queries_flat(refresh_all, lambda: [grow() for _ in range(2)]) == 3


def test_the_rules_pages_are_the_districts(client, staff, district_reviewer):
    client.force_login(staff)
    assert client.get(reverse("warning_rules")).status_code == 403
    assert client.get(reverse("warning_rules_edit")).status_code == 403
    client.force_login(district_reviewer)
    assert "任期将在90天内届满" in client.get(reverse("warning_rules")).content.decode()
    assert client.get(reverse("warning_rules_edit")).status_code == 200
