import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied

from cadres import signals
from cadres.models import Person, Post, Relative, VillagerGroup
from cadres.roster import Outcome, parse_posts, roster_import, roster_plan
from cadres.spreadsheets import SpreadsheetError
from tests.cadres_import.workbooks import roster_bytes, workbook_bytes
from tests.factories import PersonFactory, PostFactory, VillageFactory, make_id_number, township
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db

B = Post.Body
T = Post.Title


def number(n: int, *, male: bool = True) -> str:
    return make_id_number(dt.date(1975, 3, 4), n, male=male)


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def cadre_row(n: int, **cells) -> dict:
    return {
        "乡镇": "金厂镇",
        "村": "民主村",
        "姓名": f"张{'一二三四五六七八九十'[n % 10]}",
        "身份证号": number(n),
        "民族": "汉族",
        "政治面貌": "中共党员",
        "文化程度": "高中",
        "职务": "村委会委员",
        "任职时间": "2021-12-01",
        "联系电话": "13800138000",
        **cells,
    }


def load(data: bytes, user, **kwargs):
    return roster_import(actor=user, source=io.BytesIO(data), **kwargs)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "村党组织书记、村委会主任",
            [(B.PARTY_BRANCH, T.SECRETARY), (B.VILLAGERS_COMMITTEE, T.DIRECTOR)],
        ),
        ("书记兼主任", [(B.PARTY_BRANCH, T.SECRETARY), (B.VILLAGERS_COMMITTEE, T.DIRECTOR)]),
        (
            "党支部书记,村委会委员",
            [(B.PARTY_BRANCH, T.SECRETARY), (B.VILLAGERS_COMMITTEE, T.MEMBER)],
        ),
        ("村党组织副书记", [(B.PARTY_BRANCH, T.DEPUTY_SECRETARY)]),
        ("村务监督委员会主任", [(B.SUPERVISION_COMMITTEE, T.DIRECTOR)]),
        ("监委会委员", [(B.SUPERVISION_COMMITTEE, T.MEMBER)]),
        ("村民小组长", [(B.VILLAGER_GROUP, T.GROUP_LEADER)]),
        ("村委会副主任 ", [(B.VILLAGERS_COMMITTEE, T.DEPUTY_DIRECTOR)]),
        ("书记、主任一肩挑", [(B.PARTY_BRANCH, T.SECRETARY), (B.VILLAGERS_COMMITTEE, T.DIRECTOR)]),
        (
            "村党支部书记兼村委会主任",
            [(B.PARTY_BRANCH, T.SECRETARY), (B.VILLAGERS_COMMITTEE, T.DIRECTOR)],
        ),
        (
            "村委会委员兼监委会主任",
            [(B.VILLAGERS_COMMITTEE, T.MEMBER), (B.SUPERVISION_COMMITTEE, T.DIRECTOR)],
        ),
        (
            "村委会委员兼村民小组长",
            [(B.VILLAGERS_COMMITTEE, T.MEMBER), (B.VILLAGER_GROUP, T.GROUP_LEADER)],
        ),
    ],
)
def test_parse_posts(cell, expected):
    assert parse_posts(cell) == expected


@pytest.mark.parametrize("separator", ["、", ",", "，", "/", "／", ";", "；", "兼", "兼任", " 兼 "])
def test_every_separator_splits_posts_and_bare_titles_take_their_body(separator):
    assert parse_posts(f"书记{separator}主任") == [
        (B.PARTY_BRANCH, T.SECRETARY),
        (B.VILLAGERS_COMMITTEE, T.DIRECTOR),
    ]
    assert parse_posts(f"村党组织副书记{separator}副主任") == [
        (B.PARTY_BRANCH, T.DEPUTY_SECRETARY),
        (B.VILLAGERS_COMMITTEE, T.DEPUTY_DIRECTOR),
    ]


@pytest.mark.parametrize(
    "cell", ["委员", "村委会书记", "会计", "村务监督委员会副主任", "书记兼会计", "书记、村长"]
)
def test_parse_posts_refuses_unclear_posts(cell):
    part = cell.replace("兼", "、").split("、")[-1]
    with pytest.raises(ValueError, match=f"“{part}”"):
        parse_posts(cell)


