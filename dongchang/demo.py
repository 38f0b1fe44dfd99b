"""The demo district loaded by `make run`: villages, the demo accounts, the cadres, a few
candidate vetting cases along the pipeline, two small watchlists, two secretary changes, and
something real in every module: the management records, training and supervision."""

import datetime as dt
import io
import random
from contextlib import suppress
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client as DemoHttp  # a first call of each demo API client
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image, ImageDraw

from cadres.access_log import AccessLogBroken, access_log_check
from cadres.choices import Department, Education, Ethnicity, Light, PoliticalStatus, Sex
from cadres.dates import MONTH, PartialDate
from cadres.filters import PersonFilter
from cadres.identity import check_character
from cadres.listing import filter_detail
from cadres.models import (
    AccessLogEntry,
    EducationRecord,
    IdNumberConflict,
    Job,
    Person,
    PlaceEvent,
    Post,
    Relative,
    ResumeLine,
    RewardPunishment,
    StrictControlSource,
    StructureTargets,
    Township,
    Village,
)
from cadres.person_details import person_detail_add, person_photo_store
from cadres.place_events import villages_merge
from cadres.places import places_apply, places_check, places_import_file, places_preview
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    DutyShift,
    Grade,
    LeavePeriod,
    PartyCandidate,
    PersonalReport,
    PioneerProject,
    SecretaryChange,
    SecretaryFiling,
)
from cadres.records.services import (
    duty_roster_create,
    duty_shift_add,
    duty_shift_record,
    evaluation_record,
    leave_record,
    party_candidate_add,
    personal_report_review,
    personal_report_submit,
    pioneer_project_claim,
    pioneer_project_complete,
    project_progress_add,
    recusal_record,
    secretary_change_decide,
    secretary_change_request,
    secretary_filing_decide,
    secretary_filing_submit,
    serving_secretary_post,
)
from cadres.roster import post_label
from cadres.scoping import township_access_set
from cadres.services import (
    access_log_append,
    cadre_create,
    id_number_conflict_record,
    person_strict_control_set,
    person_update,
    post_appoint,
    post_end,
    relative_add,
    villager_group_upsert,
)
from cadres.structure import structure_targets_replace
from dongchang.accounts.roles import Role
from dongchang.api.models import ApiClient
from dongchang.api.services import api_client_create, api_token_issue
from dongchang.models import Notification, WarningLight
from dongchang.notifications import (
    lights_red_notify,
    opinions_due_notify,
    opinions_requested_notify,
)
from dongchang.reports import Month
from dongchang.services import REPORT_JOB, monthly_report_start
from dongchang.warnings import lights_refresh
from supervision import selectors as supervision_selectors
from supervision import services as supervision_services
from supervision.models import (
    Audit,
    Disclosure,
    DisclosureKind,
    Handover,
    HandoverLine,
    MisconductCase,
    SupervisionRecord,
)
from training import services as training_services
from training.models import Attendance, DailyStudy, Round, Session
from vetting.models import (
    CandidateCase,
    Checkpoint,
    DepartmentOpinion,
    Election,
    ElectionVillage,
    WatchlistSource,
)
from vetting.services import candidates, election, register_cases, watchlists

DEMO_PASSWORD = "Dongchang-demo-2026"  # noqa: S105 (demo only; seed_demo refuses outside DEBUG)

VILLAGES = {
    "220502100": ["金厂村", "新开岭村", "大安村", "东升村", "胜利村", "太平村"],
    "220502200": ["环通村", "南岔村", "双胜村", "前进村", "新华村"],
    "220502201": ["江东村", "民主村", "红星村", "自安村", "永安村"],
}
GROUPS_PER_VILLAGE = 4
# The village whose supervisor is the sister or brother of a villagers' committee member.
FAMILY_ACROSS_VILLAGE = "大安村"

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


# The demo's places come in through the places import, from a list in the published format
# (统计用区划代码): its town-level rows follow the first listing of issue 25, and so differ
# from the townships of migration cadres 0002; its village rows are VILLAGES'.
DEMO_PLACES = Path(__file__).with_name("demo_places.xlsx")
DEMO_PLACES_SOURCE = "演示数据（统计用区划代码格式）"
# Before any demo post or record, so that a report of a past month finds its villages.
DEMO_PLACES_FROM = dt.date(2000, 1, 1)


@transaction.atomic
def load_places() -> None:
    """The demo's places, imported as the demo administrator; once (a second run finds no
    difference)."""
    actor = get_user_model().objects.get(username="admin")
    _found, plan, source, year = places_check(
        actor=actor, source=DEMO_PLACES, code_source=DEMO_PLACES_SOURCE
    )
    if plan.has_changes:
        with DEMO_PLACES.open("rb") as handle:
            record, _earlier = places_import_file(actor=actor, upload=File(handle))
        places_preview(actor=actor, record=record, source=source, year=year)
        places_apply(actor=actor, record=record, effective_on=DEMO_PLACES_FROM)
    for township_code, names in VILLAGES.items():
        for village in Village.objects.current().filter(
            township__code=township_code, name__in=names
        ):
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
            _register_details(actor, person, birth, first, term_start, today)
            added += 1
            people.append(person)
        if len(people) < 9 and rng.random() < 0.4:
            added += _former_cadre(rng, numbers, actor, village, today, term_start)
        if village.name == FAMILY_ACROSS_VILLAGE:
            _family_across(actor, village)
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


def _family_across(actor, village: Village) -> None:
    """A supervisor records a sister or brother who sits on the villagers' committee of the
    same village: both posts fail the supervision rule, so 资格复核, the reviewers' to-do
    counts and two yellow lights have a case to open."""
    serving = Post.objects.serving().filter(village=village)
    supervisor = Person.objects.filter(
        posts__in=serving.filter(body=Post.Body.SUPERVISION_COMMITTEE, title=Post.Title.MEMBER)
    ).first()
    member = (
        Person.objects.filter(
            posts__in=serving.filter(body=Post.Body.VILLAGERS_COMMITTEE, title=Post.Title.MEMBER)
        )
        .exclude(posts__in=serving.exclude(body=Post.Body.VILLAGERS_COMMITTEE))
        .first()
    )
    relative_add(
        actor=actor,
        cadre=supervisor,
        relation=Relative.Relation.SIBLING,
        name=member.name,
        id_number=member.id_number,
        birth_date=member.birth_date,
        sex=member.sex,
        work_unit_and_post=f"{village.name}村民委员会委员",
    )


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


NATIVE_PLACES = ["吉林通化", "吉林通化", "吉林通化", "吉林集安", "吉林柳河", "辽宁新宾", "山东莱阳"]
EARLIER_WORK = ["在本村务农", "在本村务农", "在通化市务工", "在本村经营种植合作社", "个体经营"]
# A full-time stage below the highest level, for those who reached it while working.
IN_SERVICE_BELOW = {Education.BACHELOR: Education.COLLEGE, Education.COLLEGE: Education.HIGH_SCHOOL}
SCHOOLS = {
    Education.BACHELOR: ("吉林农业大学", "农学"),
    Education.COLLEGE: ("吉林农业科技学院", "农业经济管理"),
    Education.VOCATIONAL: ("通化市农业学校", "农学"),
    Education.HIGH_SCHOOL: ("通化市第二中学", ""),
    Education.JUNIOR_HIGH: ("东昌区金厂镇中学", ""),
}
PHOTO_SHARE = 0.15


