"""A misconduct case disposed of with removal (罢免/撤职/清退) opens one removal case, which the
district decides on the removal pages; deciding removal ends the cadre's posts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cadres.models import Post
from supervision import services
from supervision.models import MisconductCase
from tests.factories import PostFactory, UserFactory
from vetting.models import RemovalCase
from vetting.services import removal

pytestmark = pytest.mark.django_db

Disposition = MisconductCase.Disposition
OTHERS = [d for d in Disposition.values if d not in MisconductCase.REMOVAL_DISPOSITIONS]


def colleague(actor, post):
    """Who opens the case for ``actor``: another clerk of the post's township, so that
    ``actor`` may dispose of it, refer it and close it (separation of duties)."""
    return UserFactory(role="乡镇工作人员", townships=[post.village.township.code])


def open_case(actor, post) -> MisconductCase:
    return services.case_open(
        actor=colleague(actor, post),
        person=post.person,
        village=post.village,
        occurred_on=dt.date(2026, 3, 1),
        facts="挪用集体资金五万元",
        category=MisconductCase.Category.FINANCE,
        source=MisconductCase.Source.COMPLAINT,
    )


def dispose(actor, case, disposition, on=dt.date(2026, 4, 1)):
    return services.case_dispose(actor=actor, case=case, disposition=disposition, disposed_on=on)


def test_removal_dispositions_cover_recall_dismissal_and_removal():
    assert set(MisconductCase.REMOVAL_DISPOSITIONS) == {"removal", "dismissal"}


@pytest.mark.parametrize("disposition", MisconductCase.REMOVAL_DISPOSITIONS)
def test_a_removal_disposition_opens_exactly_one_removal_case(staff, cadre_post, disposition):
    case = open_case(staff, cadre_post)
    dispose(staff, case, disposition)
    # Disposed of again (a corrected date, then the other removal measure): still one case.
    dispose(staff, case, disposition, on=dt.date(2026, 4, 2))
    dispose(staff, case, Disposition.REMOVAL)
    removal_case = RemovalCase.objects.get()
    assert removal_case.source == RemovalCase.Source.MISCONDUCT
    assert removal_case.hit is None
    assert removal_case.misconduct_case_id == case.pk
    assert removal_case.misconduct_case_label == str(case)
    assert "挪用集体资金五万元" in removal_case.reason
    assert removal_case.person == cadre_post.person
    assert removal_case.township == cadre_post.village.township
    assert removal_case.opened_by == staff
    assert removal_case.status == RemovalCase.Status.OPEN


@pytest.mark.parametrize("disposition", OTHERS)
def test_other_dispositions_open_no_removal_case(staff, cadre_post, disposition):
    dispose(staff, open_case(staff, cadre_post), disposition)
    assert not RemovalCase.objects.exists()


def test_a_cadre_who_no_longer_serves_gets_no_removal_case(staff, cadre_post):
    case = open_case(staff, cadre_post)
    Post.objects.filter(pk=cadre_post.pk).update(
        ended_on=dt.date(2026, 3, 15), end_reason=Post.EndReason.RESIGNED
    )
    dispose(staff, case, Disposition.DISMISSAL)
    assert not RemovalCase.objects.exists()


def test_a_refused_disposition_opens_nothing(staff, cadre_post):
    case = open_case(staff, cadre_post)
    with pytest.raises(ValidationError, match="disposed_on"):  # it predates the facts
        dispose(staff, case, Disposition.REMOVAL, on=dt.date(2026, 2, 1))
    assert not RemovalCase.objects.exists()


def test_the_district_decides_and_every_post_ends(staff, district_reviewer, cadre_post):
    second = PostFactory(person=cadre_post.person, body="party_branch", title="member")
    dispose(staff, open_case(staff, cadre_post), Disposition.REMOVAL)
    removal_case = RemovalCase.objects.get()
    removal.removal_case_decide(
        actor=district_reviewer, case=removal_case, remove=True, reason="经研究，依规罢免"
    )
    for post in (cadre_post, second):
        post.refresh_from_db()
        assert post.end_reason == Post.EndReason.REMOVED
        assert post.end_note == "经研究，依规罢免"
    removal_case.refresh_from_db()
    assert removal_case.status == RemovalCase.Status.REMOVED


def test_pages_show_the_source_and_link_the_misconduct_case(
    client, staff, other_staff, district_reviewer, cadre_post
):
    case = open_case(staff, cadre_post)
    client.force_login(staff)
    response = client.post(
        reverse("supervision:case_action", args=[case.pk, "dispose"]),
        {"dispose-disposition": "dismissal", "dispose-disposed_on": "2026-04-01"},
    )
    assert response.status_code == 302
    removal_case = RemovalCase.objects.get()
    case_url = reverse("supervision:case_detail", args=[case.pk])
    detail = reverse("vetting:removal_detail", args=[removal_case.pk])
    assert case_url in client.get(reverse("vetting:removal_list")).content.decode()
    assert case_url in client.get(detail).content.decode()

    client.force_login(other_staff)
    assert client.get(detail).status_code == 404

    client.force_login(district_reviewer)
    response = client.post(detail, {"remove": "remove", "reason": "依规撤职"})
    assert response.status_code == 302
    cadre_post.refresh_from_db()
    assert cadre_post.end_reason == Post.EndReason.REMOVED


def test_the_database_requires_each_source_to_be_identified(staff, cadre_post):
    with pytest.raises(IntegrityError), transaction.atomic():
        RemovalCase.objects.create(
            source=RemovalCase.Source.HIT, person=cadre_post.person, opened_by=staff
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RemovalCase.objects.create(
            source=RemovalCase.Source.MISCONDUCT, person=cadre_post.person, opened_by=staff
        )
