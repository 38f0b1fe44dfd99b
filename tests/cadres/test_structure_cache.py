"""Today's team structure is kept for FIGURES_CACHE_SECONDS for those who see the same
townships (cadres.structure.team_structure); a past day and a new targets version are
counted at once, and the township check runs before anything is read from the cache."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadres.structure import structure_targets_replace, team_structure
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import PostFactory, VillageFactory, cadre, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    jinchang = VillageFactory(township=township(JINCHANG))
    huantong = VillageFactory(township=township(HUANTONG))
    cadre(jinchang)
    cadre(huantong)
    return jinchang, huantong


def test_todays_figures_are_kept_until_the_targets_change(figures_kept, places, district_reviewer):
    jinchang, _huantong = places
    today = timezone.localdate()
    first = team_structure(district_reviewer, today)
    assert first.total.count("people") == 2
    cadre(jinchang)
    with CaptureQueriesContext(connection) as reading:
        again = team_structure(district_reviewer, today)
    # The user's townships and the targets in force; no pass over the posts.
    assert len(reading) == 2
    assert (again.total.count("people"), again.computed_at) == (2, first.computed_at)
    structure_targets_replace(actor=district_reviewer, note="新目标", women_share_min=30)
    assert team_structure(district_reviewer, today).total.count("people") == 3


def test_a_past_day_is_counted_each_time(figures_kept, places, district_reviewer):
    jinchang, _huantong = places
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert team_structure(district_reviewer, yesterday).recount_minutes == 0
    PostFactory(village=jinchang, term_start=yesterday - dt.timedelta(days=30))
    # The two cadres of the fixture started on the factory's default day, before yesterday.
    assert team_structure(district_reviewer, yesterday).total.count("people") == 3


def test_a_township_keeps_its_own_figures_and_is_checked_before_the_cache(
    figures_kept, places, district_reviewer, staff
):
    today = timezone.localdate()
    team_structure(district_reviewer, today)
    team_structure(district_reviewer, today, township(HUANTONG))
    mine = team_structure(staff, today)
    assert [row.name for row in mine.rows] == ["金厂镇"]
    assert mine.total.count("people") == 1
    with pytest.raises(PermissionDenied):
        team_structure(staff, today, township(HUANTONG))


def test_the_pages_say_when_the_figures_were_counted(
    figures_kept, places, client, district_reviewer
):
    client.force_login(district_reviewer)
    page = client.get(reverse("cadres:structure")).content.decode()
    counted = team_structure(district_reviewer, timezone.localdate()).computed_at
    assert f"统计于 {timezone.localtime(counted):%H:%M}" in page
    assert "每 5 分钟重新统计" in page


def test_counted_on_each_request_the_pages_say_nothing_of_it(places, client, district_reviewer):
    client.force_login(district_reviewer)
    assert "重新统计" not in client.get(reverse("cadres:structure")).content.decode()