def _portrait(seed: int) -> SimpleUploadedFile:
    """A small ID photo: a head and shoulders on a blue ground, shaded per person."""
    image = Image.new("RGB", (90, 120), (60, 120, 200 - seed % 40))
    draw = ImageDraw.Draw(image)
    draw.ellipse((27, 18, 63, 60), fill=(235, 200, 170))
    draw.rectangle((15, 70, 75, 120), fill=(30 + seed % 50, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"证件照{seed}.png", buffer.getvalue(), content_type="image/png")


def _register_details(actor, person, birth: dt.date, post, term_start, today) -> None:
    """籍贯 and the rest of the 干部信息表 for one demo cadre: education rows that agree with
    the level already given, 简历 lines, now and then a 奖惩 record and a photo. A random
    source of its own, seeded by the person, leaves the rest of the demo as it was."""
    rng = random.Random(f"details-{person.id_number}")  # noqa: S311 (demo data)
    village = person.home_village
    work_began = PartialDate.of(
        min(birth + relativedelta(years=rng.randint(18, 23), months=rng.randint(0, 11)), today),
        MONTH,
    )
    person = person_update(
        actor=actor,
        person=person,
        native_place=rng.choice(NATIVE_PLACES),
        birthplace=f"吉林省通化市东昌区{village.township.name}",
        work_started_on=work_began,
        health=rng.choice(["健康", "健康", "健康", "良好", "一般"]),
    )
    highest = person.education
    below = IN_SERVICE_BELOW.get(highest)
    if below and rng.random() < 0.5:
        stages = [
            (EducationRecord.Kind.FULL_TIME, below),
            (EducationRecord.Kind.IN_SERVICE, highest),
        ]
    else:
        stages = [(EducationRecord.Kind.FULL_TIME, highest)]
    for kind, level in stages:
        school, major = SCHOOLS.get(level, ("", ""))
        in_service = kind == EducationRecord.Kind.IN_SERVICE
        ended = work_began.date + relativedelta(years=8) if in_service else work_began.date
        person_detail_add(
            actor=actor,
            person=person,
            model=EducationRecord,
            kind=kind,
            level=level,
            degree="学士" if level == Education.BACHELOR else "",
            school=school,
            major=major,
            started_on=PartialDate.of(ended - relativedelta(years=3), MONTH),
            ended_on=PartialDate.of(min(ended, today), MONTH),
        )
    started = PartialDate.of(term_start, MONTH)
    if work_began.date < started.date:
        person_detail_add(
            actor=actor,
            person=person,
            model=ResumeLine,
            started_on=work_began,
            ended_on=started,
            text=rng.choice(EARLIER_WORK),
        )
    body, title, _group = post
    person_detail_add(
        actor=actor,
        person=person,
        model=ResumeLine,
        started_on=started,
        text=f"东昌区{village.township.name}{village.name}{post_label(body, title)}",
    )
    roll = rng.random()
    if roll < 0.25:
        year = rng.randint(max(term_start.year, today.year - 4), today.year - 1)
        person_detail_add(
            actor=actor,
            person=person,
            model=RewardPunishment,
            kind=RewardPunishment.Kind.REWARD,
            decided_on=PartialDate(dt.date(year + 1, 1, 1), MONTH),
            description=f"{year}年度优秀村干部",
            issued_by="中共通化市东昌区委组织部",
        )
    elif roll < 0.28:
        person_detail_add(
            actor=actor,
            person=person,
            model=RewardPunishment,
            kind=RewardPunishment.Kind.PUNISHMENT,
            decided_on=PartialDate.of(today - dt.timedelta(days=rng.randint(400, 900)), MONTH),
            description="党内警告处分（村级财务报销手续不全）",
            issued_by="东昌区纪委监委",
        )
    if rng.random() < PHOTO_SHARE:
        person_photo_store(actor=actor, person=person, upload=_portrait(person.pk))


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
# A goal beyond the states: under district review, every department asked today and none
# answered yet, so that each department's demo user has an opinion to give.
ASKING_EVERY_DEPARTMENT = "asking_every_department"
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
    ("220502200", "新华村", "于海波", dt.date(1984, 7, 9), True, "villagers_committee", "member",
     ASKING_EVERY_DEPARTMENT, "退役军人，任村民兵连长多年，热心公益，群众认可度高。"),
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
    if goal == ASKING_EVERY_DEPARTMENT:
        candidates.case_joint_review_open(
            actor=users["zzb"], case=case, departments=Department.values, today=today
        )
        return
    opened_on = today - dt.timedelta(days=JOINT_REVIEW_OPENED_DAYS_AGO)
    candidates.case_joint_review_open(
        actor=users["zzb"], case=case, departments=["discipline", "police"], today=opened_on
    )
    # The review opened days ago: its opinions were asked then, not today (their due dates
    # count from that day, and an opinion asked after its due date reads as nonsense).
    case.opinions.update(created_at=_at(opened_on, 9))
    candidates.case_opinion_give(actor=users["jw_dept"], case=case, verdict="agree")
    if goal == state.DISTRICT_REVIEW:
        return  # 公安 has yet to give its opinion, which is overdue.
    candidates.case_opinion_give(actor=users["ga_dept"], case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=users["zzb"], case=case, verdicts=PASS_ALL)
    if not candidates.approval_blockers(case):
        candidates.case_approve(actor=users["zzb"], case=case, note="经区级联审，同意任用。")


# Demo general election ----------------------------------------------------------

# (township code, village, stage it is left at): every stage of 换届 has a village. The
# newcomer stands for secretary and director (一肩挑) and a second one for the villagers'
# committee; results entered for 结果录入, confirmed by zzb for 交接, handovers completed for
# 备案, filed for 完成.
ELECTION_VILLAGES = [
    ("220502100", "金厂村", "nomination"),
    ("220502100", "大安村", "joint_review"),
    ("220502100", "新开岭村", "election"),
    ("220502100", "太平村", "results"),
    ("220502200", "前进村", "handover"),
    ("220502200", "南岔村", "filing"),
    ("220502200", "环通村", "done"),
]
ELECTION_NAMES = ["赵春雨", "钱丽萍", "孙浩然", "李雪梅", "周立国", "吴秀兰", "郑宏伟", "王晓燕"]


@transaction.atomic
def load_election(today: dt.date | None = None) -> int:
    """An election in progress, its villages at different stages; 0 when it exists."""
    today = today or dt.date.today()
    if Election.objects.filter(year=today.year).exists():
        return 0
    users = get_user_model().objects.in_bulk(
        ["jc_staff", "jc_review", "ht_staff", "ht_review", "zzb", "jw_dept", "ga_dept"],
        field_name="username",
    )
    staff = {"220502100": users["jc_staff"], "220502200": users["ht_staff"]}
    reviewer = {"220502100": users["jc_review"], "220502200": users["ht_review"]}
    the_election = election.election_open(
        actor=users["zzb"],
        name=f"{today.year}年村“两委”换届（演示）",
        year=today.year,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        joint_review_deadline=today - dt.timedelta(days=5),
        filing_deadline=today + dt.timedelta(days=30),
    )
    names = iter(ELECTION_NAMES * 2)
    for index, (code, village_name, stage) in enumerate(ELECTION_VILLAGES):
        plan = the_election.plans.get(township__code=code)
        ev = plan.villages.select_related("village").get(village__name=village_name)
        voted = stage in ("results", "handover", "filing", "done")
        day = today - dt.timedelta(days=3) if voted else today + dt.timedelta(days=10)
        ElectionVillage.objects.filter(pk=ev.pk).update(election_on=day)
        ev.refresh_from_db()
        if stage == "nomination":
            continue
        birth = dt.date(1988, 3, index + 1)
        first, second = next(names), next(names)
        cases = []
        for who, male, (body, title) in (
            (first, True, ("party_branch", "secretary")),
            (first, True, ("villagers_committee", "director")),
            (second, False, ("villagers_committee", "member")),
        ):
            case = candidates.case_create(
                actor=staff[code],
                village=ev.village,
                body=body,
                title=title,
                term_start=day,
                reason="换届提名：群众公认，带富能力强。",
                name=who,
                id_number=_demo_id_number(birth if male else birth + dt.timedelta(days=1), male),
                sex=Sex.MALE if male else Sex.FEMALE,
                political_status=PoliticalStatus.CPC_MEMBER,
                education=Education.COLLEGE,
                election=the_election,
            )
            goal = (
                CandidateCase.State.TOWNSHIP_REVIEW
                if stage == "joint_review"
                else CandidateCase.State.APPROVED
            )
            _advance(
                case, goal, staff=staff[code], reviewer=reviewer[code], users=users, today=today
            )
            cases.append(case)
        if not voted:
            continue
        votes = {case.pk: 600 - 40 * i for i, case in enumerate(cases)}
        election.results_enter(actor=staff[code], village=ev, elected=votes)
        if stage == "results":
            continue
        election.results_confirm(actor=users["zzb"], village=ev)
        if stage == "handover":
            continue
        for handover in Handover.objects.filter(village=ev.village, state=Handover.State.OPEN):
            _handover_lines(staff[code], handover, HANDOVER_ITEMS)
            _handover_confirm(staff[code], reviewer[code], handover, witness=True)
        if stage == "done":
            election.village_file(actor=users["zzb"], village=ev, filed_on=today)
    return 1


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


# Shared by the loaders of the three modules below ----------------------------------------

# Each demo township's own accounts: (staff, reviewer).
TOWNSHIP_ACCOUNTS = {
    "220502100": ("jc_staff", "jc_review"),
    "220502200": ("ht_staff", "ht_review"),
    "220502201": ("jd_staff", "jd_review"),
}


def _users() -> dict:
    return get_user_model().objects.in_bulk([row[0] for row in ACCOUNTS], field_name="username")


def _demo_villages(code: str) -> list[Village]:
    return list(
        Village.objects.filter(township__code=code, name__in=VILLAGES[code])
        .select_related("township")
        .order_by("code")
    )


def _steady_cadres(village: Village, since: dt.date) -> list[Person]:
    """People serving in the village since ``since`` with no end in sight, in register order:
    the ones a roster may name on any day from then to the end of this month."""
    posts = Post.objects.filter(village=village, term_start__lte=since, ended_on__isnull=True)
    return list(Person.objects.filter(pk__in=posts.values("person_id")).order_by("pk"))


def _secretary_in(village: Village, year: int) -> Post | None:
    """The village's party secretary post held last in the year."""
    return (
        Post.objects.filter(
            village=village,
            body=Post.Body.PARTY_BRANCH,
            title=Post.Title.SECRETARY,
            term_start__lte=dt.date(year, 12, 31),
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=dt.date(year, 1, 1)))
        .select_related("person")
        .order_by("-term_start", "-pk")
        .first()
    )


