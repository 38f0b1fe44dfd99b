import datetime as dt
import random

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from openpyxl import load_workbook

from cadres.models import AccessLogEntry, Post
from tests.factories import (
    PersonFactory,
    PostFactory,
    UserFactory,
    VillageFactory,
    cadre,
    hanzi_number,
    make_id_number,
    township,
)
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db
LIST = reverse("cadres:list")


def names(response) -> set[str]:
    return {p.name for p in response.context["people"]}


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/login/" in response.url


def test_list_shows_own_township_only(client, staff):
    mine = cadre(name="王建国")
    cadre(village=VillageFactory(township=township("220502200")), name="李环通")
    client.force_login(staff)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == {mine.name}
    assert 'badge bad">从严掌控' not in response.content.decode()


def test_district_reviewer_sees_every_township(client, district_reviewer):
    cadre(name="王建国")
    cadre(village=VillageFactory(township=township("220502200")), name="李环通")
    client.force_login(district_reviewer)
    assert names(client.get(LIST)) == {"王建国", "李环通"}


def test_id_numbers_are_masked(client, staff):
    person = cadre()
    client.force_login(staff)
    content = client.get(LIST).content.decode()
    assert person.id_number not in content
    assert person.id_number[:4] + "*" * 10 + person.id_number[-4:] in content


def test_search_by_name_initials_and_id_number(client, staff):
    birth = dt.date(1980, 5, 17)
    zhang = cadre(name="张伟", id_number=make_id_number(birth, 7))
    cadre(name="李娜")
    client.force_login(staff)
    assert names(client.get(LIST, {"q": "张"})) == {"张伟"}
    assert names(client.get(LIST, {"q": "zw"})) == {"张伟"}
    assert names(client.get(LIST, {"q": "ZhangWei"})) == {"张伟"}
    assert names(client.get(LIST, {"q": zhang.id_number})) == {"张伟"}
    # Typed with spaces and a lowercase x, or only a part of it.
    spaced = " ".join([zhang.id_number[:6], zhang.id_number[6:14], zhang.id_number[14:].lower()])
    assert names(client.get(LIST, {"q": spaced})) == {"张伟"}
    assert names(client.get(LIST, {"q": "19800517"})) == {"张伟"}
    assert names(client.get(LIST, {"q": "wangwu"})) == set()


def test_filters(client, staff):
    today = dt.date.today()
    village = VillageFactory()
    PostFactory(
        person=PersonFactory(name="王书记", birth=today - relativedelta(years=30, days=10)),
        village=village,
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.SECRETARY,
        term_start=today - relativedelta(years=1),
    )
    old = cadre(name="刘老", birth=today - relativedelta(years=62))
    PostFactory(
        person=old,
        village=old.posts.get().village,
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.MEMBER,
        term_start=today - relativedelta(years=5, months=-2),
    )
    former = PersonFactory(name="赵前任", home_village=village, birth=dt.date(1985, 5, 5))
    PostFactory(
        person=former,
        village=village,
        term_start=dt.date(2016, 1, 1),
        ended_on=dt.date(2020, 1, 1),
        end_reason=Post.EndReason.RESIGNED,
    )
    other = VillageFactory(township=township("220502200"))
    cadre(other, name="环通人")
    client.force_login(staff)
    assert names(client.get(LIST, {"age": "le35"})) == {"王书记"}
    assert names(client.get(LIST, {"age": "gt60"})) == {"刘老"}
    assert names(client.get(LIST, {"body": "party_branch", "title": "secretary"})) == {"王书记"}
    # Body and title must fit the same post: 刘老 is a party-branch member and a committee member.
    assert names(client.get(LIST, {"body": "party_branch", "title": "member"})) == {"刘老"}
    assert names(client.get(LIST, {"term_ends_within": "6"})) == {"刘老"}
    assert names(client.get(LIST, {"status": "former"})) == {"赵前任"}
    assert "赵前任" not in names(client.get(LIST, {"status": "serving"}))
    assert names(client.get(LIST, {"village": village.pk})) == {"王书记", "赵前任"}
    assert names(client.get(LIST, {"township": township().pk})) == {"王书记", "刘老", "赵前任"}
    # Another township's village is no choice at all for this user.
    response = client.get(LIST, {"village": other.pk})
    assert response.context["filter"].form.errors
    assert "环通人" not in names(response)


def village_choices(response) -> set[str]:
    return {name for pk, name in response.context["filter"].form.fields["village"].choices if pk}


def test_village_filter_follows_the_township(client, staff, district_reviewer):
    jinchang = VillageFactory(name="金厂村")
    huantong = VillageFactory(name="环通村", township=township("220502200"))
    cadre(jinchang, name="王金厂")
    cadre(huantong, name="李环通")

    client.force_login(staff)
    assert village_choices(client.get(LIST)) == {"金厂村"}

    # The whole district's villages would make a list too long to choose from: the
    # district picks a township first, which also clears the village (data-narrows).
    client.force_login(district_reviewer)
    response = client.get(LIST)
    assert village_choices(response) == set()
    assert "请先选择乡镇（街道）" in response.content.decode()
    assert 'data-narrows="village"' in response.content.decode()
    response = client.get(LIST, {"township": huantong.township.pk})
    assert village_choices(response) == {"环通村"}
    assert names(response) == {"李环通"}
    # A link naming a village without its township still works.
    response = client.get(LIST, {"village": jinchang.pk})
    assert village_choices(response) == {"金厂村"}
    assert names(response) == {"王金厂"}


