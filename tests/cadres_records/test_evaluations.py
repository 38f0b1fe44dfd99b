import datetime as dt
from decimal import Decimal
from itertools import islice

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.records import services
from cadres.records.models import AnnualEvaluation, Grade, GradingRule
from cadres.services import post_end
from tests.cadres_records.factories import THIS_YEAR, secretary, serving_village
from tests.factories import cadre
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def evaluate(user, person, scores=(92, 90, 88), year=THIS_YEAR):
    performance, discipline, reputation = (Decimal(s) for s in scores)
    return services.evaluation_record(
        actor=user,
        person=person,
        village=serving_village(person),
        year=year,
        performance=performance,
        discipline=discipline,
        reputation=reputation,
        evaluator="镇党委书记 李明",
        evaluated_on=dt.date.today(),
    )


@pytest.mark.parametrize(
    ("scores", "grade"),
    [
        ((92, 90, 88), Grade.EXCELLENT),  # 0.5·92 + 0.25·90 + 0.25·88 = 90.5
        ((80, 80, 70), Grade.COMPETENT),  # 77.5
        ((60, 70, 60), Grade.BASIC),  # 62.5
        ((100, 59, 100), Grade.INCOMPETENT),  # discipline veto
        ((50, 60, 50), Grade.INCOMPETENT),  # 52.5
    ],
)
def test_default_rule(scores, grade):
    rule = GradingRule.objects.get(active=True)
    assert rule.grade(*(Decimal(s) for s in scores)) == grade


def test_record_uses_the_active_rule_and_keeps_history(staff, township_reviewer):
    person = secretary()
    first = evaluate(township_reviewer, person, year=THIS_YEAR - 1)
    assert first.grade == Grade.EXCELLENT
    assert first.total == Decimal("90.5")
    old = GradingRule.objects.get(active=True)
    old.active = False
    old.save()
    GradingRule.objects.create(name="严格", excellent_from=95, competent_from=80, basic_from=65)
    second = evaluate(township_reviewer, person)
    assert second.grade == Grade.COMPETENT
    assert AnnualEvaluation.objects.get(pk=first.pk).rule == old
    with pytest.raises(ValidationError):
        evaluate(township_reviewer, person)  # once a year
    with pytest.raises(PermissionDenied):
        evaluate(staff, person, year=THIS_YEAR - 2)
    with pytest.raises(ValidationError) as error:
        evaluate(township_reviewer, cadre())  # not a secretary
    assert "person" in error.value.message_dict


def test_weights_must_sum_to_one():
    rule = GradingRule(name="x", weight_performance=Decimal("0.5"))
    rule.weight_discipline = Decimal("0.4")
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_pages(client, township_reviewer, other_staff, department_user):
    person = secretary()
    client.force_login(township_reviewer)
    url = reverse("cadres:records:evaluation_create")
    data = {
        "village": serving_village(person).pk,
        "year": THIS_YEAR,
        "performance": "101",
        "discipline": "90",
        "reputation": "90",
        "evaluator": "李明",
        "evaluated_on": "2026-01-10",
    }
    response = client.post(url, data)
    assert "performance" in response.context["form"].errors
    data["performance"] = "95"
    response = client.post(url, data)
    assert response.status_code == 302
    evaluation = AnnualEvaluation.objects.get()
    years = iter(range(2023, 2000, -1))

    def six_more_years():
        for year in islice(years, 6):
            evaluate(township_reviewer, person, year=year)

    six_more_years()
    detail = reverse("cadres:records:evaluation_detail", args=[evaluation.pk])
    assert len(client.get(detail).context["earlier"]) == 7
    response = assert_queries_flat(lambda: client.get(detail), six_more_years)
    assert len(response.context["earlier"]) == 13
    response = client.get(reverse("cadres:records:evaluation_list"), {"year": THIS_YEAR})
    assert [e.pk for e in response.context["rows"]] == [evaluation.pk]
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    assert client.get(url).status_code == 403
    client.force_login(department_user)
    assert client.get(reverse("cadres:records:evaluation_list")).status_code == 403


def test_district_replaces_the_rule_on_a_page(client, district_reviewer, township_reviewer, staff):
    person = secretary()
    before = evaluate(township_reviewer, person, scores=(80, 80, 80), year=THIS_YEAR - 1)
    url = reverse("cadres:records:grading_rule_edit")
    data = {
        "name": "2026年评定规则",
        "weight_performance": "0.6",
        "weight_discipline": "0.2",
        "weight_reputation": "0.3",
        "excellent_from": "85",
        "competent_from": "75",
        "basic_from": "60",
        "discipline_veto_below": "60",
    }
    client.force_login(district_reviewer)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    data["weight_reputation"] = "0.2"
    assert client.post(url, data).status_code == 302
    rule = GradingRule.objects.get(active=True)
    assert rule.name == "2026年评定规则"
    assert GradingRule.objects.count() == 2
    assert evaluate(township_reviewer, person, scores=(90, 80, 80)).grade == Grade.EXCELLENT
    before.refresh_from_db()
    assert before.rule != rule
    client.force_login(staff)
    assert client.get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        services.grading_rule_replace(actor=township_reviewer, name="x")


def test_former_secretary_is_evaluated_from_the_person(
    client, township_reviewer, district_reviewer
):
    person = secretary()
    post = person.posts.get()
    post_end(actor=district_reviewer, post=post, ended_on=dt.date.today(), reason="term_expired")
    client.force_login(township_reviewer)
    url = reverse("cadres:records:evaluation_create") + f"?person={person.pk}"
    data = {
        "village": post.village_id,
        "year": THIS_YEAR,
        "performance": "80",
        "discipline": "80",
        "reputation": "80",
        "evaluator": "李明",
        "evaluated_on": "2026-01-10",
    }
    assert client.post(url, data).status_code == 302
    assert AnnualEvaluation.objects.get().person == person
    other = secretary()
    data["village"] = serving_village(other).pk
    response = client.post(url, data)
    assert "village" in response.context["form"].errors


@pytest.mark.parametrize("value", ["abc", "1.5", "٣", "-1", "1 OR 1=1"])
def test_a_person_key_that_is_not_a_number_is_not_found(client, township_reviewer, value):
    client.force_login(township_reviewer)
    url = reverse("cadres:records:evaluation_create")
    assert client.get(url, {"person": value}).status_code == 404


def test_a_township_key_that_is_not_a_number_is_not_found(client, district_reviewer):
    client.force_login(district_reviewer)
    url = reverse("cadres:records:project_overview")
    assert client.get(url, {"township": "abc"}).status_code == 404