@pytest.mark.parametrize("cell", ["村委会主任兼副主任", "书记、副书记", "监委会主任、监委会委员"])
def test_parse_posts_refuses_two_posts_of_one_body(cell):
    with pytest.raises(ValueError, match="只能担任一个职务"):
        parse_posts(cell)


def test_good_workbook_imports_people_posts_and_family(system_admin, village):
    """An importer who may record posts held before the system starts them (origin roster)."""
    received = []

    def on_import(sender, person_ids, relative_ids, **kwargs):
        received.append((sorted(person_ids), len(relative_ids)))

    signals.register_imported.connect(on_import)
    try:
        data = roster_bytes(
            [
                cadre_row(1, 职务="村党组织书记、村委会主任", 姓名="王 元"),
                cadre_row(2, 职务="村民小组长", 村民小组="3组", 民族="满", 政治面貌="群众"),
                cadre_row(3, 身份证号=number(3).lower(), 任职时间=dt.date(2021, 12, 1)),
            ],
            [
                {
                    "干部身份证号": number(1),
                    "姓名": "李芳",
                    "关系": "妻子",
                    "身份证号": number(50, male=False),
                },
                {"干部身份证号": number(1), "姓名": "王小明", "关系": "儿子", "出生日期": "2005.6"},
            ],
        )
        plan = load(data, system_admin)
    finally:
        signals.register_imported.disconnect(on_import)
    assert plan.ok, plan.errors
    assert plan.counts["new_persons"] == 3
    assert plan.counts["posts_added"] == 4
    assert plan.counts["relatives_added"] == 2
    wang = Person.objects.get(id_number=number(1))
    assert wang.name == "王元"
    assert wang.home_village == village
    assert wang.history.count() == 1
    assert {(p.body, p.title) for p in wang.posts.all()} == {
        (B.PARTY_BRANCH, T.SECRETARY),
        (B.VILLAGERS_COMMITTEE, T.DIRECTOR),
    }
    post = wang.posts.first()
    assert (post.origin, post.vetted) == (Post.Origin.ROSTER, False)
    assert post.history.get().history_user == system_admin
    assert post.term_start == dt.date(2021, 12, 1)
    assert post.term_end == dt.date(2026, 12, 1)
    leader = Person.objects.get(id_number=number(2))
    assert leader.ethnicity == "11"  # 满族
    assert leader.political_status == "masses"
    group = VillagerGroup.objects.get(village=village, name="3组")
    assert group.number == 3
    assert leader.posts.get().villager_group == group
    assert Person.objects.get(id_number=number(3)).name == "张四"
    son = Relative.objects.get(name="王小明")
    assert son.relation == Relative.Relation.CHILD
    assert son.id_number is None
    assert son.birth_date == dt.date(2005, 6, 1)
    # One announcement for the whole import, naming every new person and relative.
    assert received == [(sorted(Person.objects.values_list("pk", flat=True)), 2)]


