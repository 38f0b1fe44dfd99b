"""The demo district loaded by `make run`: villages, the demo accounts, the cadres, a few
candidate vetting cases along the pipeline, two small watchlists and two secretary changes."""

import datetime as dt
import io
import random

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from openpyxl import Workbook

from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.identity import check_character
from cadres.models import (
    Person,
    Post,
    Relative,
    SecretaryChange,
    StrictControlSource,
    Township,
    Village,
)
from cadres.records.services import secretary_change_decide, secretary_change_request
from cadres.scoping import township_access_set
from cadres.services import (
    cadre_create,
    person_strict_control_set,
    post_appoint,
    post_end,
    relative_add,
    village_upsert,
    villager_group_upsert,
)
from dongchang.accounts.roles import Role
from vetting.models import CandidateCase, Checkpoint, WatchlistSource
from vetting.services import candidates, register_cases, watchlists

DEMO_PASSWORD = "Dongchang-demo-2026"  # noqa: S105 (demo only; seed_demo refuses outside DEBUG)

VILLAGES = {
    "220502100": ["金厂村", "新开岭村", "大安村", "东升村", "胜利村", "太平村"],
    "220502200": ["环通村", "南岔村", "双胜村", "前进村", "新华村"],
    "220502201": ["江东村", "民主村", "红星村", "自安村", "永安村"],
}
GROUPS_PER_VILLAGE = 4

# username, name, role, department, township codes
ACCOUNTS = [
    ("admin", "系统管理员", Role.SYSTEM_ADMIN, "", []),
    ("zzb", "区委组织部审核人", Role.DISTRICT_REVIEWER, "", []),
    ("jc_staff", "金厂镇工作人员", Role.TOWNSHIP_STAFF, "", ["220502100"]),
    ("jc_review", "金厂镇审核人", Role.TOWNSHIP_REVIEWER, "", ["220502100"]),
    ("ht_staff", "环通乡工作人员", Role.TOWNSHIP_STAFF, "", ["220502200"]),
    ("ht_review", "环通乡审核人", Role.TOWNSHIP_REVIEWER, "", ["220502200"]),
    ("jd_staff", "江东乡工作人员", Role.TOWNSHIP_STAFF, "", ["220502201"]),
    ("jd_review", "江东乡审核人", Role.TOWNSHIP_REVIEWER, "", ["220502201"]),
    # One user for every joint-review department, so that no department's opinion waits
    # for a user who does not exist.
    ("jw_dept", "区纪委监委联审员", Role.DEPARTMENT, "discipline", []),
    ("ga_dept", "公安分局联审员", Role.DEPARTMENT, "police", []),
    ("fy_dept", "区法院联审员", Role.DEPARTMENT, "court", []),
    ("jcy_dept", "区检察院联审员", Role.DEPARTMENT, "procuratorate", []),
    ("sf_dept", "区司法局联审员", Role.DEPARTMENT, "justice", []),
    ("xf_dept", "区信访局联审员", Role.DEPARTMENT, "petitions", []),
    ("mz_dept", "区民政局联审员", Role.DEPARTMENT, "civil_affairs", []),
    ("nync_dept", "区农业农村局联审员", Role.DEPARTMENT, "agriculture", []),
    ("wjw_dept", "区卫健委联审员", Role.DEPARTMENT, "health", []),
    ("scjg_dept", "区市场监管局联审员", Role.DEPARTMENT, "market", []),
]
# The demo's joint reviews were opened this many days ago: 公安's opinion is overdue.
JOINT_REVIEW_OPENED_DAYS_AGO = 10


@transaction.atomic
def load_places() -> None:
    for township_code, names in VILLAGES.items():
        township = Township.objects.get(code=township_code)
        for index, name in enumerate(names, start=1):
            village = village_upsert(
                township=township, code=f"{township_code}{200 + index:03d}", name=name
            )
            for number in range(1, GROUPS_PER_VILLAGE + 1):
                villager_group_upsert(village=village, number=number, name=f"{number}组")


