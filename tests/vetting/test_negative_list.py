"""The negative list: every default, for candidates (bars) and serving cadres (removes);
versions kept with decisions; the rules page and who may change it."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline
from tests.vetting_candidates.factories import Cast, person_data
from vetting.models import Hit, NegativeList, RemovalCase, WatchlistEntry, WatchlistSource
from vetting.rules import active_negative_list, entry_effect
from vetting.services import candidates, review
from vetting.services import rules as rule_services

pytestmark = pytest.mark.django_db
Kind = WatchlistSource.Kind
TODAY = timezone.localdate()
RECENT = TODAY - relativedelta(months=6)
OLD = TODAY - relativedelta(years=3)

# (kind, measure, decision date, bars a candidate, opens a removal case)
DEFAULTS = [
    (Kind.GANG, "涉恶团伙成员", OLD, True, True),
    (Kind.CRIMINAL, "有期徒刑三年", OLD, True, True),
    (Kind.OTHER_RECORD, "吸毒被行政拘留", OLD, True, True),
    (Kind.PARTY_DISCIPLINE, "开除党籍", OLD, True, True),
    (Kind.PARTY_DISCIPLINE, "留党察看一年", OLD, True, True),
    (Kind.PARTY_DISCIPLINE, "撤销党内职务", OLD, True, True),
    (Kind.PARTY_DISCIPLINE, "党内严重警告", RECENT, True, False),
    (Kind.PARTY_DISCIPLINE, "党内严重警告处分", OLD, False, False),
    (Kind.PARTY_DISCIPLINE, "党内警告", RECENT, True, False),
    (Kind.PARTY_DISCIPLINE, "党内警告处分", OLD, False, False),
    (Kind.PARTY_DISCIPLINE, "警告", None, True, False),  # no date: the window cannot be past
    (Kind.PARTY_DISCIPLINE, "其他党纪处分", OLD, True, True),  # the kind's catch-all line
    (Kind.GOVERNMENT_SANCTION, "开除", OLD, True, True),
    (Kind.GOVERNMENT_SANCTION, "撤职", OLD, True, True),
    (Kind.GOVERNMENT_SANCTION, "降级", OLD, True, True),
    (Kind.GOVERNMENT_SANCTION, "记大过", OLD, True, True),
    (Kind.GOVERNMENT_SANCTION, "记过", OLD, True, True),
    (Kind.GOVERNMENT_SANCTION, "政务警告", RECENT, True, False),
    (Kind.GOVERNMENT_SANCTION, "政务警告处分", OLD, False, False),
]


def _entries(actor) -> dict[str, WatchlistEntry]:
    for kind in Kind.values:
        rows = [
            {
                "name": f"名单{number}号",
                "id_number": make_id_number(dt.date(1970, 1, 1), number),
                "measure": measure,
                "decided_on": decided_on,
            }
            for number, (row_kind, measure, decided_on, *_) in enumerate(DEFAULTS)
            if row_kind == kind
        ]
        import_list(actor, rows, source=f"{kind}名单", kind=kind)
    return {entry.measure: entry for entry in WatchlistEntry.objects.select_related("source")}


def test_every_default_of_the_negative_list(district_reviewer):
    entries = _entries(district_reviewer)
    version = active_negative_list()
    for kind, measure, _decided_on, bars, removes in DEFAULTS:
        effect = entry_effect(entries[measure], version, TODAY)
        assert (entries[measure].source.kind, effect.bars, effect.removes) == (
            kind,
            bars,
            removes,
        ), measure


def _confirmed_on_cadre(actor, kind, measure, decided_on=None):
    person = cadre()
    import_list(
        actor,
        [{"name": person.name, "id_number": person.id_number, "measure": measure,
          "decided_on": decided_on}],
        source=f"{kind}{measure}",
        kind=kind,
    )  # fmt: skip
    run_inline()
    hit = Hit.objects.get(person=person)
    return review.hit_confirm(actor=actor, hit=hit, reason="系本人")


@pytest.mark.parametrize(
    ("kind", "measure", "decided_on", "opens"),
    [
        (Kind.OTHER_RECORD, "寻衅滋事被行政拘留", OLD, True),
        (Kind.GANG, "涉黑组织成员", OLD, True),
        (Kind.PARTY_DISCIPLINE, "党内严重警告", RECENT, False),
        (Kind.GOVERNMENT_SANCTION, "记过", OLD, True),
    ],
)
def test_a_confirmed_hit_on_a_serving_cadre_opens_a_removal_case_as_the_list_says(
    district_reviewer, kind, measure, decided_on, opens
):
    hit = _confirmed_on_cadre(district_reviewer, kind, measure, decided_on)
    case = RemovalCase.objects.filter(hit=hit).first()
    assert (case is not None) == opens
    if case:
        assert case.negative_list == active_negative_list()


@pytest.mark.parametrize(
    ("kind", "measure", "decided_on", "bars"),
    [
        (Kind.OTHER_RECORD, "盗窃被行政拘留", OLD, True),
        (Kind.PARTY_DISCIPLINE, "党内警告", RECENT, True),
        (Kind.PARTY_DISCIPLINE, "党内警告", OLD, False),
    ],
)
def test_a_confirmed_hit_on_a_candidate_bars_as_the_list_says(kind, measure, decided_on, bars):
    cast = Cast()
    data = person_data()
    import_list(
        cast.district_reviewer,
        [{**data, "measure": measure, "decided_on": decided_on}],
        source="名单",
        kind=kind,
    )
    case = cast.ready("confirm", **data)
    blockers = candidates.approval_blockers(case)
    named = [message for message in blockers if measure in message and "名单" in message]
    assert bool(named) == bars
    if not bars:
        candidates.case_approve(actor=cast.district_reviewer, case=case)
        case.refresh_from_db()
        assert case.negative_list == active_negative_list()


def _lines(version: NegativeList, **changes) -> list[dict]:
    """The version's lines as the service takes them, with ``changes`` per (kind, measure)."""
    return [
        {
            "kind": item.kind,
            "measure": item.measure,
            "bars_candidate": item.bars_candidate,
            "opens_removal": item.opens_removal,
            "within_years": item.within_years,
            **changes.get(f"{item.kind}:{item.measure}", {}),
        }
        for item in version.items.all()
    ]


