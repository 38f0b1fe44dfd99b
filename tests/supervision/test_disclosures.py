import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cadres.models import Village
from supervision import selectors, services
from supervision.models import Disclosure, DisclosureSchedule
from tests.querycount import assert_queries_flat
from tests.supervision.factories import DisclosureFactory

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("公开栏.html", buffer.getvalue(), content_type="text/html")


def shanghai(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=SHANGHAI), tick=False)


def overdue(village, **kwargs):
    return {
        (row.kind, row.period_start)
        for row in selectors.overdue_disclosures(Village.objects.filter(pk=village.pk), **kwargs)
    }


def test_disclosure_is_filed_under_its_period_with_a_checked_photo(staff, village):
    with shanghai(2026, 5, 20, 10):
        disclosure = services.disclosure_create(
            actor=staff,
            village=village,
            kind="party",
            period_day=dt.date(2026, 5, 20),
            content="党员发展情况",
            published_on=dt.date(2026, 5, 8),
            channel=Disclosure.Channel.BOTH,
            photo=png(),
        )
    assert disclosure.period_start == dt.date(2026, 4, 1)  # second quarter
    assert disclosure.photo.name.endswith(".png")


def test_a_file_that_is_not_an_image_is_refused(staff, village):
    with pytest.raises(ValidationError) as error:
        services.disclosure_create(
            actor=staff,
            village=village,
            kind="finance",
            period_day=dt.date(2026, 3, 1),
            content="x",
            published_on=dt.date(2026, 3, 5),
            channel=Disclosure.Channel.ONLINE,
            photo=SimpleUploadedFile("photo.jpg", b"not an image at all"),
        )
    assert "photo" in error.value.message_dict
    assert not Disclosure.objects.exists()


def test_other_township_may_not_disclose_or_verify(other_staff, village, district_reviewer):
    with pytest.raises(PermissionDenied):
        services.disclosure_create(
            actor=other_staff,
            village=village,
            kind="finance",
            period_day=dt.date(2026, 3, 1),
            content="x",
            published_on=dt.date(2026, 3, 5),
            channel=Disclosure.Channel.ONLINE,
        )
    disclosure = DisclosureFactory(village=village)
    for user in (other_staff, district_reviewer):
        with pytest.raises(PermissionDenied):
            services.disclosure_verify(actor=user, disclosure=disclosure)


def test_verify_records_who_and_when(staff, village):
    disclosure = DisclosureFactory(village=village)
    with shanghai(2026, 3, 12, 8):
        services.disclosure_verify(actor=staff, disclosure=disclosure)
    disclosure.refresh_from_db()
    assert (disclosure.verified_by, disclosure.verified_on) == (staff, dt.date(2026, 3, 12))


def test_monthly_finance_overdue_after_the_tenth_in_shanghai(village):
    # 10 March is the last day in time; 16:00 UTC on 10 March is 00:00 on 11 March in Shanghai.
    with time_machine.travel(dt.datetime(2026, 3, 10, 15, 59, tzinfo=dt.UTC), tick=False):
        assert overdue(village, kind="finance") == set()
    with time_machine.travel(dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC), tick=False):
        assert overdue(village, kind="finance") == {("finance", dt.date(2026, 3, 1))}
    DisclosureFactory(village=village, kind="finance", period_start=dt.date(2026, 3, 1))
    with shanghai(2026, 3, 31, 23, 59):
        assert overdue(village, kind="finance") == set()
    # A new month: February's disclosure does not count for March... nor March's for April.
    with shanghai(2026, 4, 11, 0, 0):
        assert overdue(village, kind="finance") == {("finance", dt.date(2026, 4, 1))}


def test_quarterly_overdue_across_the_quarter_boundary(village):
    DisclosureFactory(village=village, kind="party", period_start=dt.date(2026, 1, 1))
    with shanghai(2026, 3, 31, 23, 59):
        assert overdue(village, kind="party") == set()
    with shanghai(2026, 4, 10, 23, 59):
        assert overdue(village, kind="party") == set()  # still in time
    with shanghai(2026, 4, 11, 0, 0):
        assert overdue(village, kind="party") == {("party", dt.date(2026, 4, 1))}
    with shanghai(2026, 6, 30, 12):
        assert overdue(village) == {
            ("party", dt.date(2026, 4, 1)),
            ("village", dt.date(2026, 4, 1)),
            ("finance", dt.date(2026, 6, 1)),
        }


def test_a_village_ended_by_a_merger_owes_no_disclosure_after_it(village):
    village.valid_to = dt.date(2026, 5, 31)
    village.save()
    with shanghai(2026, 5, 31, 12):
        assert ("finance", dt.date(2026, 5, 1)) in overdue(village)
    with shanghai(2026, 6, 30, 12):
        assert overdue(village) == set()
        assert selectors.overdue_disclosure_counts(Village.objects.filter(pk=village.pk)) == {}


def test_the_counts_per_township_are_the_list_counted(village):
    from tests.factories import VillageFactory, township

    other = VillageFactory(township=township("220502200"))
    villages = Village.objects.filter(pk__in=[village.pk, other.pk])
    with shanghai(2026, 6, 30, 12):
        listed: dict[str, int] = {}
        for row in selectors.overdue_disclosures(villages):
            listed[row.village.township.name] = listed.get(row.village.township.name, 0) + 1
        assert (
            selectors.overdue_disclosure_counts(villages)
            == listed
            == {
                village.township.name: 3,
                other.township.name: 3,
            }
        )


def test_the_district_changes_the_schedule(district_reviewer, staff, village):
    services.disclosure_schedule_set(
        actor=district_reviewer, kind="village", period="monthly", grace_days=5
    )
    assert DisclosureSchedule.objects.get(kind="village").period == "monthly"
    with shanghai(2026, 5, 6, 9):
        assert ("village", dt.date(2026, 5, 1)) in overdue(village)
    with pytest.raises(PermissionDenied):
        services.disclosure_schedule_set(
            actor=staff, kind="village", period="monthly", grace_days=5
        )


def test_overdue_query_count_does_not_grow_with_villages(staff):
    from tests.factories import VillageFactory, township

    def add_villages():
        for _ in range(6):
            VillageFactory(township=township("220502100"))

    add_villages()
    villages = Village.objects.filter(township__code="220502100")

    def overdue_townships():
        return {row.village.township.name for row in selectors.overdue_disclosures(villages)}

    with shanghai(2026, 6, 30, 12):
        assert assert_queries_flat(overdue_townships, add_villages) == {"金厂镇"}


def test_whoever_recorded_a_disclosure_does_not_verify_it(staff, village, township_reviewer):
    disclosure = DisclosureFactory(village=village, recorded_by=staff)
    with pytest.raises(PermissionDenied, match="您登记了此公开"):
        services.disclosure_verify(actor=staff, disclosure=disclosure)
    services.disclosure_verify(actor=township_reviewer, disclosure=disclosure)
    disclosure.refresh_from_db()
    assert disclosure.verified_by == township_reviewer