def test_strict_control_filter_and_badge(client, staff):
    controlled = cadre(
        name="严管人",
        strict_control_since=dt.date(2026, 1, 1),
        strict_control_review_on=dt.date(2027, 1, 1),
        strict_control_source="manual",
    )
    cadre(name="普通人")
    client.force_login(staff)
    response = client.get(LIST, {"strict_control": "yes"})
    assert names(response) == {controlled.name}
    assert 'badge bad">从严掌控' in response.content.decode()
    assert names(client.get(LIST, {"strict_control": "no"})) == {"普通人"}


def test_sorting(client, staff):
    cadre(name="阿大", birth=dt.date(1990, 1, 1))
    cadre(name="阿二", birth=dt.date(1970, 1, 1))
    client.force_login(staff)
    assert [p.name for p in client.get(LIST, {"sort": "birth"}).context["people"]] == [
        "阿二",
        "阿大",
    ]
    assert [p.name for p in client.get(LIST, {"sort": "-birth"}).context["people"]] == [
        "阿大",
        "阿二",
    ]


@pytest.mark.parametrize("fixture", ["staff", "district_reviewer"])
def test_sorting_by_serving_posts_pages_through_everyone_once(client, request, fixture):
    # Staff's list is filtered by township: grouped; the district's is the whole register:
    # walked through the indexes of posts (cadres.selectors.KeyedPeople). Same order.
    staff = request.getfixturevalue(fixture)
    first, second = VillageFactory(code="220502100201"), VillageFactory(code="220502100202")
    former = cadre(second, name="甲前任")
    former.posts.update(ended_on=dt.date(2024, 1, 1), end_reason="resigned")
    late = cadre(first, name="乙晚届满")
    late.posts.update(term_end=dt.date(2030, 1, 1))
    early = cadre(second, name="丙早届满")
    early.posts.update(term_end=dt.date(2027, 1, 1))
    # Two posts: the earlier term end and the first village (by code) count.
    both = cadre(second, name="丁两职")
    both.posts.update(term_end=dt.date(2029, 1, 1))
    PostFactory(person=both, village=first, term_end=dt.date(2028, 1, 1))
    client.force_login(staff)

    def order(sort):
        return [p.name for p in client.get(LIST, {"sort": sort}).context["people"]]

    # Former cadres, who have neither, come last in both directions.
    assert order("term_end") == ["丙早届满", "丁两职", "乙晚届满", "甲前任"]
    assert order("-term_end") == ["乙晚届满", "丁两职", "丙早届满", "甲前任"]
    # 乙 and 丁 both serve first in the first village: ties go by registration (pk).
    assert order("village") == ["乙晚届满", "丁两职", "丙早届满", "甲前任"]
    assert order("-village") == ["丙早届满", "丁两职", "乙晚届满", "甲前任"]
    export = client.get(reverse("cadres:list"), {"sort": "-term_end", "format": "xlsx"})
    rows = list(load_workbook(_stream(export)).active.values)[1:]
    # A row per serving post, as the roster import reads them.
    assert [row[3] for row in rows] == ["乙晚届满", "丁两职", "丁两职", "丙早届满", "甲前任"]
    response = client.get(LIST, {"sort": "term_end"})
    # The earliest end as the list shows it: at its precision (cadres.dates).
    terms = [p.next_term_end and p.next_term_end.date for p in response.context["people"]]
    assert terms == [dt.date(2027, 1, 1), dt.date(2028, 1, 1), dt.date(2030, 1, 1), None]
    assert "2028-01-01" in response.content.decode()

    for _ in range(24):
        cadre(first)
    pages = [client.get(LIST, {"sort": "-village", "page": n}) for n in (1, 2)]
    assert pages[0].context["page_obj"].paginator.count == 28
    seen = [p.pk for page in pages for p in page.context["people"]]
    assert len(seen) == len(set(seen)) == 28


