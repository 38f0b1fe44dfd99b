"""The access log page (issue 21, issue 20's last verification): entries in words for the
district's administering roles, filters, the logged export, and the verification panel."""

import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from cadres.access_log import AccessLogBroken
from cadres.filters import PersonFilter
from cadres.identity import mask_id_number
from cadres.models import AccessLogEntry, AccessLogVerification, Job, Person, Relative
from cadres.services import access_log_append
from cadres.tasks import access_log_checkpoint
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import RelativeFactory, UserFactory, VillageFactory, cadre, township
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db

PAGE = reverse("cadres:access_log")
VERIFY = reverse("cadres:access_log_verify")


def reveal(user, obj):
    return access_log_append(user=user, action=AccessLogEntry.Action.REVEAL_ID, obj=obj)


def rows(response):
    return list(response.context["entries"])


@pytest.fixture
def viewer(client, district_reviewer):
    client.force_login(district_reviewer)
    return client


def test_entries_are_shown_in_words_newest_first_masked_and_linked(viewer, township_reviewer):
    person = cadre()
    relative = RelativeFactory(cadre=person)
    first = reveal(township_reviewer, person)
    second = reveal(township_reviewer, relative)
    response = viewer.get(PAGE)
    page = response.content.decode()
    assert [e.pk for e in rows(response)] == [second.pk, first.pk]
    assert person.id_number not in page
    assert relative.id_number not in page
    assert mask_id_number(person.id_number) in page
    assert mask_id_number(relative.id_number) in page
    # The relative's entry links to the cadre's profile: the relative has none.
    assert page.count(reverse("cadres:detail", args=[person.pk])) == 2
    # Kinds of object in words, not model labels.
    assert "cadres.Person" not in page
    assert "cadres.Relative" not in page
    described = {e.pk: e.described for e in rows(response)}
    assert (described[first.pk].kind, described[first.pk].text) == (
        str(Person._meta.verbose_name),
        person.name,
    )
    assert described[second.pk].kind == str(Relative._meta.verbose_name)
    assert str(AccessLogEntry.Action.REVEAL_ID.label) in page


def test_a_hit_is_shown_by_its_subject_and_its_kind_in_words(viewer, district_reviewer):
    from tests.vetting.test_review import hit_on

    person = cadre()
    hit = hit_on(district_reviewer, person, kind="gang")
    access_log_append(user=district_reviewer, action=AccessLogEntry.Action.VIEW_HITS, obj=hit)
    page = viewer.get(PAGE).content.decode()
    assert "vetting.Hit" not in page
    assert str(hit._meta.verbose_name) in page
    assert mask_id_number(person.id_number) in page
    assert reverse("cadres:detail", args=[person.pk]) in page


def test_an_export_is_shown_with_its_filter_in_words(client, viewer, staff):
    jinchang = township(JINCHANG)
    client.force_login(staff)
    client.get(reverse("cadres:list"), {"township": jinchang.pk, "format": "xlsx"})
    entry = AccessLogEntry.objects.get()
    assert "filterset: cadres.filters.PersonFilter" in entry.detail
    viewer.force_login(UserFactory(role="区级审核人"))
    response = viewer.get(PAGE)
    described = rows(response)[0].described
    assert (str(PersonFilter.base_filters["township"].label), jinchang.name) in (
        described.parameters
    )
    assert "township=" not in response.content.decode()


def test_a_lists_sort_is_shown_in_words_not_as_its_key(viewer, staff):
    reveal(staff, cadre())
    viewer.get(PAGE, {"sort": "-at", "format": "xlsx"})
    viewer.get(PAGE, {"sort": "at", "format": "xlsx"})
    descending, ascending = AccessLogEntry.objects.filter(action="export").order_by("pk")
    assert "sorted: 时间（降序）" in descending.detail
    described = {e.pk: e.described.parameters for e in rows(viewer.get(PAGE))}
    assert described[descending.pk] == [("排序", "时间（降序）")]
    assert described[ascending.pk] == [("排序", "时间")]


def test_a_sort_of_the_filtersets_own_is_shown_by_its_choice(client, viewer, staff):
    client.force_login(staff)
    client.get(reverse("cadres:list"), {"sort": "-birth", "format": "xlsx"})
    entry = AccessLogEntry.objects.get(action="export")
    assert "sorted: " not in entry.detail  # the register's sort is its filterset's
    viewer.force_login(UserFactory(role="区级审核人"))
    shown = next(e for e in rows(viewer.get(PAGE)) if e.pk == entry.pk)
    ((label, value),) = shown.described.parameters
    assert label == str(PersonFilter.base_filters["sort"].label)
    assert "出生日期" in value
    assert "birth" not in value


def test_an_unknown_sort_or_an_entry_logged_before_sorts_had_words_shows_the_key(
    viewer, staff, access_log_tamperable
):
    viewer.get(PAGE, {"sort": "nonsense", "format": "xlsx"})
    entry = AccessLogEntry.objects.get(action="export")
    assert "sorted: " not in entry.detail
    described = next(e for e in rows(viewer.get(PAGE)) if e.pk == entry.pk).described
    assert described.parameters == [("排序", "nonsense")]