def _previous_month(today: dt.date) -> dt.date:
    """The first day of the month before: what the monthly workbook is built for."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# The demo's village change: 新丰村 of 江东乡, with one cadre serving, merged into 永安村 on
# the first of this month. Last month's workbook shows it still.
MERGED_VILLAGE = ("220502201", "220502201298", "新丰村")
MERGED_INTO = "永安村"
MERGER_DOCUMENT = ("东昌委发〔2026〕31号", "关于江东乡新丰村并入永安村的批复")


def load_village_changes(today: dt.date | None = None) -> int:
    """One recorded merger, made as the administrator records it; once."""
    if PlaceEvent.objects.exists():
        return 0
    today = today or timezone.localdate()
    township_code, code, name = MERGED_VILLAGE
    users = _users()
    rng = random.Random(298)  # noqa: S311 (demo data, reproducible on purpose)
    numbers = _Numbers(rng)
    numbers.used.update(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
    # As the code list of the demo's places had it, before the merger.
    source = Village.objects.create(
        township=Township.objects.get(code=township_code),
        code=code,
        name=name,
        urban_rural_code="220",
        code_source=DEMO_PLACES_SOURCE,
        code_year=2023,
        valid_from=DEMO_PLACES_FROM,
    )
    birth = _birth(rng, today, 38, 50)
    term_start = today - relativedelta(years=2)
    post = (Post.Body.VILLAGERS_COMMITTEE, Post.Title.MEMBER, None)
    person = cadre_create(
        actor=users["admin"],
        person={
            "name": _name(rng, True),
            "id_number": numbers.make(birth, True),
            "ethnicity": _ethnicity(rng),
            "political_status": PoliticalStatus.CPC_MEMBER,
            "party_joined_on": birth + relativedelta(years=24),
            "education": _education(rng, "member"),
            "phone": f"139{rng.randrange(10**8):08d}",
            "home_village": source,
        },
        post=_post_args(source, {}, post, term_start),
        origin=Post.Origin.ROSTER,
    )
    for relative in _relatives(rng, numbers, today, person.name, birth, True):
        relative_add(actor=users["admin"], cadre=person, **relative)
    _register_details(users["admin"], person, birth, post, term_start, today)
    number, title = MERGER_DOCUMENT
    villages_merge(
        actor=users["admin"],
        sources=[source],
        target=Village.objects.current().get(township__code=township_code, name=MERGED_INTO),
        effective_on=today.replace(day=1),
        document_number=number,
        document_title=title,
        note="两村地域相连，合并后便于统筹发展。",
        document=_pdf("关于江东乡新丰村并入永安村的批复.pdf"),
    )
    return 1


def load_monthly_report(today: dt.date | None = None) -> int:
    """Ask for last month's workbook as the organization department would, so that the
    reports and jobs pages have something to show; the worker of ``make run`` builds it."""
    if Job.objects.filter(kind=REPORT_JOB).exists():
        return 0
    month = Month.previous(today or timezone.localdate())
    monthly_report_start(month=month, actor=_users()["zzb"])
    return 1


def load_structure_targets() -> int:
    """A second version of the team structure targets, as the organization department would
    make one, so that the targets' history shows who changed what and why."""
    if StructureTargets.objects.filter(created_by__isnull=False).exists():
        return 0
    current = StructureTargets.objects.get(active=True)
    targets = {name: getattr(current, name) for name in StructureTargets.TARGET_FIELDS}
    structure_targets_replace(
        actor=_users()["zzb"],
        note="按换届工作要求，“一肩挑”比例目标提高到95%",
        **{**targets, "one_shoulder_share_min": Decimal(95)},
    )
    return 1


def load_access_log() -> int:
    """A few reads for the access log page, as the demo users would make them (an ID number
    revealed by a township reviewer, a relative's by the district, a filtered export of the
    register by township staff), then the system administrator's verification, so that its
    panel shows one. Also the
    number of a 金厂镇 cadre once typed by 环通乡's staff, refused and listed for the district
    on the ID-conflict page."""
    if AccessLogEntry.objects.exists():
        return 0
    users = _users()
    jinchang = _serving_cadre("220502100")
    id_number_conflict_record(
        actor=users["ht_staff"],
        person=jinchang,
        township=None,
        source=IdNumberConflict.Source.FORM,
    )
    huantong = _serving_cadre("220502200")
    access_log_append(user=users["jc_review"], action=AccessLogEntry.Action.REVEAL_ID, obj=jinchang)
    relative = huantong.relatives.first()
    if relative is not None:
        access_log_append(user=users["zzb"], action=AccessLogEntry.Action.REVEAL_ID, obj=relative)
    township = Township.objects.get(code="220502100")
    access_log_append(
        user=users["jc_staff"],
        action=AccessLogEntry.Action.EXPORT,
        detail=f"cadres-{timezone.localdate():%Y%m%d}.xlsx, "
        + filter_detail(f"township={township.pk}", PersonFilter(queryset=Person.objects.none())),
    )
    # The system administrator verifies the chain after these reads, as from the page's
    # button: a verification by the schedule would claim a beat that has not run yet. The
    # checkpoints outside the database (ACCESS_LOG_CHECKPOINT_DIR) outlive a deleted
    # database: its verification is then recorded as broken and shown in red on the page, as
    # it would be in production, and the demo loads the rest.
    with suppress(AccessLogBroken):
        access_log_check(actor=users["admin"])
    return AccessLogEntry.objects.count()


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 demo", content_type="application/pdf")