@pytest.mark.parametrize("sort", ["village", "-village", "term_end", "-term_end"])
def test_walked_and_grouped_sorts_by_posts_agree_page_by_page(client, district_reviewer, sort):
    """The district's whole register is walked, a filtered list grouped: both give the
    order computed here, over three pages, with people holding two posts in one village
    (一肩挑), posts in two villages, a post not begun yet, an ended post, and no post."""
    rng = random.Random(21)
    villages = [VillageFactory(code=f"220502100{n}") for n in (203, 201, 202)]
    today = dt.date.today()
    term_ends = [today + relativedelta(years=years) for years in (1, 2, 3)]
    expected = {}
    for n in range(58):
        # A home village keeps the people without a post in the township's filtered list.
        person = PersonFactory(name=f"人{hanzi_number(n)}", home_village=villages[0])
        keys = []
        for title in [Post.Title.MEMBER, Post.Title.DEPUTY_DIRECTOR][: rng.choice([0, 1, 1, 2])]:
            village, term_end = rng.choice(villages), rng.choice(term_ends)
            kind = rng.choice(["serving", "serving", "ended", "upcoming"])
            start = today + dt.timedelta(days=30) if kind == "upcoming" else dt.date(2021, 12, 1)
            post = PostFactory(
                person=person,
                village=village,
                term_start=start,
                term_end=term_end,
                title=title,
            )
            if kind == "ended":
                post.ended_on, post.end_reason = dt.date(2024, 1, 1), "resigned"
                post.save()
            elif kind == "serving":
                keys.append(village.code if "village" in sort else term_end)
        expected[person.pk] = min(keys, default=None)
    descending = sort.startswith("-")
    keyed = sorted((key, pk) for pk, key in expected.items() if key is not None)
    order = [pk for _key, pk in (keyed[::-1] if descending else keyed)]
    order += sorted((pk for pk, key in expected.items() if key is None), reverse=descending)
    client.force_login(district_reviewer)
    jinchang = township("220502100").pk
    for params in ({}, {"township": jinchang}):
        pages = [client.get(LIST, {**params, "sort": sort, "page": n}) for n in (1, 2, 3)]
        assert [p.pk for page in pages for p in page.context["people"]] == order


def test_pagination_25(client, staff):
    village = VillageFactory()
    for _ in range(27):
        cadre(village)
    client.force_login(staff)
    assert len(client.get(LIST).context["people"]) == 25
    assert len(client.get(LIST, {"page": 2}).context["people"]) == 2


@pytest.mark.parametrize(
    "sort", ["", "name", "-birth", "term_end", "-village", "-term_end&body=villagers_committee"]
)
@pytest.mark.parametrize("fixture", ["staff", "district_reviewer"])
def test_list_query_count_does_not_grow(client, request, fixture, sort):
    user = request.getfixturevalue(fixture)
    village = VillageFactory()
    for _ in range(5):
        cadre(village)
    cadre(village).posts.update(ended_on=dt.date(2024, 1, 1), end_reason="resigned")
    client.force_login(user)
    url = f"{LIST}?sort={sort}"

    def a_full_page_more():
        for _ in range(25):
            person = cadre(village)
            PostFactory(person=person, village=village, body=Post.Body.PARTY_BRANCH)

    # From a short page (a sort by posts also reads the people without a serving post) to a
    # full one.
    response = assert_queries_flat(lambda: client.get(url), a_full_page_more)
    assert len(response.context["people"]) == 25


def test_export_masked_for_staff_and_logged(client, staff):
    person = cadre(name="王建国", phone="=1+2")
    cadre(village=VillageFactory(township=township("220502200")), name="李环通")
    client.force_login(staff)
    response = client.get(reverse("cadres:list"), {"q": "王", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(_stream(response)).active
    rows = list(sheet.values)
    assert rows[0][3] == "姓名"
    assert [r[3] for r in rows[1:]] == ["王建国"]
    assert rows[1][6] == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert rows[1][14] == "=1+2"  # kept intact, as text: not run as a formula
    assert sheet.cell(2, 15).quotePrefix
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.EXPORT
    assert entry.user == staff
    assert "1 rows" in entry.detail
    assert "masked" in entry.detail


def test_export_full_id_numbers_for_reviewer(client, township_reviewer):
    village = VillageFactory()
    people = [cadre(village) for _ in range(30)]
    client.force_login(township_reviewer)
    response = client.get(reverse("cadres:list"), {"format": "xlsx"})
    rows = list(load_workbook(_stream(response)).active.values)[1:]
    # Every row, not only the first page.
    assert len(rows) == 30
    assert {r[6] for r in rows} == {p.id_number for p in people}
    assert "full" in AccessLogEntry.objects.get().detail


def test_department_sees_nobody(client, department_user):
    cadre()
    client.force_login(department_user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == set()


def _stream(response):
    import io

    return io.BytesIO(response.content)


def test_user_without_townships_sees_nothing(client):
    cadre()
    user = UserFactory(role="乡镇工作人员")
    client.force_login(user)
    assert names(client.get(LIST)) == set()


def test_township_and_village_filters_find_a_person_by_post_or_home(client, district_reviewer):
    jinchang = VillageFactory(name="金厂村")
    huantong = VillageFactory(name="环通村", township=township("220502200"))
    # Serves in 金厂镇, lives in 环通乡.
    commuter = cadre(jinchang, name="王两地")
    commuter.home_village = huantong
    commuter.save()
    cadre(huantong, name="李环通")
    client.force_login(district_reviewer)
    assert names(client.get(LIST, {"township": township("220502200").pk})) == {"王两地", "李环通"}
    assert names(client.get(LIST, {"township": township().pk})) == {"王两地"}
    assert names(client.get(LIST, {"village": huantong.pk})) == {"王两地", "李环通"}
    assert names(client.get(LIST, {"village": jinchang.pk})) == {"王两地"}