def test_reimport_updates_rather_than_duplicates(system_admin, village):
    rows = [cadre_row(1, 职务="书记兼主任"), cadre_row(2)]
    family = [{"干部身份证号": number(1), "姓名": "李芳", "关系": "配偶"}]
    assert load(roster_bytes(rows, family), system_admin).ok
    again = load(roster_bytes(rows, family), system_admin)
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED] * 3
    assert Person.objects.count() == 2
    assert Post.objects.count() == 3
    assert Relative.objects.count() == 1
    rows[1]["联系电话"] = "13900000000"
    rows[1]["职务"] = "村委会委员、村务监督委员会委员"
    family[0]["工作单位及职务"] = "金厂镇中心小学教师"
    plan = load(roster_bytes(rows, family), system_admin)
    assert [r.outcome for r in plan.rows] == [Outcome.UNCHANGED, Outcome.UPDATED, Outcome.UPDATED]
    assert plan.counts["posts_added"] == 1
    person = Person.objects.get(id_number=number(2))
    assert person.phone == "13900000000"
    assert person.posts.count() == 2
    assert person.history.count() == 2
    assert Relative.objects.get().work_unit_and_post == "金厂镇中心小学教师"
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"身份证号": None}, "身份证号", "必"),
        ({"身份证号": 220502197503040011}, "身份证号", "文本"),
        ({"身份证号": "220502197503040012"}, "身份证号", "校验"),
        ({"姓名": " "}, "姓名", ""),
        ({"乡镇": "不存在镇"}, "乡镇", "不存在镇"),
        ({"乡镇": "环通乡"}, "乡镇", "无权"),
        ({"村": "没有村"}, "村", "没有村"),
        ({"职务": "会计"}, "职务", "会计"),
        ({"职务": None}, "职务", ""),
        ({"职务": "村民小组长"}, "村民小组", ""),
        ({"任职时间": "明年"}, "任职时间", "明年"),
        ({"任职时间": None}, "任职时间", ""),
        ({"任期届满": "2020-01-01"}, "任期届满", ""),
        ({"民族": "火星族"}, "民族", "火星族"),
        ({"政治面貌": "无党派"}, "政治面貌", ""),
        ({"文化程度": "幼儿园"}, "文化程度", ""),
        ({"性别": "女"}, "性别", ""),
        ({"联系电话": "1" * 30}, "联系电话", ""),
    ],
)
def test_each_kind_of_bad_row_is_an_error_naming_row_and_column(
    staff, village, cells, column, message
):
    data = roster_bytes([cadre_row(1), cadre_row(2, **cells)])
    plan = load(data, staff)
    assert not plan.ok
    assert plan.rows[0].outcome == Outcome.NEW
    assert plan.rows[1].outcome == Outcome.ERROR
    texts = [str(e) for e in plan.errors]
    assert any(t.startswith(f"第3行「{column}」：") and message in t for t in texts), texts
    assert not Person.objects.exists()


def test_id_stored_as_number_says_digits_are_lost(staff, village):
    plan = load(roster_bytes([cadre_row(1, 身份证号=int(number(1)[:17] + "0"))]), staff)
    (error,) = plan.errors
    assert error.row == 2
    assert error.column == "身份证号"
    assert "文本" in error.message


def test_conflicting_posts_are_errors_or_wait_for_the_renewal_answer(staff, village):
    PostFactory(
        village=village, body=B.PARTY_BRANCH, title=T.SECRETARY, person=PersonFactory(name="赵书记")
    )
    plan = load(
        roster_bytes(
            [
                cadre_row(1, 职务="村党组织书记"),
                cadre_row(2, 职务="主任"),
                cadre_row(3, 职务="主任"),
            ]
        ),
        staff,
    )
    texts = [str(e) for e in plan.errors]
    # Two rows giving one post: an error. A serving holder replaced: a question for the user.
    assert len(texts) == 1, texts
    assert texts[0].startswith("第4行")
    assert "第3行" in texts[0]
    assert plan.unresolved == [village]
    assert "赵书记" in " ".join(plan.rows[0].details)
    assert not plan.ok
    assert Person.objects.count() == 1


def test_one_shoulder_row_starts_both_posts_for_the_administrator(system_admin, village):
    plan = load(roster_bytes([cadre_row(1, 职务="村党支部书记兼村委会主任")]), system_admin)
    assert plan.ok, plan.errors
    assert plan.counts["posts_added"] == 2
    person = Person.objects.get(id_number=number(1))
    assert sorted((p.body, p.title, p.origin) for p in person.posts.all()) == [
        (B.PARTY_BRANCH, T.SECRETARY, Post.Origin.ROSTER),
        (B.VILLAGERS_COMMITTEE, T.DIRECTOR, Post.Origin.ROSTER),
    ]


def test_one_shoulder_row_of_township_staff_needs_a_nomination_per_post(staff, village):
    plan = load(roster_bytes([cadre_row(1, 职务="书记兼主任")]), staff)
    assert plan.ok, plan.errors
    assert plan.counts["nominations"] == 2
    assert [str(detail) for detail in plan.rows[0].details] == [
        f"需提名：民主村{post}须经人选资格联审方可任职。"
        for post in ("村党组织书记", "村民委员会主任")
    ]
    assert [(row["row"], row["body"], row["title"]) for row in plan.nomination_rows] == [
        (2, B.PARTY_BRANCH, T.SECRETARY),
        (2, B.VILLAGERS_COMMITTEE, T.DIRECTOR),
    ]
    assert Person.objects.get(id_number=number(1))
    assert not Post.objects.exists()