def _photo(name: str) -> SimpleUploadedFile:
    """A notice board on a red wall, as a township's phone photo would show it."""
    image = Image.new("RGB", (640, 480), (178, 34, 34))
    ImageDraw.Draw(image).rectangle((60, 60, 580, 420), fill=(250, 250, 245), outline=(90, 60, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# Demo management records (制度管理) ---------------------------------------------------------

FILED_PER_TOWNSHIP = 2
# (township code, index among its filed villages) of the filing left awaiting the district.
AWAITING_FILING = ("220502100", 1)
ANNUAL_REPORT_TEXTS = [
    ([], "本人及配偶、子女本年度无需要报告的重大事项变化，"
         "婚姻、住房、经商办企业等情况与上年一致。"),
    ([PersonalReport.Category.PROPERTY],
     "家庭在通化市区新购商品住房一套（约90平方米），购房款来源为家庭积蓄及银行贷款。"),
    ([PersonalReport.Category.RELATIVES_BUSINESS],
     "配偶在本村经营小卖部一处，已办理个体工商户营业执照，未承接村集体项目。"),
    ([PersonalReport.Category.ABROAD],
     "本年度经乡镇党委批准因私赴韩国探亲一次，证件已按规定交回保管。"),
]  # fmt: skip
DUTY_HOURS = (dt.time(8, 30), dt.time(17, 0))
PROJECTS = [
    ("党建引领林下参种植合作社提质增效",
     "发展林下参种植面积200亩，吸纳脱贫户务工20人以上，村集体经济增收5万元。",
     "3月完成合作社章程修订；6月前完成新增种植面积；10月完成秋季采收和收益分配。"),
    ("“红色代办”便民服务站建设",
     "建成村级代办服务站，党员轮流值守，为老弱病残群众代办事项全年不少于300件。",
     "4月完成场所改造；5月建立党员代办员队伍；每季度公示代办台账。"),
    ("人居环境整治“美丽庭院”创建",
     "创建“美丽庭院”示范户50户，村内主干道沿线垃圾乱堆乱放清零。",
     "春季开展集中清理；夏季评选示范户；年底组织群众评议。"),
    ("村级集体经济黑木耳种植基地",
     "建设黑木耳大棚10栋，村集体年收入突破20万元。",
     "上半年完成大棚建设和菌袋采购；下半年完成两茬采收和销售。"),
    ("乡村治理积分制推行",
     "全村农户纳入积分管理，积分兑换超市运行满一年，矛盾纠纷不出村。",
     "3月制定积分细则；4月兑换超市开业；每月公示积分排名。"),
    ("党员先锋岗示范带建设",
     "设立党员先锋岗15个，党员联系户全覆盖，带动群众参与公益事业。",
     "5月前完成设岗定责；每季度开展一次亮身份、比贡献活动。"),
]  # fmt: skip
# Score ranges (work results, discipline, public reputation) that give each grade under the
# default grading rule; the spread makes one 基本称职 among 优秀 and 称职.
SCORE_RANGES = {
    Grade.EXCELLENT: ((92, 97), (90, 96), (88, 95)),
    Grade.COMPETENT: ((78, 88), (80, 90), (75, 88)),
    Grade.BASIC: ((62, 70), (70, 78), (60, 68)),
}
EVALUATION_COMMENTS = {
    Grade.EXCELLENT: "带领班子成员团结干事，头雁项目成效明显，群众满意度高。",
    Grade.COMPETENT: "能够履行党组织书记职责，各项重点工作按期完成。",
    Grade.BASIC: "工作推进力度不足，村级事务公开不够及时，群众有一定意见，需加强督促。",
}
# (township code, index among its demo villages) of the secretary graded 基本称职.
BASIC_EVALUATION = ("220502100", 2)


@transaction.atomic
def load_records(today: dt.date | None = None) -> int:
    """The management records of the demo townships; returns how many rows were added.

    Secretary filings (confirmed, and one awaiting the district), this year's personal
    matters reports (approved, awaiting review, one returned, one missing per township), duty
    rosters of last week, this week and this month (one duty missed, one cadre on leave), this
    year's 头雁 projects (one completed, with progress), last year's evaluations of the
    secretaries (one 基本称职), and party membership candidates in 金厂镇 and 环通乡, with
    recusals recorded and awaited. Each goes through the records' services, acted by the
    township's demo staff or reviewer and by the district; whatever exists is left alone.
    """
    today = today or timezone.localdate()
    users = _users()
    return (
        _load_filings(users, today)
        + _load_reports(users, today)
        + _load_duty(users, today)
        + _load_projects(users, today)
        + _load_evaluations(users, today)
        + _load_party_candidates(users, today)
    )


def _load_filings(users, today: dt.date) -> int:
    added = 0
    # A village whose secretary is changing files the successor, later.
    changing = set(SecretaryChange.objects.values_list("village_id", flat=True))
    filed = set(SecretaryFiling.objects.values_list("village_id", flat=True))
    for code, (staff, _reviewer) in TOWNSHIP_ACCOUNTS.items():
        villages = [v for v in _demo_villages(code) if v.pk not in changing]
        for index, village in enumerate(villages[:FILED_PER_TOWNSHIP]):
            post = serving_secretary_post(village=village, on=today)
            if village.pk in filed or post is None:
                continue
            filed_on = min(today, post.term_start + dt.timedelta(days=21))
            filing = secretary_filing_submit(
                actor=users[staff],
                village=village,
                filing_number=f"东组备〔{filed_on.year}〕{village.code[6:]}号",
                filed_on=filed_on,
                documents=[_pdf("村党组织书记备案登记表.pdf")],
                note="经乡镇党委会议研究，报区委组织部备案。",
            )
            added += 1
            if (code, index) != AWAITING_FILING:
                secretary_filing_decide(actor=users["zzb"], filing=filing, confirm=True)
    return added


def _load_reports(users, today: dt.date) -> int:
    rng = random.Random(2205021)  # noqa: S311 (demo data, reproducible on purpose)
    year = today.year
    first_day = dt.date(year, 1, 1)
    added = 0
    for code, (staff, reviewer) in TOWNSHIP_ACCOUNTS.items():
        villages = _demo_villages(code)
        if PersonalReport.objects.filter(village__in=villages, year=year).exists():
            continue
        village_of = {}
        for post in (
            Post.objects.serving(today)
            .filter(village__in=villages)
            .select_related("person", "village")
            .order_by("person_id", "village__code")
        ):
            village_of.setdefault(post.person, post.village)
        people = sorted(village_of, key=lambda person: person.pk)
        missing = rng.choice(people)  # the one the missing-reports list names
        reports = []
        for person in people:
            if person == missing:
                continue
            categories, content = rng.choice(ANNUAL_REPORT_TEXTS)
            reports.append(
                personal_report_submit(
                    actor=users[staff],
                    person=person,
                    village=village_of[person],
                    year=year,
                    kind=PersonalReport.Kind.ANNUAL,
                    categories=categories,
                    content=content,
                    reported_on=first_day
                    + dt.timedelta(days=rng.randint(0, min(75, (today - first_day).days))),
                )
            )
        changed = people[0] if people[0] != missing else people[1]
        reports.append(
            personal_report_submit(
                actor=users[staff],
                person=changed,
                village=village_of[changed],
                year=year,
                kind=PersonalReport.Kind.CHANGE,
                categories=[PersonalReport.Category.RELATIVES_BUSINESS],
                content="其子在本村开办农家乐，已办理营业执照，未与村集体发生经济往来。",
                reported_on=today,
            )
        )
        added += len(reports)
        # Most are approved, one is returned, and the rest (the change among them) await review.
        returned = reports[1]
        personal_report_review(
            actor=users[reviewer],
            report=returned,
            approve=False,
            note="请补充配偶及子女的工作单位和职务。",
        )
        for report in reports[2:-1]:
            if rng.random() < 0.7:
                personal_report_review(actor=users[reviewer], report=report, approve=True)
    return added


def _load_duty(users, today: dt.date) -> int:
    """In the first demo village of each township: office hours on workdays in a weekly
    roster (last week's and this week's) and weekend duty in this month's roster."""
    monday = today - dt.timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    rosters = [
        # (period, first day, on workdays): weekly rosters hold the workdays, the monthly one
        # the weekends, so that nobody is on two rosters on one day.
        (DutyRoster.Period.WEEK, monday - dt.timedelta(days=7), True),
        (DutyRoster.Period.WEEK, monday, True),
        (DutyRoster.Period.MONTH, first_of_month, False),
    ]
    added = 0
    for code, (staff, _reviewer) in TOWNSHIP_ACCOUNTS.items():
        actor = users[staff]
        village = _demo_villages(code)[0]
        people = _steady_cadres(village, monday - dt.timedelta(days=7))
        # The last of them is on leave this week: nobody else may be, so the others do duty.
        on_duty, away = people[:-1], people[-1]
        for period, starts_on, on_workdays in rosters:
            if DutyRoster.objects.filter(
                village=village, period=period, starts_on=starts_on
            ).exists():
                continue
            ends_on = (
                starts_on + dt.timedelta(days=6)
                if period == DutyRoster.Period.WEEK
                else starts_on + relativedelta(months=1) - dt.timedelta(days=1)
            )
            roster = duty_roster_create(
                actor=actor,
                village=village,
                period=period,
                starts_on=starts_on,
                ends_on=ends_on,
                note="坐班时间8:30—17:00；值班期间保持电话畅通，遇紧急情况第一时间报告乡镇。",
            )
            added += 1
            day = starts_on
            while day <= ends_on:
                if (day.weekday() < 5) == on_workdays:
                    added += _duty(
                        actor, roster, on_duty[day.toordinal() % len(on_duty)], day, today
                    )
                day += dt.timedelta(days=1)
        if not LeavePeriod.objects.filter(person=away).exists():
            leave_record(
                actor=actor,
                person=away,
                starts_on=today - dt.timedelta(days=2),
                ends_on=today + dt.timedelta(days=4),
                reason="病假：腰椎间盘突出住院治疗",
            )
            added += 1
    return added


def _duty(actor, roster, person: Person, day: dt.date, today: dt.date) -> int:
    try:
        shift = duty_shift_add(
            actor=actor,
            roster=roster,
            person=person,
            date=day,
            start_time=DUTY_HOURS[0],
            end_time=DUTY_HOURS[1],
        )
    except ValidationError:
        # On a later start the demo's users may have put this person on leave or on
        # another duty that day: the demo leaves the day out rather than fail to start.
        return 0
    if day < today:
        # Last week's Wednesday was missed; every other past duty was done.
        missed = roster.starts_on < today - dt.timedelta(days=today.weekday()) and (
            day.weekday() == 2
        )
        duty_shift_record(
            actor=actor,
            shift=shift,
            outcome=DutyShift.Outcome.MISSED if missed else DutyShift.Outcome.DONE,
            note="未按时到岗，也未向村党组织书记请假。" if missed else "",
        )
    return 1


def _load_projects(users, today: dt.date) -> int:
    """This year's projects of every village with a secretary but the last of each township;
    the first of each has progress, and 金厂镇's first is completed."""
    year = today.year
    added = 0
    for offset, (code, (staff, reviewer)) in enumerate(TOWNSHIP_ACCOUNTS.items()):
        villages = _demo_villages(code)
        claimed = set(
            PioneerProject.objects.filter(village__in=villages, year=year).values_list(
                "village_id", flat=True
            )
        )
        for index, village in enumerate(villages[:-1]):
            if village.pk in claimed or serving_secretary_post(village=village, on=today) is None:
                continue
            title, goals, milestones = PROJECTS[(index + offset) % len(PROJECTS)]
            project = pioneer_project_claim(
                actor=users[staff],
                village=village,
                year=year,
                title=title,
                goals=goals,
                milestones=milestones,
            )
            added += 1
            if index > 0:
                continue
            project_progress_add(
                actor=users[staff],
                project=project,
                on=max(dt.date(year, 1, 1), today - dt.timedelta(days=20)),
                text="已召开党员大会部署推进，完成阶段目标，群众参与踊跃。",
                documents=[_pdf("项目推进情况.pdf")],
            )
            added += 1
            if offset == 0:
                pioneer_project_complete(actor=users[reviewer], project=project, completed_on=today)
    return added


def _load_evaluations(users, today: dt.date) -> int:
    """Last year's evaluation of each demo village's secretary, by the township reviewer."""
    rng = random.Random(2205022)  # noqa: S311 (demo data, reproducible on purpose)
    year = today.year - 1
    evaluated_on = min(today, dt.date(today.year, 1, 20))
    done = set(AnnualEvaluation.objects.filter(year=year).values_list("person_id", flat=True))
    added = 0
    for code, (_staff, reviewer) in TOWNSHIP_ACCOUNTS.items():
        for index, village in enumerate(_demo_villages(code)):
            post = _secretary_in(village, year)
            if post is None or post.person_id in done:
                continue
            if (code, index) == BASIC_EVALUATION:
                grade = Grade.BASIC
            else:
                grade = Grade.EXCELLENT if index % 3 == 0 else Grade.COMPETENT
            performance, discipline, reputation = (
                Decimal(rng.randint(low, high)) for low, high in SCORE_RANGES[grade]
            )
            evaluation_record(
                actor=users[reviewer],
                person=post.person,
                village=village,
                year=year,
                performance=performance,
                discipline=discipline,
                reputation=reputation,
                evaluator=f"中共{village.township.name}委员会",
                evaluated_on=evaluated_on,
                comments=EVALUATION_COMMENTS[grade],
            )
            added += 1
    return added


# (township code, the applicant related to nobody: name, birth date, male)
PARTY_APPLICANTS = [
    ("220502100", "刘思远", dt.date(1996, 5, 17), True),
    ("220502200", "陈佳慧", dt.date(1998, 10, 2), False),
]


def _load_party_candidates(users, today: dt.date) -> int:
    """In 金厂镇 and 环通乡: two cadres' grown children on the way to membership, whose
    parents must stand aside (one has recorded the recusal, the other not yet), and an
    applicant related to nobody."""
    added = 0
    for code, name, birth, male in PARTY_APPLICANTS:
        staff = users[TOWNSHIP_ACCOUNTS[code][0]]
        villages = _demo_villages(code)
        if PartyCandidate.objects.filter(village__in=villages).exists():
            continue
        serving = Post.objects.serving(today).filter(village__in=villages)
        children = {}
        for child in (
            Relative.objects.filter(
                cadre__in=serving.values("person_id"),
                relation=Relative.Relation.CHILD,
                id_number__isnull=False,
                birth_date__range=(
                    today - relativedelta(years=35),
                    today - relativedelta(years=20),
                ),
            )
            .select_related("cadre")
            .order_by("pk")
        ):
            children.setdefault(child.cadre, child)
        for index, child in enumerate(list(children.values())[:2]):
            village = serving.filter(person=child.cadre).select_related("village").first().village
            candidate = party_candidate_add(
                actor=staff,
                village=village,
                name=child.name,
                id_number=child.id_number,
                birth_date=child.birth_date,
                sex=child.sex,
                stage=PartyCandidate.Stage.ACTIVIST,
            )
            added += 1 + candidate.recusals.count()
            if index > 0:
                continue
            for recusal in candidate.recusals.select_related("cadre"):
                recusal_record(
                    actor=staff,
                    recusal=recusal,
                    statement=f"本人{recusal.cadre.name}系入党积极分子{child.name}的直系亲属，"
                    "在其培养考察、支部讨论表决等环节主动回避，不参与相关工作。",
                    recorded_on=today,
                )
        party_candidate_add(
            actor=staff,
            village=villages[0],
            name=name,
            id_number=_demo_id_number(birth, male),
            birth_date=birth,
            sex=Sex.MALE if male else Sex.FEMALE,
            stage=PartyCandidate.Stage.APPLICANT,
        )
        added += 1
    return added


# Demo training (教育培训) ----------------------------------------------------------------

STUDY_TOPICS = [
    "学习《中国共产党农村基层组织工作条例》",
    "学习习近平总书记关于“三农”工作的重要论述",
    "“学习强国”平台专题学习：乡村振兴政策解读",
    "学习《村民委员会组织法》及村务公开有关规定",
    "观看警示教育片《蝇贪之害》",
    "学习吉林省农村集体“三资”管理办法",
]


@transaction.atomic
def load_training(today: dt.date | None = None) -> int:
    """The district's round of the year with last month's session (attendance marked: present,
    excused, absent) and one to come, a session of each demo township a week ago, and this
    month's daily study of the secretaries; returns how many rows were added. Acted by the
    district reviewer and the townships' staff through the training services; a session
    already held under its title is left alone, so each month adds its own once."""
    today = today or timezone.localdate()
    users = _users()
    zzb = users["zzb"]
    added = 0
    held = _previous_month(today).replace(day=15)
    title = f"村“两委”成员轮训（{held.year}年{held.month}月班）"
    if not Session.objects.filter(organizer=None, title=title).exists():
        round_, made = _district_round(zzb, held.year)
        session = training_services.session_create(
            actor=zzb,
            title=title,
            kind=Session.Kind.CENTRALIZED,
            organizer=None,
            starts_at=_at(held, 9),
            ends_at=_at(held, 16, 30),
            hours=Decimal("6.0"),
            lecturer="区委党校 王立华",
            place="东昌区委党校报告厅",
            topics="基层党组织建设；村级重大事项“四议两公开”；村集体“三资”管理",
            round=round_,
        )
        training_services.material_add(
            actor=zzb, session=session, upload=_pdf("轮训课件：村级组织规范化建设.pdf")
        )
        invited = training_services.roster_add_matching(
            actor=zzb,
            session=session,
            titles=[Post.Title.SECRETARY, Post.Title.DIRECTOR, Post.Title.DEPUTY_SECRETARY],
        )
        _mark_attendance(zzb, session)
        added += made + 2 + invited
    coming = Session.objects.filter(organizer=None, starts_at__gt=timezone.now())
    if not coming.exists():
        day = today + dt.timedelta(days=14)
        round_, made = _district_round(zzb, day.year)
        session = training_services.session_create(
            actor=zzb,
            title=f"乡村振兴专题培训（{day.year}年{day.month}月）",
            kind=Session.Kind.THEMATIC,
            organizer=None,
            starts_at=_at(day, 9),
            ends_at=_at(day, 11, 30),
            hours=Decimal("2.5"),
            lecturer="区农业农村局 张国庆",
            place="东昌区政务服务中心三楼会议室",
            topics="庭院经济发展；农村集体经济组织运营",
            round=round_,
        )
        invited = training_services.roster_add_matching(
            actor=zzb, session=session, bodies=[Post.Body.PARTY_BRANCH], titles=[Post.Title.MEMBER]
        )
        added += made + 1 + invited
    for code, (staff, _reviewer) in TOWNSHIP_ACCOUNTS.items():
        added += _township_training(users[staff], code, today)
    return added


def _district_round(actor, year: int) -> tuple[Round, int]:
    """The district's round of the year, and 1 if it was made now."""
    title = f"{year}年度村“两委”成员轮训"
    round_ = Round.objects.filter(organizer=None, year=year, title=title).first()
    if round_ is not None:
        return round_, 0
    round_ = training_services.round_create(
        actor=actor,
        title=title,
        organizer=None,
        year=year,
        target_bodies=[Post.Body.PARTY_BRANCH, Post.Body.VILLAGERS_COMMITTEE],
        description="全区村“两委”成员每年轮训一遍，每期集中培训一天，由区委党校承办。",
    )
    return round_, 1


def _mark_attendance(actor, session: Session) -> None:
    """Most came; about one in nine was excused and one in nine absent."""
    rows = session.attendances.order_by("village__code", "pk").values_list("pk", flat=True)
    statuses = {
        pk: Attendance.Status.EXCUSED
        if index % 9 == 4
        else Attendance.Status.ABSENT
        if index % 9 == 7
        else Attendance.Status.PRESENT
        for index, pk in enumerate(rows)
    }
    training_services.attendance_mark(actor=actor, session=session, statuses=statuses)


def _township_training(actor, code: str, today: dt.date) -> int:
    township = Township.objects.get(code=code)
    added = 0
    held = today - dt.timedelta(days=7)
    title = f"传达区委组织工作会议精神暨村务业务培训（{held.year}年{held.month}月）"
    if not Session.objects.filter(organizer=township, title=title).exists():
        session = training_services.session_create(
            actor=actor,
            title=title,
            kind=Session.Kind.AFTER_MEETING,
            organizer=township,
            starts_at=_at(held, 14),
            ends_at=_at(held, 16, 30),
            hours=Decimal("2.5"),
            lecturer=f"{township.name}党委组织委员",
            place=f"{township.name}政府二楼会议室",
            topics="传达区委组织工作会议精神；村级财务报账流程；党员发展程序",
        )
        invited = training_services.roster_add_matching(
            actor=actor,
            session=session,
            bodies=[Post.Body.PARTY_BRANCH, Post.Body.VILLAGERS_COMMITTEE],
        )
        _mark_attendance(actor, session)
        added += 1 + invited
    # Each month the secretaries' own study, once.
    secretaries = [
        post.person
        for village in _demo_villages(code)
        if (post := serving_secretary_post(village=village, on=today)) is not None
    ]
    first_of_month = today.replace(day=1)
    if DailyStudy.objects.filter(person__in=secretaries, studied_on__gte=first_of_month).exists():
        return added
    rng = random.Random(f"{code}{first_of_month}")  # noqa: S311 (demo data, reproducible)
    for person in secretaries:
        for topic in rng.sample(STUDY_TOPICS, 2):
            training_services.daily_study_record(
                actor=actor,
                person=person,
                topic=topic,
                studied_on=today - dt.timedelta(days=rng.randint(0, today.day - 1)),
                hours=Decimal(rng.choice(["1.0", "1.5", "2.0"])),
            )
            added += 1
    return added


# Demo supervision (监督约束) -------------------------------------------------------------

# (township code, village, tier, demo user, day of last month (0: a few days ago), kind,
# findings, rectification required, days allowed, days until rectified (None: not yet))
SUPERVISION_RECORDS = [
    ("220502100", "大安村", SupervisionRecord.Tier.TOWNSHIP_COMMITTEE, "jc_staff", 12,
     SupervisionRecord.Kind.INSPECTION,
     "村级道路硬化工程发包前未经村民代表会议表决，未落实“四议两公开”程序。",
     "补开村民代表会议，对工程发包事项进行表决，并将表决结果张榜公示。", 14, None),
    ("220502100", "东升村", SupervisionRecord.Tier.SUPERVISION_COMMITTEE, "jc_review", 0,
     SupervisionRecord.Kind.INTERVIEW,
     "村务监督委员会约谈村委会主任：低保评议会议记录不完整。",
     "补齐低保民主评议会议记录，下次评议邀请村务监督委员会全程参与。", 30, None),
    ("220502100", "金厂村", SupervisionRecord.Tier.AGRICULTURE_BUREAU, "nync_dept", 18,
     SupervisionRecord.Kind.FINANCIAL_REVIEW,
     "区农业农村局抽查村集体“三资”台账：资产登记基本完整，2处机动地承包合同到期未续签。",
     "到期承包合同依法重新发包或续签，结果报乡镇农经站备案。", 45, None),
    ("220502200", "南岔村", SupervisionRecord.Tier.SUPERVISION_COMMITTEE, "ht_staff", 5,
     SupervisionRecord.Kind.FINANCIAL_REVIEW,
     "村务监督委员会审核第三季度财务支出，发现2笔招待费票据不全、无经办人签字。",
     "补齐票据和经办人、证明人签字，不能补齐的由经办人个人承担。", 20, 10),
    ("220502200", "环通村", SupervisionRecord.Tier.TOWNSHIP_COMMITTEE, "ht_review", 20,
     SupervisionRecord.Kind.COMPLAINT,
     "群众来信反映村委会主任工作作风简单粗暴，经乡党委调查，情况基本属实，已进行批评教育。",
     "", 0, None),
    ("220502201", "民主村", SupervisionRecord.Tier.AGRICULTURE_BUREAU, "nync_dept", 8,
     SupervisionRecord.Kind.INSPECTION,
     "区农业农村局检查耕地地力保护补贴发放：补贴清册已公示，发放到户无误。", "", 0, None),
    ("220502201", "江东村", SupervisionRecord.Tier.TOWNSHIP_COMMITTEE, "jd_staff", 22,
     SupervisionRecord.Kind.INSPECTION,
     "乡党委督查坐班值班制度落实情况：村两委成员均按排班到岗，值班记录完整。", "", 0, None),
]  # fmt: skip
DISCLOSURE_TEXTS = {
    DisclosureKind.PARTY: "党员发展对象公示、党费收缴、“三会一课”开展情况，党组织书记履职情况。",
    DisclosureKind.VILLAGE: "村级重大事项决策及实施情况、惠农补贴发放名单，低保和特困供养名单。",
    DisclosureKind.FINANCE: "村集体本期收入、支出明细及票据，村级债权债务和集体资产变动情况。",
}
CHANNELS = [Disclosure.Channel.NOTICE_BOARD, Disclosure.Channel.BOTH, Disclosure.Channel.BOTH]
# The village that has disclosed nothing for the current periods: overdue for every kind
# whose days allowed have passed (finances after the 10th of the month, by default).
UNDISCLOSED = ("220502100", "太平村")


@transaction.atomic
def load_supervision(today: dt.date | None = None) -> int:
    """Supervision records of each tier (one rectification overdue, one done), audits (a
    financial one completed with its report, one in progress; the departure audit of 前进村's
    secretary is already planned by the post's end), every demo village's disclosures of the
    current periods (but 太平村's: overdue) and of last month's finances, and two misconduct
    cases (one at 立案 with its events, one referred to the discipline commission), and handovers
    (completed, waiting for the witness, just opened, overdue); returns how many
    rows were added. Acted by the townships' demo users and the agriculture bureau through
    the supervision services; whatever exists is left alone."""
    today = today or timezone.localdate()
    users = _users()
    records = _load_supervision_records(users, today)
    return (
        len(records)
        + _load_audits(users, today)
        + _load_disclosures(users, today)
        + _load_misconduct(users, today, records)
        + _load_handovers(users, today)
    )


def _load_supervision_records(users, today: dt.date) -> dict[str, SupervisionRecord]:
    """The records made now, by village name."""
    last_month = _previous_month(today)
    made = {}
    for (
        code,
        village_name,
        tier,
        username,
        day,
        kind,
        findings,
        rectification,
        days_allowed,
        rectified_after,
    ) in SUPERVISION_RECORDS:
        village = Village.objects.select_related("township").get(
            township__code=code, name=village_name
        )
        if SupervisionRecord.objects.filter(village=village, findings=findings).exists():
            continue
        date = last_month.replace(day=day) if day else today - dt.timedelta(days=3)
        secretary = serving_secretary_post(village=village, on=today)
        record = supervision_services.record_create(
            actor=users[username],
            tier=tier,
            date=date,
            village=village,
            kind=kind,
            findings=findings,
            cadres=[secretary.person] if secretary else [],
            rectification=rectification,
            rectification_deadline=date + dt.timedelta(days=days_allowed)
            if rectification
            else None,
        )
        if rectified_after is not None:
            # A second person of the township confirms what the first one found was put right.
            colleague = (
                username.replace("_staff", "_review")
                if username.endswith("_staff")
                else username.replace("_review", "_staff")
            )
            supervision_services.record_rectify(
                actor=users[colleague],
                record=record,
                rectified_on=date + dt.timedelta(days=rectified_after),
                note="已补齐全部票据并经村务监督委员会复核。",
            )
        made[village_name] = record
    return made


def _load_audits(users, today: dt.date) -> int:
    completed_on = _previous_month(today).replace(day=20)
    audited_year = completed_on.year - 1
    audits = [
        ("220502100", "金厂村", "jc_staff", True),
        ("220502200", "双胜村", "ht_staff", False),
    ]
    added = 0
    for code, village_name, username, complete in audits:
        village = Village.objects.get(township__code=code, name=village_name)
        period = (dt.date(audited_year, 1, 1), dt.date(audited_year, 12, 31))
        if Audit.objects.filter(
            village=village, kind=Audit.Kind.FINANCIAL, period_start=period[0]
        ).exists():
            continue
        actor = users[username]
        audit = supervision_services.audit_create(
            actor=actor,
            kind=Audit.Kind.FINANCIAL,
            village=village,
            period_start=period[0],
            period_end=period[1],
            auditor=f"{village.township.name}农村经济管理服务站",
        )
        added += 1
        if complete:
            supervision_services.audit_update(
                actor=actor,
                audit=audit,
                status=Audit.Status.COMPLETED,
                auditor=audit.auditor,
                findings="村级财务收支总体规范；发现1笔工程款未按合同约定比例预留质保金。",
                amount_questioned=Decimal("3200.00"),
                conclusion="财务管理基本规范，责成村委会按合同约定补扣质保金。",
                completed_on=completed_on,
            )
            supervision_services.audit_attach(
                actor=actor, audit=audit, upload=_pdf("村级财务收支审计报告.pdf")
            )
            added += 1
        else:
            supervision_services.audit_update(
                actor=actor,
                audit=audit,
                status=Audit.Status.IN_PROGRESS,
                auditor=audit.auditor,
                findings="",
                amount_questioned=Decimal("0"),
                conclusion="",
            )
    return added


def _load_disclosures(users, today: dt.date) -> int:
    rng = random.Random(2205023)  # noqa: S311 (demo data, reproducible on purpose)
    schedules = supervision_selectors.schedules()
    last_month = _previous_month(today)
    added = 0
    for code, (staff, reviewer) in TOWNSHIP_ACCOUNTS.items():
        villages = _demo_villages(code)
        existing = set(
            Disclosure.objects.filter(village__in=villages).values_list(
                "village_id", "kind", "period_start"
            )
        )
        for village in villages:
            wanted = [(kind, today) for kind in DisclosureKind.values]
            wanted.append((DisclosureKind.FINANCE, last_month))
            for kind, day in wanted:
                period = schedules[kind][0]
                start = supervision_selectors.period_start(day, period)
                if (village.pk, kind, start) in existing or (
                    (code, village.name) == UNDISCLOSED and day == today
                ):
                    continue
                published_on = min(today, start + dt.timedelta(days=rng.randint(1, 7)))
                photo = village.name == "金厂村" and kind == DisclosureKind.PARTY
                disclosure = supervision_services.disclosure_create(
                    actor=users[staff],
                    village=village,
                    kind=kind,
                    period_day=day,
                    content=DISCLOSURE_TEXTS[kind],
                    published_on=published_on,
                    channel=rng.choice(CHANNELS),
                    photo=_photo("村务公开栏.png") if photo else None,
                )
                existing.add((village.pk, kind, start))
                added += 1
                if rng.random() < 0.4:
                    supervision_services.disclosure_verify(
                        actor=users[reviewer], disclosure=disclosure
                    )
    return added


def _load_misconduct(users, today: dt.date, records: dict[str, SupervisionRecord]) -> int:
    added = 0
    record = records.get("大安村")
    if record is not None:
        jc_staff, jc_review = users["jc_staff"], users["jc_review"]
        case = supervision_services.case_open(
            actor=jc_staff,
            person=record.cadres.get(),
            village=record.village,
            occurred_on=record.date,
            facts="任村党支部书记期间，村级道路硬化工程发包未经村民代表会议表决，"
            "擅自确定施工方，涉嫌违反村级重大事项决策程序。",
            category=MisconductCase.Category.WORK_STYLE,
            source=MisconductCase.Source.SUPERVISION,
            source_record=record,
        )
        supervision_services.case_add_note(
            actor=jc_review,
            case=case,
            note="镇党委已约谈本人，责令说明情况；调取工程发包相关会议记录和合同。",
        )
        supervision_services.case_add_note(
            actor=jc_staff,
            case=case,
            note="走访村民代表6人，核实发包过程，待镇党委会议研究处置意见。",
        )
        added += 1
    village = Village.objects.get(township__code="220502200", name="南岔村")
    if not MisconductCase.objects.filter(village=village).exists():
        ht_staff = users["ht_staff"]
        person = serving_secretary_post(village=village, on=today).person
        occurred_on = _previous_month(today).replace(day=8)
        case = supervision_services.case_open(
            actor=ht_staff,
            person=person,
            village=village,
            occurred_on=occurred_on,
            facts="群众实名举报其在惠农补贴发放中虚报冒领，涉及金额约1.2万元。",
            category=MisconductCase.Category.FINANCE,
            source=MisconductCase.Source.COMPLAINT,
            source_reference=f"东信访转〔{occurred_on.year}〕37号",
        )
        # Referred by the reviewer: whoever opened a case does not also decide where it goes.
        supervision_services.case_refer(
            actor=users["ht_review"],
            case=case,
            referred_on=min(today, occurred_on + dt.timedelta(days=6)),
            body=Department.DISCIPLINE,
            note="涉嫌违纪，移交区纪委监委调查处理。",
        )
        added += 1
    return added


# The demo's handovers (移交), each of a post that ended before the system's current term: the
# state to reach, in the first of the townships that has such a post left. The township's staff
# records the items and the holders' confirmations; its reviewer witnesses (separation of
# duties).
HANDOVERS = [
    ("completed", ("220502100", "220502200", "220502201")),
    ("witness", ("220502100", "220502200", "220502201")),
    ("overdue", ("220502200", "220502100", "220502201")),
    ("open", ("220502201", "220502100", "220502200")),
]
HANDOVER_ITEMS = [
    (HandoverLine.Kind.SEAL, "村民委员会印章", 1, "", "印章移交登记表.pdf"),
    (HandoverLine.Kind.ACCOUNTS, "集体财务账簿及会计凭证", 12, "2021—2026年，装订成册", ""),
    (HandoverLine.Kind.ARCHIVES, "村务档案、会议记录", 8, "含村民代表会议记录", ""),
    (HandoverLine.Kind.ASSETS, "办公电脑及打印机", 3, "", "固定资产清单.pdf"),
]


def _incoming_for(handover: Handover) -> dict:
    """Whom the demo names as the incoming holder where the register has no one successor:
    a post of the village that began since, else someone who lives there."""
    outgoing = handover.outgoing_post
    post = (
        Post.objects.filter(village=handover.village, term_start__gte=outgoing.ended_on)
        .exclude(person_id=outgoing.person_id)
        .order_by("-body", "title", "pk")
        .first()
    )
    if post is not None:
        return {"incoming_post": post}
    person = (
        supervision_selectors.village_cadres(handover.village)
        .exclude(pk=outgoing.person_id)
        .order_by("pk")
        .first()
    )
    return {"incoming_person": person}


def _load_handovers(users, today: dt.date) -> int:
    """Handovers in every state: completed, waiting for the witness, just opened, overdue;
    opened by hand on posts of earlier terms (a general election of the demo ends none)."""
    if Handover.objects.filter(opened_by__isnull=False).exists():
        return 0
    added = 0
    taken: set[int] = set()
    for state, codes in HANDOVERS:
        posts = (
            Post.objects.filter(
                village__township__code__in=codes,
                ended_on__lte=today,
                handover__isnull=True,
                body__in=supervision_selectors.HANDOVER_BODIES,
            )
            .exclude(pk__in=taken)
            .select_related("village__township")
            .order_by("village__code", "pk")
        )
        post = min(posts, key=lambda p: codes.index(p.village.township.code), default=None)
        if post is None:
            continue
        staff_name, reviewer_name = TOWNSHIP_ACCOUNTS[post.village.township.code]
        staff, reviewer = users[staff_name], users[reviewer_name]
        taken.add(post.pk)
        if state == "overdue":
            due_on = max(post.ended_on, today - dt.timedelta(days=5))
        else:
            due_on = today + dt.timedelta(days=7)
        handover = supervision_services.handover_open(actor=staff, post=post, due_on=due_on)
        added += 1
        if state == "open":
            continue
        _handover_lines(
            staff, handover, HANDOVER_ITEMS if state != "overdue" else HANDOVER_ITEMS[:2]
        )
        if state == "overdue":
            continue
        _handover_confirm(staff, reviewer, handover, witness=state == "completed")
    return added


def _handover_lines(staff, handover: Handover, items) -> None:
    for kind, description, quantity, notes, document in items:
        supervision_services.handover_line_add(
            actor=staff,
            handover=handover,
            kind=kind,
            description=description,
            quantity=quantity,
            notes=notes,
            document=_pdf(document) if document else None,
        )


def _handover_confirm(staff, reviewer, handover: Handover, *, witness: bool) -> None:
    """Both holders confirm (recorded by township staff); the township's witness last."""
    handover.refresh_from_db()
    if handover.incoming_person_id is None:
        handover = supervision_services.handover_update(
            actor=staff, handover=handover, due_on=handover.due_on, **_incoming_for(handover)
        )
    sides = supervision_services.HandoverSide
    for side in (sides.OUTGOING, sides.INCOMING):
        supervision_services.handover_confirm(actor=staff, handover=handover, side=side)
    if witness:
        supervision_services.handover_confirm(actor=reviewer, handover=handover, side=sides.WITNESS)


def load_warning_lights(today: dt.date | None = None) -> int:
    """Every serving cadre's warning light, as the nightly run computes it: the demo's hits,
    strict control, cases, evaluations, rosters and terms give lights of every colour, each
    reason linked to its record. Returns how many cadres have a light."""
    lights_refresh(today=today)
    return WarningLight.objects.exclude(light=Light.NONE).count()


def load_notifications(today: dt.date | None = None) -> int:
    """Every role's bell: the cases returned, decided and sent to the departments above were
    told on commit; here the cadres whose light turned red are told as the task would tell
    them, and the departments of the opinions due tomorrow. Returns the notifications."""
    today = today or timezone.localdate()
    pending = DepartmentOpinion.objects.filter(verdict=DepartmentOpinion.Verdict.PENDING)
    opinions_requested_notify(opinion_ids=pending.values_list("pk", flat=True))
    lights_red_notify(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    opinions_due_notify(today=today)
    return Notification.objects.count()


DEMO_API_CLIENTS = [
    # name, townships (None: all), scopes
    ("区纪委监委监督平台", None, ["cadres", "changes", "hits", "cases", "warnings", "reveal"]),
    ("金厂镇数据看板", ["220502100"], ["cadres", "structure", "warnings"]),
]


def load_api_clients() -> list[tuple[str, str]]:
    """Two client systems of the read-only API owned by the administrator, each with a token
    and a first call made with it, so that the admin's client, token and call pages have rows
    (and the access log an API reveal). Returns (client, token) of those made now."""
    admin = _users()["admin"]
    made = []
    for name, codes, scopes in DEMO_API_CLIENTS:
        if ApiClient.objects.filter(name=name).exists():
            continue
        client = api_client_create(
            actor=admin,
            name=name,
            owner=admin,
            townships=Township.objects.filter(code__in=codes or []),
            all_townships=codes is None,
            scopes=scopes,
        )
        _row, token = api_token_issue(actor=admin, client=client)
        DemoHttp(SERVER_NAME="localhost").get(
            "/api/v1/cadres/", {"page_size": 3}, headers={"Authorization": f"Bearer {token}"}
        )
        made.append((name, token))
    return made
