import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.records import services
from cadres.records.models import PartyCandidate, Recusal
from tests.cadres_records.factories import serving_village
from tests.factories import RelativeFactory, cadre, hanzi_number, make_id_number
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def add(user, village, **identity):
    return services.party_candidate_add(actor=user, village=village, stage="activist", **identity)


def test_finds_related_cadres_of_the_village_by_id_or_name_and_birth(staff):
    uncle = cadre()
    village = serving_village(uncle)
    number = make_id_number(dt.date(1998, 5, 6), 7)
    RelativeFactory(cadre=uncle, name="王小明", id_number=number, relation="other")
    aunt = cadre(village)
    RelativeFactory(cadre=aunt, name="王 小明", id_number=None, birth_date=dt.date(1998, 5, 6))
    elsewhere = cadre()  # a relative too, but serving in another village
    RelativeFactory(cadre=elsewhere, name="王小明", id_number=number)
    candidate = add(staff, village, name="王小明", id_number=number.lower().replace("x", "X"))
    assert set(candidate.recusals.values_list("cadre_id", flat=True)) == {uncle.pk, aunt.pk}
    with pytest.raises(ValidationError):
        services.party_candidate_advance(actor=staff, candidate=candidate, stage="target")
    for recusal in candidate.recusals.all():
        services.recusal_record(
            actor=staff,
            recusal=recusal,
            statement="本人回避该同志的发展工作",
            recorded_on=dt.date.today(),
        )
    services.party_candidate_advance(actor=staff, candidate=candidate, stage="target")
    candidate.refresh_from_db()
    assert candidate.stage == "target"


def test_relative_added_later_is_caught_on_advance(staff):
    person = cadre()
    candidate = add(staff, serving_village(person), name="李华", birth_date=dt.date(2000, 1, 2))
    assert not candidate.recusals.exists()
    RelativeFactory(cadre=person, name="李华", id_number=None, birth_date=dt.date(2000, 1, 2))
    with pytest.raises(ValidationError):
        services.party_candidate_advance(actor=staff, candidate=candidate, stage="target")
    assert candidate.recusals.get().status == Recusal.Status.OPEN


def test_bad_input_and_permissions(staff, other_staff, township_reviewer):
    village = serving_village(cadre())
    with pytest.raises(ValidationError) as error:
        add(staff, village, name="张三", id_number="220502199001011234")  # wrong check digit
    assert "id_number" in error.value.message_dict
    add(staff, village, name="张三", id_number=make_id_number(dt.date(1990, 1, 1), 3))
    with pytest.raises(ValidationError):
        add(staff, village, name="张三", id_number=make_id_number(dt.date(1990, 1, 1), 3))
    with pytest.raises(PermissionDenied):
        add(other_staff, village, name="李四", birth_date=dt.date(1990, 1, 1))
    with pytest.raises(PermissionDenied):
        add(township_reviewer, village, name="李四", birth_date=dt.date(1990, 1, 1))
    candidate = PartyCandidate.objects.get()
    with pytest.raises(PermissionDenied):
        services.party_candidate_advance(actor=other_staff, candidate=candidate, stage="target")


def test_pages(client, staff, other_staff, department_user):
    person = cadre()
    village = serving_village(person)
    number = make_id_number(dt.date(1999, 9, 9), 9)
    RelativeFactory(cadre=person, name="赵六", id_number=number)
    client.force_login(staff)
    url = reverse("cadres:records:candidate_create")
    response = client.post(url, {"village": village.pk, "name": "赵六", "stage": "activist"})
    assert "id_number" in response.context["form"].errors
    response = client.post(
        url, {"village": village.pk, "name": "赵六", "id_number": number, "stage": "activist"}
    )
    candidate = PartyCandidate.objects.get()
    assert response.status_code == 302
    detail = reverse("cadres:records:candidate_detail", args=[candidate.pk])
    page = client.get(detail).content.decode()
    assert number not in page
    for _n in range(5):
        RelativeFactory(cadre=cadre(village), name="赵六", id_number=number)
    client.post(detail, {"stage": "target"})
    assert len(client.get(reverse("cadres:records:recusal_list")).context["rows"]) == 6

    def six_more_recusals():
        other = make_id_number(dt.date(1999, 9, 8), 8)
        for _n in range(6):
            RelativeFactory(cadre=cadre(village), name="钱七", id_number=other)
        add(staff, village, name="钱七", id_number=other)

    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:records:recusal_list")), six_more_recusals
    )
    assert len(response.context["rows"]) == 12
    recusal = candidate.recusals.first()
    record = reverse("cadres:records:recusal_record", args=[recusal.pk])
    client.post(record, {"statement": "", "recorded_on": "2026-01-01"})
    recusal.refresh_from_db()
    assert recusal.status == Recusal.Status.OPEN
    client.post(record, {"statement": "回避", "recorded_on": "2026-01-01"})
    recusal.refresh_from_db()
    assert recusal.status == Recusal.Status.RECORDED
    assert len(client.get(reverse("cadres:records:recusal_list")).context["rows"]) == 11
    response = client.get(reverse("cadres:records:candidate_list") + "?format=xlsx")
    assert response.status_code == 200
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    assert client.post(record, {"statement": "x", "recorded_on": "2026-01-01"}).status_code == 404
    client.force_login(department_user)
    assert client.get(reverse("cadres:records:candidate_list")).status_code == 403


@pytest.mark.parametrize("export", [False, True])
def test_candidate_list_queries_do_not_grow(client, staff, export):
    village = serving_village(cadre())
    added = iter(range(1, 28))

    def six_more():
        for _ in range(6):
            add(
                staff,
                village,
                name=f"候选{hanzi_number(next(added))}",
                birth_date=dt.date(1995, 1, next(added)),
            )

    six_more()
    client.force_login(staff)
    query = {"sort": "name", **({"format": "xlsx"} if export else {})}
    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:records:candidate_list"), query), six_more
    )
    if not export:
        assert len(response.context["rows"]) == 12