@transaction.atomic
def load_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts once; return (username, name, role) for printing."""
    User = get_user_model()
    rows = []
    for username, name, role, department, codes in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"name": name, "department": department}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == Role.SYSTEM_ADMIN
            user.is_superuser = role == Role.SYSTEM_ADMIN
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
            township_access_set(user=user, townships=Township.objects.filter(code__in=codes))
        rows.append((username, name, role.label))
    return rows


# Demo cadres --------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林洋东兴国庆春生福贵山海成"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀英华慧巧美娥玲桂兰凤琴红梅莉燕萍雪琳颖倩洁"
# "退休" (retired) stays last: spouses under 55 are drawn from the others.
RELATIVE_UNITS = [
    "务农",
    "务农",
    "个体经营",
    "外出务工",
    "通化市区企业职工",
    "村卫生室医生",
    "退休",
]
CHILD_UNITS = ["学生", "外出务工", "通化市区企业职员", "东昌区某小学教师", "个体经营"]
# Share of villages whose current term ends within six months (an election year ahead).
TERM_ENDING_SHARE = 0.25


def _name(rng, male: bool, surname: str | None = None) -> str:
    given = MALE_GIVEN if male else FEMALE_GIVEN
    chars = "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))
    return (surname or rng.choice(SURNAMES)) + chars


class _Numbers:
    """Valid ID numbers of Dongchang (220502), unique within one run."""

    def __init__(self, rng):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: dt.date, male: bool) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"220502{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng, today: dt.date, youngest: int, oldest: int) -> dt.date:
    """A birth date making the person between ``youngest`` and ``oldest`` years old today."""
    span = (oldest - youngest) * 365 + 300
    return today - relativedelta(years=youngest) - dt.timedelta(days=rng.randint(0, span))


def _village_plan(rng) -> list[tuple[str, list[tuple[str, str, int | None]], int, int]]:
    """(role key, [(body, title, group number)], youngest, oldest) for each cadre of a village."""
    pb, vc, sc, vg = (
        Post.Body.PARTY_BRANCH,
        Post.Body.VILLAGERS_COMMITTEE,
        Post.Body.SUPERVISION_COMMITTEE,
        Post.Body.VILLAGER_GROUP,
    )
    T = Post.Title
    one_shoulder = rng.random() < 0.7  # 一肩挑: the secretary also directs the committee
    plan = [
        (
            "secretary",
            [(pb, T.SECRETARY, None)] + ([(vc, T.DIRECTOR, None)] if one_shoulder else []),
            38,
            58,
        )
    ]
    if not one_shoulder:
        plan.append(("director", [(vc, T.DIRECTOR, None)], 35, 58))
    if rng.random() < 0.5:
        plan.append(("deputy", [(pb, T.DEPUTY_SECRETARY, None)], 30, 50))
    plan += [
        ("member", [(pb, T.MEMBER, None), (vc, T.MEMBER, None)], 28, 55),  # cross-holding
        ("member", [(vc, T.MEMBER, None)], 25, 45),
        ("supervisor", [(sc, T.DIRECTOR, None)], 40, 62),
        ("supervisor", [(sc, T.MEMBER, None)], 35, 65),
        ("group", [(vg, T.GROUP_LEADER, 1)], 40, 65),
    ]
    if len(plan) < 9 and rng.random() < 0.5:
        plan.append(("group", [(vg, T.GROUP_LEADER, 2)], 40, 65))
    return plan


def _education(rng, role: str) -> str:
    if role in ("secretary", "director", "deputy"):
        return rng.choice(
            [Education.BACHELOR, Education.COLLEGE, Education.COLLEGE, Education.HIGH_SCHOOL]
        )
    return rng.choice(
        [Education.COLLEGE, Education.HIGH_SCHOOL, Education.VOCATIONAL, Education.JUNIOR_HIGH]
    )


def _political_status(rng, role: str, posts) -> str:
    if role in ("secretary", "deputy") or any(body == Post.Body.PARTY_BRANCH for body, *_ in posts):
        return PoliticalStatus.CPC_MEMBER
    return rng.choice(
        [
            PoliticalStatus.CPC_MEMBER,
            PoliticalStatus.CPC_MEMBER,
            PoliticalStatus.MASSES,
            PoliticalStatus.CYL_MEMBER,
        ]
    )


def _ethnicity(rng) -> str:
    # Tonghua has Manchu and Korean communities among a Han majority.
    roll = rng.random()
    return Ethnicity.MANCHU if roll < 0.12 else Ethnicity.KOREAN if roll < 0.15 else Ethnicity.HAN


def _relatives(rng, numbers: _Numbers, today: dt.date, name: str, birth: dt.date, male: bool):
    """Spouse, children and (for the younger) parents, as relative_add arguments."""
    surname = name[0]
    relatives = []
    spouse_birth = birth + dt.timedelta(days=rng.randint(-4 * 365, 3 * 365))
    relatives.append(
        {
            "relation": Relative.Relation.SPOUSE,
            "name": _name(rng, not male),
            "birth": spouse_birth,
            "male": not male,
            "unit": rng.choice(
                RELATIVE_UNITS[:-1] if spouse_birth.year > today.year - 55 else RELATIVE_UNITS
            ),
        }
    )
    age = (today - birth).days // 365
    for _ in range(rng.choice((1, 1, 2))):
        child_birth = birth + dt.timedelta(days=rng.randint(23 * 365, 32 * 365))
        if child_birth < today - dt.timedelta(days=365):
            child_male = rng.random() < 0.5
            adult = (today - child_birth).days > 22 * 365
            relatives.append(
                {
                    "relation": Relative.Relation.CHILD,
                    "name": _name(rng, child_male, surname),
                    "birth": child_birth,
                    "male": child_male,
                    "unit": rng.choice(CHILD_UNITS) if adult else "学生",
                }
            )
    if age < 50:
        father_birth = birth - dt.timedelta(days=rng.randint(24 * 365, 32 * 365))
        relatives.append(
            {
                "relation": Relative.Relation.FATHER,
                "name": _name(rng, True, surname),
                "birth": father_birth,
                "male": True,
                "unit": rng.choice(["务农", "退休"]),
            }
        )
        relatives.append(
            {
                "relation": Relative.Relation.MOTHER,
                "name": _name(rng, False),
                "birth": father_birth + dt.timedelta(days=rng.randint(-3 * 365, 3 * 365)),
                "male": False,
                "unit": rng.choice(["务农", "退休"]),
            }
        )
    return [
        {
            "relation": r["relation"],
            "name": r["name"],
            # Older parents' numbers are often not on file.
            "id_number": None
            if r["relation"] in (Relative.Relation.FATHER, Relative.Relation.MOTHER)
            and rng.random() < 0.3
            else numbers.make(r["birth"], r["male"]),
            "birth_date": r["birth"],
            "sex": Sex.MALE if r["male"] else Sex.FEMALE,
            "work_unit_and_post": r["unit"],
        }
        for r in relatives
    ]


@transaction.atomic
def load_cadres(today: dt.date | None = None) -> int:
    """6–9 cadres per demo village with their family; returns how many people were added.

    A village that already has posts is left alone, so a second run adds nothing.
    Everything goes through the register's services, acting as the demo administrator.
    """
    today = today or dt.date.today()
    actor = get_user_model().objects.get(username="admin")
    rng = random.Random(220502)  # noqa: S311 (demo data, reproducible on purpose)
    numbers = _Numbers(rng)
    numbers.used.update(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
    added = 0
    villages = (
        Village.objects.filter(
            township__code__in=VILLAGES, name__in=[n for names in VILLAGES.values() for n in names]
        )
        .select_related("township")
        .prefetch_related("groups")
        .order_by("code")
    )
    busy = set(Post.objects.filter(village__in=villages).values_list("village_id", flat=True))
    for village in villages:
        if village.pk in busy:
            continue
        groups = {g.number: g for g in village.groups.all()}
        people = []
        if rng.random() < TERM_ENDING_SHARE:
            term_start = today - relativedelta(years=5) + dt.timedelta(days=rng.randint(20, 170))
        else:
            term_start = today - dt.timedelta(days=rng.randint(365, 4 * 365))
        for role, posts, youngest, oldest in _village_plan(rng):
            male = rng.random() < (0.85 if role in ("secretary", "director") else 0.6)
            birth = _birth(rng, today, youngest, oldest)
            status = _political_status(rng, role, posts)
            joined = birth + relativedelta(years=rng.randint(20, 30))
            first, *more = posts
            person = cadre_create(
                actor=actor,
                person={
                    "name": _name(rng, male),
                    "id_number": numbers.make(birth, male),
                    "ethnicity": _ethnicity(rng),
                    "political_status": status,
                    "party_joined_on": min(joined, today)
                    if status == PoliticalStatus.CPC_MEMBER
                    else None,
                    "education": _education(rng, role),
                    "phone": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
                    "home_village": village,
                },
                post=_post_args(village, groups, first, term_start),
                # Serving before the system: as the townships' rosters brought them in.
                origin=Post.Origin.ROSTER,
            )
            for extra in more:
                post_appoint(
                    actor=actor,
                    person=person,
                    origin=Post.Origin.ROSTER,
                    **_post_args(village, groups, extra, term_start),
                )
            for relative in _relatives(rng, numbers, today, person.name, birth, male):
                relative_add(actor=actor, cadre=person, **relative)
            added += 1
            people.append(person)
        if len(people) < 9 and rng.random() < 0.4:
            added += _former_cadre(rng, numbers, actor, village, today, term_start)
        if village.name == "金厂村":
            # One cadre under strict control whose review is due: the badge, the filter, the
            # strict-control list and the district's waiting items have something to show.
            person_strict_control_set(
                actor=actor,
                person=people[-1],
                since=today - dt.timedelta(days=380),
                review_on=today - dt.timedelta(days=15),
                reason="群众来信反映其在低保评定中优亲厚友，经区委组织部研究列入从严掌控。",
                source=StrictControlSource.MANUAL,
            )
    return added


def _former_cadre(rng, numbers, actor, village, today, term_start) -> int:
    """A committee member of the previous term, whose post ended at the last election."""
    male = rng.random() < 0.6
    birth = _birth(rng, today, 45, 65)
    previous_start = term_start - relativedelta(years=5)
    person = cadre_create(
        actor=actor,
        person={
            "name": _name(rng, male),
            "id_number": numbers.make(birth, male),
            "ethnicity": _ethnicity(rng),
            "political_status": PoliticalStatus.MASSES,
            "education": Education.JUNIOR_HIGH,
            "home_village": village,
        },
        post=_post_args(
            village, {}, (Post.Body.VILLAGERS_COMMITTEE, Post.Title.MEMBER, None), previous_start
        ),
        origin=Post.Origin.REGISTRATION,
    )
    post_end(
        actor=actor,
        post=person.posts.get(),
        ended_on=term_start - dt.timedelta(days=1),
        reason=Post.EndReason.TERM_EXPIRED,
    )
    return 1


def _post_args(village, groups, post, term_start) -> dict:
    body, title, group = post
    return {
        "village": village,
        "body": body,
        "title": title,
        "villager_group": groups[group] if group else None,
        "term_start": term_start,
    }


# Demo candidate cases ----------------------------------------------------------------

PASS_ALL = dict.fromkeys(Checkpoint.Kind.values, (Checkpoint.Verdict.PASS, ""))
# (township code, village, name, birth date, male, body, title, how far it goes, reason)
CANDIDATES = [
    ("220502100", "大安村", "孙立新", dt.date(1986, 4, 12), True, "villagers_committee", "member",
     CandidateCase.State.TOWNSHIP_REVIEW, "返乡创业青年，带领村民发展林下参种植，群众基础好。"),
    ("220502100", "东升村", "周晓红", dt.date(1990, 9, 3), False, "party_branch",
     "deputy_secretary", CandidateCase.State.DISTRICT_REVIEW,
     "大学生村官期满留村，熟悉党务工作，年度考核均为优秀。"),
    ("220502100", None, "郭振东", dt.date(1981, 1, 27), True, "supervision_committee", "member",
     CandidateCase.State.APPROVED, "办事公道，多年参与村务公开监督，群众口碑好。"),
    ("220502200", "南岔村", "韩志刚", dt.date(1979, 6, 18), True, "villagers_committee", "member",
     CandidateCase.State.REJECTED, "种植大户，有一定经济头脑。"),
    ("220502200", "双胜村", "冯丽娟", dt.date(1988, 11, 5), False, "villagers_committee",
     "member", CandidateCase.State.RETURNED, "村妇联主席，组织开展庭院经济。"),
]  # fmt: skip


def _demo_id_number(birth: dt.date, male: bool) -> str:
    # A fixed sequence per birth date, so a second run finds the case it made.
    first17 = f"220502{birth:%Y%m%d}{801 if male else 802}"
    return first17 + check_character(first17)


def _fewest_cadres(code: str) -> Village:
    """The demo village of the township with the fewest cadres: an appointment fits there."""
    return (
        Village.objects.filter(township__code=code, name__in=VILLAGES[code])
        .annotate(n=Count("posts__person", distinct=True))
        .order_by("n", "code")
        .first()
    )


@transaction.atomic
def load_candidate_cases(today: dt.date | None = None) -> int:
    """A few nominations along the vetting pipeline; returns how many cases were added.

    Each case goes through the vetting services, acted by the demo accounts of its roles.
    A case whose candidate already has one is left alone, so a second run adds nothing.
    """
    today = today or dt.date.today()
    users = get_user_model().objects.in_bulk(
        ["jc_staff", "jc_review", "ht_staff", "ht_review", "zzb", "jw_dept", "ga_dept"],
        field_name="username",
    )
    staff = {"220502100": users["jc_staff"], "220502200": users["ht_staff"]}
    reviewer = {"220502100": users["jc_review"], "220502200": users["ht_review"]}
    added = 0
    # A draft for someone already in the register: a group leader proposed for the committee.
    leader = (
        Person.objects.filter(
            posts__body=Post.Body.VILLAGER_GROUP,
            posts__ended_on__isnull=True,
            posts__village__name="金厂村",
            posts__village__township__code="220502100",
        )
        .order_by("pk")
        .first()
    )
    if leader is not None and not CandidateCase.objects.filter(person=leader).exists():
        candidates.case_create(
            actor=users["jc_staff"],
            person=leader,
            village=leader.posts.get(body=Post.Body.VILLAGER_GROUP).village,
            body=Post.Body.VILLAGERS_COMMITTEE,
            title=Post.Title.MEMBER,
            term_start=today + dt.timedelta(days=60),
            reason="任村民小组长以来工作扎实，拟推荐为村委会委员人选。",
        )
        added += 1
    # 补审: a secretary brought in by the roster, under the township's review.
    secretary = (
        Post.objects.serving()
        .filter(
            body=Post.Body.PARTY_BRANCH,
            title=Post.Title.SECRETARY,
            vetted=False,
            village__name="胜利村",
            village__township__code="220502100",
        )
        .first()
    )
    if secretary is not None and not secretary.supplementary_cases.exists():
        case = register_cases.supplementary_case_create(
            actor=users["jc_staff"],
            post=secretary,
            reason="该同志任职早于本系统启用，按凡进必审要求补充资格联审。",
        )
        candidates.case_submit(actor=users["jc_staff"], case=case)
        added += 1
    for code, village_name, name, birth, male, body, title, goal, reason in CANDIDATES:
        id_number = _demo_id_number(birth, male)
        if CandidateCase.objects.filter(id_number=id_number).exists():
            continue
        village = (
            Village.objects.get(township__code=code, name=village_name)
            if village_name
            else _fewest_cadres(code)
        )
        case = candidates.case_create(
            actor=staff[code],
            village=village,
            body=body,
            title=title,
            term_start=today if goal == CandidateCase.State.APPROVED else today + dt.timedelta(60),
            reason=reason,
            name=name,
            id_number=id_number,
            sex=Sex.MALE if male else Sex.FEMALE,
            political_status=PoliticalStatus.CPC_MEMBER,
            education=Education.HIGH_SCHOOL,
            relatives=[
                {
                    "name": ("李" if male else "王") + ("秀梅" if male else "建国"),
                    "relation": Relative.Relation.SPOUSE,
                    "birth_date": birth + dt.timedelta(days=400),
                    "work_unit_and_post": "务农",
                }
            ],
        )
        added += 1
        _advance(case, goal, staff=staff[code], reviewer=reviewer[code], users=users, today=today)
    return added


def _advance(case, goal: str, *, staff, reviewer, users, today: dt.date) -> None:
    """Move a new draft along the pipeline to ``goal`` through the vetting services."""
    state = CandidateCase.State
    case = candidates.case_submit(actor=staff, case=case)
    if goal == state.TOWNSHIP_REVIEW:
        return
    if goal == state.REJECTED:
        candidates.case_reject(
            actor=reviewer,
            case=case,
            reason="经走访核实，该同志近三年有违规占用耕地行为，不宜推荐。",
        )
        return
    if goal == state.RETURNED:
        candidates.case_return(actor=reviewer, case=case, note="请补充其配偶的身份证号和工作单位。")
        return
    candidates.case_checkpoints_record(actor=reviewer, case=case, verdicts=PASS_ALL)
    case = candidates.case_forward(actor=reviewer, case=case)
    candidates.case_joint_review_open(
        actor=users["zzb"],
        case=case,
        departments=["discipline", "police"],
        today=today - dt.timedelta(days=JOINT_REVIEW_OPENED_DAYS_AGO),
    )
    candidates.case_opinion_give(actor=users["jw_dept"], case=case, verdict="agree")
    if goal == state.DISTRICT_REVIEW:
        return  # 公安 has yet to give its opinion, which is overdue.
    candidates.case_opinion_give(actor=users["ga_dept"], case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=users["zzb"], case=case, verdicts=PASS_ALL)
    if not candidates.approval_blockers(case):
        candidates.case_approve(actor=users["zzb"], case=case, note="经区级联审，同意任用。")


# Demo watchlists ----------------------------------------------------------------

DISCIPLINE_LIST = "区纪委监委党纪政务处分人员名单（演示）"
GANG_LIST = "公安分局涉黑涉恶人员名单（演示）"
STRANGERS_PER_LIST = 12


def _serving_cadre(code: str, *, offset: int = 0, min_name_length: int = 2) -> Person:
    """A serving cadre of a demo township's villages, picked the same way on every machine."""
    people = (
        Person.objects.filter(
            posts__ended_on__isnull=True,
            posts__village__township__code=code,
            posts__village__name__in=VILLAGES[code],
            strict_control_since__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )
    return [p for p in people if len(p.name) >= min_name_length][offset]


def _list_row(person, *, id_number: bool, measure: str, body: str, decided: dt.date, text: str):
    return [
        person.name,
        person.id_number if id_number else None,
        person.get_sex_display(),
        person.birth_date,
        measure,
        body,
        decided,
        text,
    ]


def _strangers(rng, numbers: _Numbers, today: dt.date, measures, body: str, texts) -> list[list]:
    rows = []
    for _ in range(STRANGERS_PER_LIST):
        male = rng.random() < 0.8
        birth = _birth(rng, today, 25, 65)
        rows.append(
            [
                _name(rng, male),
                numbers.make(birth, male),
                "男" if male else "女",
                birth,
                rng.choice(measures),
                body,
                today - dt.timedelta(days=rng.randint(60, 3 * 365)),
                rng.choice(texts),
            ]
        )
    return rows


def _workbook(title: str, rows: list[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append([title])
    sheet.append([column.label for column in watchlists.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load_watchlists(today: dt.date | None = None) -> int:
    """Two small lists as the district receives them; returns how many were imported.

    Among strangers, each names people of the demo register, so that the review queue has
    a hit of every match kind once the import's screening run is done:
    - the discipline list: a 金厂镇 cadre by ID number (a disqualifying measure, so that
      confirming opens a removal case) and a 环通乡 cadre by name and birth date only (a
      mild measure);
    - the gang list: a 江东乡 cadre's family member by ID number (confirming puts the cadre
      under strict control) and a 金厂镇 cadre under a name one character off, with the
      same birth year and sex.
    A stranger may resemble someone by name, as on real lists: a false alarm to dismiss.
    A list already imported is left alone. The import goes through the watchlist service,
    acted by the district reviewer, like an upload on the import page.
    """
    today = today or dt.date.today()
    reviewer = get_user_model().objects.get(username="zzb")
    rng = random.Random(2205020)  # noqa: S311 (demo data, reproducible on purpose)
    numbers = _Numbers(rng)
    numbers.used.update(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
    numbers.used.update(
        Relative.objects.exclude(id_number=None).values_list("id_number", flat=True)
    )
    commission = "中共通化市东昌区纪律检查委员会"
    police = "通化市公安局东昌分局"
    relative = (
        Relative.objects.filter(
            cadre=_serving_cadre("220502201", offset=1), id_number__isnull=False
        )
        .order_by("pk")
        .first()
    )
    near = _serving_cadre("220502100", offset=2, min_name_length=3)
    near_name = near.name[:-1] + next(c for c in MALE_GIVEN + FEMALE_GIVEN if c != near.name[-1])
    lists = {
        DISCIPLINE_LIST: (
            WatchlistSource.Kind.PARTY_DISCIPLINE,
            [
                _list_row(
                    _serving_cadre("220502100"),
                    id_number=True,
                    measure="撤销党内职务",
                    body=commission,
                    decided=today - dt.timedelta(days=200),
                    text="违规套取村集体资金用于发放补贴",
                ),
                _list_row(
                    _serving_cadre("220502200"),
                    id_number=False,
                    measure="警告",
                    body=commission,
                    decided=today - dt.timedelta(days=420),
                    text="在村级工程项目验收中把关不严",
                ),
                *_strangers(
                    rng,
                    numbers,
                    today,
                    ["警告", "严重警告", "撤销党内职务", "留党察看", "开除党籍", "政务记过"],
                    commission,
                    ["违规收受礼金", "优亲厚友", "虚报冒领惠农补贴", "违规使用公车"],
                ),
            ],
        ),
        GANG_LIST: (
            WatchlistSource.Kind.GANG,
            [
                _list_row(
                    relative,
                    id_number=True,
                    measure="有期徒刑二年",
                    body="通化市东昌区人民法院",
                    decided=today - dt.timedelta(days=700),
                    text="参与强迫交易",
                ),
                [
                    near_name,
                    None,
                    near.get_sex_display(),
                    # Another day of the same month: the rule asks only for the year.
                    near.birth_date.replace(day=2 if near.birth_date.day == 1 else 1),
                    "训诫",
                    police,
                    today - dt.timedelta(days=300),
                    "参与非法采砂纠纷",
                ],
                *_strangers(
                    rng,
                    numbers,
                    today,
                    ["有期徒刑一年", "有期徒刑三年", "拘役六个月", "训诫"],
                    police,
                    ["寻衅滋事", "强迫交易", "非法采矿", "聚众斗殴"],
                ),
            ],
        ),
    }
    imported = 0
    for name, (kind, rows) in lists.items():
        if WatchlistSource.objects.filter(name=name).exists():
            continue
        watchlists.watchlist_import_upload(
            actor=reviewer,
            upload=ContentFile(_workbook(name, rows), name=f"{name}.xlsx"),
            source_name=name,
            kind=kind,
        )
        imported += 1
    return imported


# Demo secretary changes --------------------------------------------------------------

# (township code, village, township user, end reason, days until the planned end, reason,
# proposed successor, approved)
SECRETARY_CHANGES = [
    ("220502100", "新开岭村", "jc_staff", Post.EndReason.RESIGNED, 30,
     "本人因身体原因申请辞去村党组织书记职务，镇党委会议研究同意，拟报区委组织部审批。",
     "村党组织副书记", False),
    ("220502200", "前进村", "ht_staff", Post.EndReason.TRANSFERRED, 0,
     "调任乡农业综合服务中心工作，乡党委会议研究同意。",
     "拟从本村致富带头人中提名", True),
]  # fmt: skip


@transaction.atomic
def load_secretary_changes(today: dt.date | None = None) -> int:
    """One request awaiting the district and one approved (its village waits for the new
    secretary and the filing); returns how many were added. A village that already has a
    request is left alone. Asked by the township's demo staff, decided by the district."""
    today = today or dt.date.today()
    users = get_user_model().objects.in_bulk(["jc_staff", "ht_staff", "zzb"], field_name="username")
    added = 0
    for (
        code,
        village_name,
        asker,
        end_reason,
        days,
        reason,
        successor,
        approve,
    ) in SECRETARY_CHANGES:
        village = Village.objects.get(township__code=code, name=village_name)
        if SecretaryChange.objects.filter(village=village).exists():
            continue
        post = Post.objects.serving(today).get(
            village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
        )
        minutes = SimpleUploadedFile(
            "党委会议纪要.pdf", b"%PDF-1.4 demo", content_type="application/pdf"
        )
        change = secretary_change_request(
            actor=users[asker],
            post=post,
            ends_on=today + dt.timedelta(days=days),
            end_reason=end_reason,
            reason=reason,
            successor=successor,
            documents=[minutes],
        )
        if approve:
            secretary_change_decide(
                actor=users["zzb"], change=change, approve=True, note="经部务会研究，同意。"
            )
        added += 1
    return added
