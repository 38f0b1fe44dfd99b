"""An ID number held outside the user's townships (issue 20 finding 10): refused in words
that reveal nothing of its holder, and shown to the district."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadres import services
from cadres.identity import mask_id_number
from cadres.models import IdNumberConflict, Person
from cadres.roster import roster_import
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import VillageFactory, cadre, township

pytestmark = pytest.mark.django_db

REFUSAL = "该身份证号无法在此使用"


@pytest.fixture
def elsewhere():
    """A cadre of 环通乡, outside the 金厂镇 staff's townships."""
    return cadre(VillageFactory(township=township("220502200")), name="欧阳远")


def test_editing_in_another_townships_number_reveals_nothing_and_is_recorded(
    client, staff, elsewhere
):
    mine = cadre()
    client.force_login(staff)
    response = client.post(
        reverse("cadres:edit", args=[mine.pk]),
        {"name": mine.name, "id_number": elsewhere.id_number, "ethnicity": "01"},
    )
    (message,) = response.context["form"].errors["id_number"]
    assert REFUSAL in message
    page = response.content.decode()
    for revealing in ("已登记", elsewhere.name, "环通乡"):
        assert revealing not in page
    assert Person.objects.get(pk=mine.pk).id_number == mine.id_number
    conflict = IdNumberConflict.objects.get()
    assert (conflict.person, conflict.tried_by) == (elsewhere, staff)
    assert (conflict.tried_in.code, conflict.held_in.code) == ("220502100", "220502200")
    assert conflict.source == IdNumberConflict.Source.FORM


def test_trying_again_moves_the_one_record_on(staff, elsewhere):
    mine = cadre()
    for _attempt in range(2):
        with pytest.raises(ValidationError, match=REFUSAL):
            services.person_update(actor=staff, person=mine, id_number=elsewhere.id_number)
    assert IdNumberConflict.objects.count() == 1


def test_registering_with_another_townships_number_is_refused_and_recorded(staff, elsewhere):
    village = VillageFactory(township=township("220502100"))
    with pytest.raises(ValidationError, match=REFUSAL):
        services.person_create(
            actor=staff, name="李新", id_number=elsewhere.id_number, home_village=village
        )
    assert Person.objects.count() == 1
    assert IdNumberConflict.objects.get().tried_in.code == "220502100"


def test_a_number_of_the_own_township_still_says_it_is_registered(staff):
    first, second = cadre(), cadre()
    with pytest.raises(ValidationError, match="该身份证号已登记"):
        services.person_update(actor=staff, person=second, id_number=first.id_number)
    assert not IdNumberConflict.objects.exists()


def test_a_district_reviewer_is_told_it_is_registered(district_reviewer, elsewhere):
    """The district sees every township: nothing to hide, nothing to report."""
    village = VillageFactory(township=township("220502100"))
    with pytest.raises(ValidationError, match="该身份证号已登记"):
        services.person_create(
            actor=district_reviewer,
            name="李新",
            id_number=elsewhere.id_number,
            home_village=village,
        )
    assert not IdNumberConflict.objects.exists()


def test_a_roster_row_with_another_townships_number_reveals_nothing(staff, elsewhere):
    VillageFactory(name="民主村", township=township("220502100"))
    row = {
        "乡镇": "金厂镇",
        "村": "民主村",
        "姓名": elsewhere.name,
        "身份证号": elsewhere.id_number,
        "职务": "村委会委员",
        "任职时间": "2021-12-01",
    }
    plan = roster_import(actor=staff, source=io.BytesIO(roster_bytes([row])))
    (error,) = plan.errors
    assert (error.row, error.column) == (2, "身份证号")
    assert REFUSAL in error.message
    assert "乡镇" not in error.message
    assert elsewhere.posts.count() == 1
    conflict = IdNumberConflict.objects.get()
    assert conflict.source == IdNumberConflict.Source.ROSTER
    assert conflict.held_in.code == "220502200"


def test_the_district_sees_the_conflicts_and_townships_do_not(
    client, staff, district_reviewer, elsewhere
):
    with pytest.raises(ValidationError):
        services.person_update(actor=staff, person=cadre(), id_number=elsewhere.id_number)
    url = reverse("cadres:id_conflict_list")
    client.force_login(district_reviewer)
    page = client.get(url).content.decode()
    for shown in (
        staff.name,
        "金厂镇",
        "环通乡",
        elsewhere.name,
        mask_id_number(elsewhere.id_number),
    ):
        assert shown in page
    assert elsewhere.id_number not in page
    home = client.get(reverse("home")).content.decode()
    assert url in home
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_a_refused_registration_without_a_home_village_is_still_recorded(staff, elsewhere):
    with pytest.raises(ValidationError, match=REFUSAL):
        services.person_create(actor=staff, name="李新", id_number=elsewhere.id_number)
    assert IdNumberConflict.objects.get().tried_in.code == "220502100"