def test_two_posts_of_one_body_in_a_row_are_refused_naming_row_and_column(staff, village):
    plan = load(roster_bytes([cadre_row(1, 职务="村委会主任兼副主任")]), staff)
    (error,) = plan.errors
    assert str(error).startswith("第2行「职务」：")
    assert "村民委员会主任、村民委员会副主任" in str(error)
    assert not Person.objects.exists()


def test_bad_family_rows(staff, village):
    data = roster_bytes(
        [cadre_row(1)],
        [
            {"干部身份证号": number(9), "姓名": "李芳", "关系": "配偶"},
            {"干部身份证号": number(1), "姓名": "李芳", "关系": "邻居"},
            {"干部身份证号": number(1), "姓名": "李芳", "关系": "配偶", "身份证号": "123"},
        ],
    )
    plan = load(data, staff)
    texts = [str(e) for e in plan.errors]
    assert texts[0].startswith("第2行「干部身份证号」")
    assert texts[1].startswith("第3行「关系」")
    assert texts[2].startswith("第4行「身份证号」")
    assert not Person.objects.exists()


def test_atomic_when_the_database_refuses_midway(system_admin, village):
    # The preview cannot know about a post created after it; the database refuses
    # the second secretary, and nothing of the import stays.
    data = roster_bytes([cadre_row(n) for n in range(1, 6)] + [cadre_row(6, 职务="书记")])
    plan = roster_plan(actor=system_admin, source=io.BytesIO(data))
    assert plan.ok
    from django.db import IntegrityError, transaction

    from cadres.roster import _write

    PostFactory(village=village, body=B.PARTY_BRANCH, title=T.SECRETARY)
    with pytest.raises(IntegrityError), transaction.atomic():
        _write(system_admin, plan)
    assert Person.objects.count() == 1  # only the one PostFactory made


def test_dry_run_writes_nothing(staff, village):
    plan = load(roster_bytes([cadre_row(1)]), staff, dry_run=True)
    assert plan.ok
    assert plan.counts["new_persons"] == 1
    assert not Person.objects.exists()


def test_another_townships_person_is_refused(staff, village):
    other = PostFactory(village=VillageFactory(township=township("220502200"))).person
    plan = load(roster_bytes([cadre_row(1, 身份证号=other.id_number, 姓名=other.name)]), staff)
    # Nothing of the holder is said (issue 20): the district sees the conflict instead.
    assert "该身份证号无法在此使用" in str(plan.errors[0])
    assert other.posts.count() == 1


def test_roles_that_may_not_write_are_refused(district_reviewer, village):
    with pytest.raises(PermissionDenied):
        load(roster_bytes([cadre_row(1)]), district_reviewer)


def test_township_column_may_be_left_out_by_single_township_staff(staff, village):
    headers = ["村", "姓名", "身份证号", "职务", "任职时间"]
    data = workbook_bytes(
        {"花名册": [headers, ["民主", "张三", number(1), "村委会委员", "2021-12-01"]]}
    )
    plan = load(data, staff)
    assert plan.ok, plan.errors
    # Township staff start no post: the row waits for its nomination.
    assert plan.nomination_rows[0]["village_id"] == village.pk
    assert Person.objects.get().home_village == village


def test_unreadable_file_raises(staff):
    with pytest.raises(SpreadsheetError):
        load(b"not a workbook", staff)


def test_preview_query_count_does_not_grow_with_rows(staff, village):
    existing = [
        PostFactory(village=village, person=PersonFactory(id_number=number(n))) for n in (1, 2)
    ]
    small = roster_bytes(
        [cadre_row(n) for n in range(1, 4)],
        [{"干部身份证号": number(1), "姓名": "李芳", "关系": "配偶"}],
    )
    large = roster_bytes(
        [cadre_row(n) for n in range(1, 60)],
        [{"干部身份证号": number(n), "姓名": "李芳", "关系": "配偶"} for n in range(1, 40)],
    )
    sheets = [small]
    plan = assert_queries_flat(
        lambda: roster_plan(actor=staff, source=io.BytesIO(sheets[-1])),
        lambda: sheets.append(large),
    )
    assert len(plan.rows) == 59 + 39
    assert existing