def test_a_new_version_applies_to_new_decisions_old_ones_keep_theirs():
    cast = Cast()
    first = active_negative_list()
    earlier = cast.ready()
    candidates.case_approve(actor=cast.district_reviewer, case=earlier)
    data = person_data()
    import_list(
        cast.district_reviewer, [{**data, "measure": "赌博"}], source="其他", kind=Kind.OTHER_RECORD
    )
    barred = cast.ready("confirm", **data)
    assert candidates.approval_blockers(barred)
    second = rule_services.negative_list_replace(
        actor=cast.district_reviewer,
        items=_lines(first, **{"other_record:": {"bars_candidate": False}}),
        note="其他前科劣迹交区委研究",
    )
    first.refresh_from_db()
    assert (first.active, second.active, second.created_by) == (False, True, cast.district_reviewer)
    candidates.case_approve(actor=cast.district_reviewer, case=barred)
    barred.refresh_from_db()
    earlier.refresh_from_db()
    assert (barred.negative_list, earlier.negative_list) == (second, first)


def test_a_decision_keeps_its_version_after_a_change(district_reviewer):
    hit = _confirmed_on_cadre(district_reviewer, Kind.CRIMINAL, "拘役")
    first = active_negative_list()
    rule_services.negative_list_replace(actor=district_reviewer, items=_lines(first), note="复核")
    assert RemovalCase.objects.get(hit=hit).negative_list == first
    assert active_negative_list() != first


def test_bad_lines_are_refused_in_words(district_reviewer):
    first = active_negative_list()
    lines = _lines(first)
    with pytest.raises(ValidationError) as error:
        rule_services.negative_list_replace(actor=district_reviewer, items=[*lines, lines[0]])
    assert str(len(lines) + 1) in error.value.messages[0]  # the line is named
    assert active_negative_list() == first


@pytest.mark.parametrize(
    ("role", "department", "status"),
    [
        ("区级审核人", "", 200),
        ("系统管理员", "", 200),
        ("乡镇工作人员", "", 403),
        ("乡镇审核人", "", 403),
        ("联审部门", "police", 403),
    ],
)
def test_the_rules_pages_by_role(client, role, department, status):
    user = UserFactory(role=role, department=department, townships=["220502100"])
    client.force_login(user)
    for name in ("vetting:rules", "vetting:negative_list_edit", "vetting:eligibility_edit"):
        assert client.get(reverse(name)).status_code == status, name
    version = active_negative_list()
    assert (
        client.get(reverse("vetting:negative_list_version", args=[version.pk])).status_code
        == status
    )
    with pytest.raises(PermissionDenied) if status == 403 else _nothing():
        rule_services.negative_list_replace(actor=user, items=_lines(version))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_negative_list_page_saves_a_new_version(client, district_reviewer):
    first = active_negative_list()
    items = list(first.items.all())
    data = {
        "form-TOTAL_FORMS": str(len(items) + 1),
        "form-INITIAL_FORMS": str(len(items)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "note": "增加诫勉",
    }
    for number, item in enumerate(items):
        data |= {
            f"form-{number}-id": str(item.pk),
            f"form-{number}-kind": item.kind,
            f"form-{number}-measure": item.measure,
            f"form-{number}-within_years": item.within_years or "",
        }
        if item.bars_candidate:
            data[f"form-{number}-bars_candidate"] = "on"
        if item.opens_removal:
            data[f"form-{number}-opens_removal"] = "on"
    new = len(items)
    data |= {f"form-{new}-kind": Kind.PARTY_DISCIPLINE, f"form-{new}-measure": "诫勉"}
    client.force_login(district_reviewer)
    response = client.post(reverse("vetting:negative_list_edit"), data)
    assert response.status_code == 302
    second = active_negative_list()
    assert second != first
    assert second.items.count() == len(items) + 1
    line = second.items.get(measure="诫勉")
    assert (line.bars_candidate, line.opens_removal) == (False, False)
    assert first.items.count() == len(items)  # the old version is kept as it was
