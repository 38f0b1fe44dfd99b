"""Review of hits: who may decide, removal cases (清退) and strict control (从严掌控)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres.models import Post
from tests.factories import RelativeFactory, UserFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline
from vetting.models import Hit, RemovalCase, WatchlistSource
from vetting.services import removal, review

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1979, 9, 9)


def hit_on(actor, person_or_relative, *, kind, measure="", source=None):
    import_list(
        actor,
        [
            {
                "name": person_or_relative.name,
                "id_number": person_or_relative.id_number,
                "measure": measure,
            }
        ],
        kind=kind,
        source=source or f"{kind}名单",
    )
    run_inline()
    return Hit.objects.get(entry__source__kind=kind)


def test_confirming_a_disqualifying_hit_opens_a_removal_case_and_removal_ends_posts(
    district_reviewer,
):
    person = cadre(name="马刚", id_number=make_id_number(BIRTH, 40))
    hit = hit_on(
        district_reviewer, person, kind=WatchlistSource.Kind.CRIMINAL, measure="有期徒刑三年"
    )
    review.hit_confirm(actor=district_reviewer, hit=hit, reason="身份证号一致，系本人")
    case = RemovalCase.objects.get(hit=hit)
    assert case.status == RemovalCase.Status.OPEN
    # Separation of duties: whoever confirmed the hit does not decide the removal.
    with pytest.raises(PermissionDenied, match="您确认命中或处置案件而启动此清退案"):
        removal.removal_case_decide(
            actor=district_reviewer, case=case, remove=True, reason="依规清退"
        )
    assert RemovalCase.objects.get(hit=hit).status == RemovalCase.Status.OPEN
    district_reviewer = UserFactory(role="区级审核人")
    removal.removal_case_decide(actor=district_reviewer, case=case, remove=True, reason="依规清退")
    post = Post.objects.get(person=person)
    assert post.end_reason == Post.EndReason.REMOVED
    assert post.ended_on == dt.date.today()
    case.refresh_from_db()
    assert case.status == RemovalCase.Status.REMOVED
    with pytest.raises(ValidationError):
        removal.removal_case_decide(actor=district_reviewer, case=case, remove=False, reason="再议")


def test_mild_party_discipline_opens_no_case(district_reviewer):
    person = cadre(name="罗明", id_number=make_id_number(BIRTH, 41))
    hit = hit_on(
        district_reviewer, person, kind=WatchlistSource.Kind.PARTY_DISCIPLINE, measure="党内警告"
    )
    review.hit_confirm(actor=district_reviewer, hit=hit, reason="属实")
    assert not RemovalCase.objects.exists()


def test_confirming_a_gang_hit_on_a_relative_puts_the_cadre_under_strict_control(
    district_reviewer,
):
    person = cadre(name="高强", id_number=make_id_number(BIRTH, 42))
    relative = RelativeFactory(cadre=person, name="高大勇", id_number=make_id_number(BIRTH, 43))
    hit = hit_on(
        district_reviewer, relative, kind=WatchlistSource.Kind.GANG, measure="涉恶团伙成员"
    )
    review.hit_confirm(actor=district_reviewer, hit=hit, reason="系其兄弟")
    person.refresh_from_db()
    assert person.strict_control_since == dt.date.today()
    assert person.strict_control_review_on > person.strict_control_since
    assert "高大勇" in person.strict_control_reason
    assert person.strict_control_source == "hit"
    event = person.strict_control_events.get()
    assert (event.action, event.actor, event.source) == ("set", district_reviewer, "hit")
    assert not RemovalCase.objects.exists()


def test_reason_is_required_and_a_hit_is_decided_once(district_reviewer):
    person = cadre(name="郑洁", id_number=make_id_number(BIRTH, 44, male=False))
    hit = hit_on(district_reviewer, person, kind=WatchlistSource.Kind.OTHER_RECORD)
    with pytest.raises(ValidationError):
        review.hit_dismiss(actor=district_reviewer, hit=hit, reason="  ")
    review.hit_dismiss(actor=district_reviewer, hit=hit, reason="重名")
    with pytest.raises(ValidationError):
        review.hit_confirm(actor=district_reviewer, hit=hit, reason="属实")


@pytest.mark.parametrize("role", ["staff", "township_reviewer", "department_user"])
def test_only_district_reviewers_decide(role, request, district_reviewer):
    person = cadre(name="谢军", id_number=make_id_number(BIRTH, 45))
    hit = hit_on(district_reviewer, person, kind=WatchlistSource.Kind.CRIMINAL)
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        review.hit_confirm(actor=actor, hit=hit, reason="属实")
    with pytest.raises(PermissionDenied):
        review.hits_dismiss_bulk(actor=actor, hit_ids=[hit.pk], reason="误报")


def test_bulk_dismiss_skips_reviewed_hits(district_reviewer):
    people = [
        cadre(name=name, id_number=make_id_number(BIRTH, 50 + n))
        for n, name in enumerate(["宋宝", "唐诗", "韩梅"])
    ]
    import_list(
        district_reviewer,
        [{"name": p.name, "id_number": p.id_number} for p in people],
        kind=WatchlistSource.Kind.CRIMINAL,
        source="刑事名单",
    )
    run_inline()
    first, *rest = Hit.objects.order_by("pk")
    review.hit_confirm(actor=district_reviewer, hit=first, reason="属实")
    count = review.hits_dismiss_bulk(
        actor=district_reviewer, hit_ids=[h.pk for h in [first, *rest]], reason="误报"
    )
    assert count == 2
    assert Hit.objects.filter(status="dismissed").count() == 2
    assert Hit.objects.get(pk=first.pk).status == "confirmed"
