import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.models import AccessLogEntry, Post
from cadres.records import services
from cadres.records.models import SecretaryFiling
from cadres.services import post_end
from tests.cadres_records.factories import other_village, pdf, secretary, serving_village
from tests.factories import PostFactory, VillageFactory
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def submit(user, village, number="东组备〔2026〕1号", **kwargs):
    kwargs.setdefault("documents", [pdf()])
    return services.secretary_filing_submit(
        actor=user, village=village, filing_number=number, filed_on=dt.date(2026, 1, 5), **kwargs
    )


def test_submit_stores_documents_and_district_confirms(staff, district_reviewer, settings):
    village = serving_village(secretary())
    filing = submit(staff, village)
    assert filing.status == SecretaryFiling.Status.SUBMITTED
    document = filing.documents.get()
    assert document.original_name == "任职批复.pdf"
    assert document.file.name == f"documents/{document.sha256[:2]}/{document.sha256}"
    assert "任职" not in document.file.name
    services.secretary_filing_decide(actor=district_reviewer, filing=filing, confirm=True)
    filing.refresh_from_db()
    assert filing.status == SecretaryFiling.Status.CONFIRMED
    assert filing.decided_by == district_reviewer
    assert filing.history.count() == 2


def test_return_needs_reason_and_allows_refiling(staff, district_reviewer):
    village = serving_village(secretary())
    filing = submit(staff, village)
    with pytest.raises(ValidationError) as error:
        services.secretary_filing_decide(actor=district_reviewer, filing=filing, confirm=False)
    assert "reason" in error.value.message_dict
    services.secretary_filing_decide(
        actor=district_reviewer, filing=filing, confirm=False, reason="缺少任职批复"
    )
    with pytest.raises(ValidationError):
        submit(staff, village, number="东组备〔2026〕1号")  # number taken
    again = submit(staff, village, number="东组备〔2026〕2号")
    assert again.post_id == filing.post_id


def test_bad_input_is_refused_with_nothing_written(staff):
    village = VillageFactory()
    with pytest.raises(ValidationError) as error:
        submit(staff, village)
    assert "village" in error.value.message_dict  # no secretary
    village = serving_village(secretary())
    with pytest.raises(ValidationError) as error:
        submit(staff, village, documents=[])
    assert "documents" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.secretary_filing_submit(
            actor=staff,
            village=village,
            filing_number="1",
            filed_on=dt.date(2020, 1, 1),
            documents=[pdf()],
        )
    assert "filed_on" in error.value.message_dict
    assert not SecretaryFiling.objects.exists()


def test_permissions(staff, other_staff, township_reviewer, district_reviewer):
    village = serving_village(secretary())
    with pytest.raises(PermissionDenied):
        submit(other_staff, village)
    with pytest.raises(PermissionDenied):
        submit(township_reviewer, village)
    filing = submit(staff, village)
    with pytest.raises(PermissionDenied):
        services.secretary_filing_decide(actor=staff, filing=filing, confirm=True)


def test_unfiled_list_counts_filing_of_current_secretary_only(client, staff, district_reviewer):
    filed = serving_village(secretary())
    submit(staff, filed)
    changed = serving_village(secretary())
    old_post = Post.objects.get(village=changed)
    submit(staff, changed, number="旧书记备案")
    # A secretary's post ends with the district's approval (see test_secretary_changes).
    post_end(
        actor=district_reviewer, post=old_post, ended_on=dt.date(2026, 3, 1), reason="resigned"
    )
    PostFactory(
        village=changed,
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.SECRETARY,
        term_start=dt.date(2026, 3, 2),
    )
    never = serving_village(secretary())
    client.force_login(staff)
    response = client.get(reverse("cadres:records:unfiled_list"))
    assert response.status_code == 200
    names = {village.name for village in response.context["rows"]}
    assert names == {changed.name, never.name}


def test_pages_are_scoped(client, staff, other_staff, department_user):
    village = serving_village(secretary())
    filing = submit(staff, village)
    client.force_login(staff)
    numbers = iter(range(100))

    def three_more():
        for _ in range(3):
            submit(staff, serving_village(secretary()), number=f"n{next(numbers)}")

    three_more()
    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:records:filing_list")), three_more
    )
    assert response.status_code == 200
    assert len(response.context["rows"]) == 7
    detail = reverse("cadres:records:filing_detail", args=[filing.pk])
    assert client.get(detail).status_code == 200
    document = reverse("cadres:records:filing_document", args=[filing.documents.get().pk])
    response = client.get(document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DOWNLOAD).count() == 1
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    assert client.get(document).status_code == 404
    assert client.get(reverse("cadres:records:filing_list")).context["rows"].__len__() == 0
    client.force_login(department_user)
    assert client.get(reverse("cadres:records:filing_list")).status_code == 403
    assert client.get(reverse("cadres:records:filing_create")).status_code == 403


def test_create_page_shows_chinese_errors_and_submits(client, staff):
    village = serving_village(secretary())
    client.force_login(staff)
    url = reverse("cadres:records:filing_create")
    response = client.post(url, {"village": village.pk, "filing_number": "", "filed_on": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"filing_number", "filed_on", "documents"}
    response = client.post(
        url,
        {
            "village": village.pk,
            "filing_number": "A-1",
            "filed_on": "2026-01-05",
            "documents": [pdf(), pdf("名单.docx", b"docx")],
        },
    )
    filing = SecretaryFiling.objects.get()
    assert response.status_code == 302
    assert filing.documents.count() == 2
    response = client.post(
        url,
        {
            "village": other_village().pk,
            "filing_number": "A-2",
            "filed_on": "2026-01-05",
            "documents": [pdf()],
        },
    )
    assert "village" in response.context["form"].errors


def test_district_decides_on_the_page_and_export(client, staff, district_reviewer):
    filing = submit(staff, serving_village(secretary()))
    client.force_login(district_reviewer)
    url = reverse("cadres:records:filing_detail", args=[filing.pk])
    client.post(url, {"decision": "return", "reason": ""})
    filing.refresh_from_db()
    assert filing.status == SecretaryFiling.Status.SUBMITTED
    client.post(url, {"decision": "return", "reason": "材料不全"})
    filing.refresh_from_db()
    assert filing.status == SecretaryFiling.Status.RETURNED
    response = client.get(reverse("cadres:records:filing_list") + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_unfiled_list_filters_by_village(client, staff):
    """Issue 20 finding 6: the village filter gave the queryset an object for a pk (500)."""
    chosen = serving_village(secretary())
    serving_village(secretary())
    client.force_login(staff)
    response = client.get(reverse("cadres:records:unfiled_list"), {"village": chosen.pk})
    assert response.status_code == 200
    assert [village.pk for village in response.context["rows"]] == [chosen.pk]