def test_the_date_filters_two_ends_stand_on_one_line(viewer):
    page = viewer.get(PAGE).text
    start = page.index('<span class="range">')
    end = page.index("</span>", page.index('name="at_before"'))
    assert 'name="at_after"' in page[start:end]
    assert 'type="date"' in page[start:end]
    assert ".range { display: inline-flex;" in (
        (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    )


def test_filters_by_user_action_date_and_township(
    viewer, staff, other_staff, access_log_tamperable
):
    jinchang_person = cadre()
    huantong_person = cadre(VillageFactory(township=township(HUANTONG)))
    about_jinchang = reveal(other_staff, jinchang_person)
    about_huantong = reveal(other_staff, huantong_person)
    by_jinchang_staff = access_log_append(user=staff, action=AccessLogEntry.Action.EXPORT)
    old = reveal(staff, jinchang_person)
    # Dated back as the table's owner could: the page filters, it does not verify.
    AccessLogEntry.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=10))

    def shown(**query):
        return {e.pk for e in rows(viewer.get(PAGE, query))}

    assert shown(user=staff.pk) == {by_jinchang_staff.pk, old.pk}
    assert shown(action="export") == {by_jinchang_staff.pk}
    assert shown(township=township(JINCHANG).pk) == {
        about_jinchang.pk,
        by_jinchang_staff.pk,
        old.pk,
    }
    assert about_huantong.pk in shown(township=township(HUANTONG).pk)
    today = timezone.localdate()
    assert old.pk not in shown(at_after=today.isoformat(), at_before=today.isoformat())
    assert len(shown(at_after=today.isoformat(), at_before=today.isoformat())) == 3
    assert shown(at_before=(today - dt.timedelta(days=5)).isoformat()) == {old.pk}


def test_the_export_is_the_pages_and_is_logged(viewer, district_reviewer, township_reviewer):
    person = cadre()
    reveal(township_reviewer, person)
    response = viewer.get(PAGE, {"action": "reveal_id", "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert person.name in values[1]
    assert mask_id_number(person.id_number) in values[1]
    assert person.id_number not in str(values)
    logged = AccessLogEntry.objects.order_by("-pk").first()
    assert (logged.user, logged.action) == (district_reviewer, AccessLogEntry.Action.EXPORT)
    assert "cadres.filters.AccessLogFilter" in logged.detail


def test_query_count_is_flat(viewer, township_reviewer):
    def add():
        person = cadre()
        reveal(township_reviewer, person)
        reveal(township_reviewer, RelativeFactory(cadre=person))
        access_log_append(
            user=township_reviewer,
            action=AccessLogEntry.Action.EXPORT,
            detail="a.xlsx, 1 rows, filterset: cadres.filters.PersonFilter, "
            f"filter: township={township(JINCHANG).pk}",
        )

    for _i in range(3):
        add()

    def grow():
        for _i in range(4):
            add()

    assert_queries_flat(lambda: viewer.get(PAGE), grow)


def verify_now(client):
    response = client.post(VERIFY)
    assert response.status_code == 302
    run_queued_jobs()
    return client.get(PAGE)


def test_the_panel_shows_an_intact_verification_then_a_broken_one_in_red(
    viewer, township_reviewer, access_log_tamperable
):
    assert "访问日志尚未核验" in viewer.get(PAGE).content.decode()
    entries = [reveal(township_reviewer, cadre()) for _i in range(3)]
    page = verify_now(viewer).content.decode()
    verification = AccessLogVerification.objects.get()
    assert verification.intact
    assert verification.entry_count == 3
    assert verification.head_hash == entries[-1].hash
    assert verification.head_hash in page
    assert "完好" in page
    assert 'class="card bad"' not in page
    AccessLogEntry.objects.filter(pk=entries[1].pk).update(detail="forged")
    response = verify_now(viewer)
    page = response.content.decode()
    last = AccessLogVerification.objects.order_by("-pk").first()
    assert not last.intact
    assert f"第 {entries[1].pk} " in last.reason
    assert "被修改过" in last.reason
    assert 'class="card bad"' in page
    assert last.reason in page
    assert Job.objects.order_by("-pk").first().state == Job.State.FAILED


def test_a_second_request_while_one_runs_starts_no_second_job(viewer):
    viewer.post(VERIFY)
    viewer.post(VERIFY)
    assert Job.objects.filter(kind="access_log_verify").count() == 1
    assert (
        reverse("cadres:job_detail", args=[Job.objects.get().pk])
        in viewer.get(PAGE).content.decode()
    )


def test_the_command_records_its_verification_and_stays_in_english(staff, access_log_tamperable):
    entry = reveal(staff, cadre())
    AccessLogEntry.objects.filter(pk=entry.pk).update(detail="forged")
    with pytest.raises(CommandError, match="was edited"):
        call_command("verify_access_log")
    assert "被修改过" in AccessLogVerification.objects.get().reason


@pytest.mark.parametrize("role", ["乡镇工作人员", "乡镇审核人", "联审部门"])
def test_other_roles_get_403(client, role):
    client.force_login(UserFactory(role=role, townships=[JINCHANG]))
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE, {"format": "xlsx"}).status_code == 403
    assert client.post(VERIFY).status_code == 403
    assert not Job.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_the_system_administrator_sees_it_and_the_navigation_shows_it(client, system_admin):
    client.force_login(system_admin)
    assert client.get(PAGE).status_code == 200
    assert PAGE in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory(role="乡镇工作人员", townships=[JINCHANG]))
    assert PAGE not in client.get(reverse("home")).content.decode()


def test_the_hourly_verification_is_recorded_and_shown_broken(viewer, staff, access_log_tamperable):
    entry = reveal(staff, cadre())
    AccessLogEntry.objects.filter(pk=entry.pk).update(detail="forged")
    with pytest.raises(AccessLogBroken, match="was edited"):
        access_log_checkpoint()
    verification = AccessLogVerification.objects.get()
    assert verification.requested_by is None
    page = viewer.get(PAGE).content.decode()
    assert 'class="card bad"' in page
    assert verification.reason in page
