"""Roster import: a township's workbook of cadres and their families into the register.

``roster_plan`` reads the workbook and works out every row's outcome without
writing anything: the preview. ``roster_import`` (the service) plans again
inside one transaction and, when no row is in error, writes the plan in bulk.
Lookups are set-based: the preview's query count does not grow with the rows.

凡进必审: only an importer who may record posts held before the system (district roles,
the system administrator, the command's superuser) starts posts, of origin roster and
unvetted. A township role's import updates people and family members; the posts its
rows name are listed as 需提名 and kept on the ImportFile's summary, from which vetting
opens the candidate cases.

A roster that gives a single-holder post (secretary, director, group leader) to someone
other than its serving holder renews the village: the user answers per village, either
以本名册为准 (the holders' posts end on the renewal date, as 换届 or 调整, through
``post_end`` in the import's transaction) or 跳过 (those rows are not imported). A
village party secretary's post ends only with the district's prior approval: an importer
without ``cadres.end_secretary_post`` sends a secretary change request instead, with the
roster as its document, and the post ends when the district approves it.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres import signals
from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.dates import (
    PRECISION_SUFFIX,
    PartialDate,
    parse_partial_date,
    partial_date_values,
    split_partial_dates,
)
from cadres.identity import name_initials, normalize_id_number
from cadres.import_templates import (
    FROM_ID_NUMBER,
    Hint,
    ImportTemplate,
    TemplateSheet,
    choice_hint,
    date_hint,
    id_number_hint,
    labels_of,
)
from cadres.models import (
    EducationRecord,
    IdNumberConflict,
    ImportFile,
    Person,
    Post,
    Relative,
    Township,
    Village,
    VillagerGroup,
)
from cadres.records.services import secretary_change_request
from cadres.scoping import scope, user_townships
from cadres.services import (
    END_SECRETARY_PERM,
    IDENTITY_FIELDS,
    default_term_end,
    id_number_conflict_record,
    id_number_held_elsewhere_message,
    identity_values,
    may_register_existing_posts,
    may_write_register,
    post_end,
    post_label,
    villager_group_upsert,
)
from cadres.spreadsheets import (
    Column,
    RowError,
    SheetReport,
    normalize_header,
    parse_choice,
    parse_text,
    read_sheet,
    sheet_names,
)

CADRE_COLUMNS = (
    Column(
        "township", "乡镇", ("乡镇（街道）", "街道（乡镇）", "乡镇街道", "所属乡镇", "乡镇名称")
    ),
    Column("village", "村", ("村（社区）", "行政村", "村名", "村名称", "所在村", "村别"), True),
    Column("group", "村民小组", ("小组", "村民组", "组别")),
    Column("name", "姓名", (), True),
    Column("sex", "性别"),
    Column("ethnicity", "民族"),
    Column("id_number", "身份证号", ("公民身份号码", "身份证号码", "身份证"), True),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日")),
    Column("political_status", "政治面貌"),
    Column("party_joined_on", "入党时间", ("入党日期", "入党年月")),
    Column("education", "文化程度", ("学历", "最高学历", "学历学位", "全日制学历", "全日制教育")),
    Column(
        "posts",
        "职务",
        ("现任职务", "担任职务", "职位", "现任职务（职位）", "现职务", "现任村职务"),
        True,
    ),
    Column("term_start", "任职时间", ("任现职时间", "任职日期", "任职年月", "任职起始时间")),
    Column("term_end", "任期届满", ("任期届满时间", "届满时间", "任期至", "任期届满日期")),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式", "电话号码")),
    Column("native_place", "籍贯", ("原籍", "祖籍")),
    Column("birthplace", "出生地", ("出生地点", "出生地址")),
    Column("work_started_on", "参加工作时间", ("参加工作日期", "参加工作年月", "参加工作年份")),
    Column("health", "健康状况", ("健康情况", "身体状况", "身体情况")),
)
FAMILY_COLUMNS = (
    Column("cadre_id_number", "干部身份证号", ("村干部身份证号", "干部公民身份号码"), True),
    Column("name", "姓名", ("家庭成员姓名", "成员姓名"), True),
    Column("relation", "关系", ("与干部关系", "与本人关系", "称谓"), True),
    Column("id_number", "身份证号", ("公民身份号码", "身份证号码", "身份证")),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日")),
    Column(
        "work_unit_and_post", "工作单位及职务", ("工作单位", "工作单位及职务（职业）", "现工作单位")
    ),
)
# The person's free-text columns read as written.
TEXT_FIELDS = ("native_place", "birthplace", "health")
# Sheets whose names mark the family sheet; the cadre sheet is the first other one.
FAMILY_SHEET_WORDS = ("家庭", "家属", "亲属")
COLUMN_LABELS = {c.key: c.label for c in CADRE_COLUMNS}
FAMILY_LABELS = {c.key: c.label for c in FAMILY_COLUMNS}
# Read the register in batches this large: one query per batch, whatever the rows.
LOOKUP_BATCH = 5000
WRITE_BATCH = 1000

POLITICAL_SYNONYMS = {
    "党员": PoliticalStatus.CPC_MEMBER,
    "共产党员": PoliticalStatus.CPC_MEMBER,
    "中国共产党党员": PoliticalStatus.CPC_MEMBER,
    "预备党员": PoliticalStatus.CPC_PROBATIONARY,
    "团员": PoliticalStatus.CYL_MEMBER,
    "共青团员": PoliticalStatus.CYL_MEMBER,
}
EDUCATION_SYNONYMS = {
    "研究生": Education.POSTGRADUATE,
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "中专": Education.VOCATIONAL,
    "中技": Education.VOCATIONAL,
    "技校": Education.VOCATIONAL,
    "职高": Education.VOCATIONAL,
    "高中": Education.HIGH_SCHOOL,
    "初中": Education.JUNIOR_HIGH,
    "小学": Education.PRIMARY,
    "初中以下": Education.PRIMARY,
}
RELATION_SYNONYMS = {
    **dict.fromkeys(("妻子", "丈夫", "爱人", "夫妻", "妻", "夫"), Relative.Relation.SPOUSE),
    **dict.fromkeys(("父", "爸爸"), Relative.Relation.FATHER),
    **dict.fromkeys(("母", "妈妈"), Relative.Relation.MOTHER),
    **dict.fromkeys(
        ("子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女", "子女"),
        Relative.Relation.CHILD,
    ),
    **dict.fromkeys(
        ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹"),
        Relative.Relation.SIBLING,
    ),
    **dict.fromkeys(("岳父", "岳母", "公公", "婆婆"), Relative.Relation.PARENT_IN_LAW),
}

# Posts as written in rosters: a body prefix, then a title of that body.
_BODY_PREFIXES = (
    (Post.Body.PARTY_BRANCH, ("村党组织", "党组织", "村党委", "党委", "村党总支", "党总支")),
    (Post.Body.PARTY_BRANCH, ("村党支部", "党支部", "支部")),
    (Post.Body.VILLAGERS_COMMITTEE, ("村民委员会", "村委会", "村委", "居委会", "社区居委会")),
    (
        Post.Body.SUPERVISION_COMMITTEE,
        ("村务监督委员会", "村务监督委", "村监委会", "监委会", "监督委员会", "村务监督"),
    ),
)
_TITLE_WORDS = {
    "书记": Post.Title.SECRETARY,
    "副书记": Post.Title.DEPUTY_SECRETARY,
    "主任": Post.Title.DIRECTOR,
    "副主任": Post.Title.DEPUTY_DIRECTOR,
    "委员": Post.Title.MEMBER,
    "成员": Post.Title.MEMBER,
}
# Titles written without a body: whose they are goes without saying.
_BARE_TITLES = {
    "书记": (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY),
    "副书记": (Post.Body.PARTY_BRANCH, Post.Title.DEPUTY_SECRETARY),
    "主任": (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR),
    "副主任": (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DEPUTY_DIRECTOR),
    "监委会主任": (Post.Body.SUPERVISION_COMMITTEE, Post.Title.DIRECTOR),
}
_GROUP_LEADER_WORDS = ("村民小组长", "村民小组组长", "小组长", "组长")
_POST_SPLIT_RE = re.compile(r"[、，,；;/／|\s]+|兼任|兼")


class Outcome:
    NEW = "new"
    UPDATED = "updated"
    POST_ADDED = "post_added"
    NOMINATE = "nominate"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    ERROR = "error"

    LABELS = {
        NEW: gettext_lazy("New person"),
        UPDATED: gettext_lazy("Updated"),
        POST_ADDED: gettext_lazy("Post added"),
        NOMINATE: gettext_lazy("Needs nomination"),
        UNCHANGED: gettext_lazy("Unchanged"),
        SKIPPED: pgettext_lazy("import row", "Skipped"),
        ERROR: gettext_lazy("Error"),
    }


# What the user answers for a village that the roster renews.
RENEW_SKIP = "skip"
RENEW_CHOICES = {
    Post.EndReason.ELECTION: gettext_lazy("Follow this roster: general election (换届)"),
    Post.EndReason.ADJUSTMENT: gettext_lazy("Follow this roster: adjustment (调整)"),
    RENEW_SKIP: gettext_lazy("Skip these rows"),
}


@dataclass(frozen=True)
class RenewalChoices:
    """The answers for the villages a roster renews: per village (the page), or one for
    every village (the command's ``--renew``); the date the replaced posts end."""

    by_village: Mapping[int, str] = field(default_factory=dict)
    every_village: str | None = None
    ends_on: dt.date | None = None

    def __post_init__(self):
        for choice in (*self.by_village.values(), self.every_village):
            if choice is not None and choice not in RENEW_CHOICES:
                raise ValueError(choice)

    def choice(self, village_id: int) -> str | None:
        return self.by_village.get(village_id, self.every_village)


def parse_posts(text: object) -> list[tuple[str, str]]:
    """(body, title) pairs from a cell such as 村党组织书记、村委会主任 or 书记兼主任."""
    cell = unicodedata.normalize("NFKC", parse_text(text)).replace("一肩挑", "")
    posts: list[tuple[str, str]] = []
    for part in filter(None, _POST_SPLIT_RE.split(cell)):
        found = _parse_post(part)
        if found is None:
            raise ValueError(
                _(
                    "“%(post)s” is not a post this register knows; "
                    "write it like 村党组织书记、村委会委员."
                )
                % {"post": part}
            )
        if found not in posts:
            posts.append(found)
    _check_held_together(posts)
    return posts


def _check_held_together(posts: list[tuple[str, str]]) -> None:
    """Refuse two posts of one body (主任兼副主任); 一肩挑 and 交叉任职 are welcome.

    Whether a post on the supervision committee goes with one on the two committees is the
    district's eligibility rule to judge, not the reading of a cell.
    """
    bodies = [body for body, _title in posts]
    for body in dict.fromkeys(bodies):
        if bodies.count(body) > 1:
            raise ValueError(
                _("%(posts)s: one person holds only one post in each body.")
                % {"posts": "、".join(post_label(*post) for post in posts if post[0] == body)}
            )


def _parse_post(part: str) -> tuple[str, str] | None:
    part = part.strip("()（）")
    if part in _GROUP_LEADER_WORDS:
        return Post.Body.VILLAGER_GROUP, Post.Title.GROUP_LEADER
    if part in _BARE_TITLES:
        return _BARE_TITLES[part]
    for body, prefixes in _BODY_PREFIXES:
        for prefix in sorted(prefixes, key=len, reverse=True):
            if part.startswith(prefix):
                title = _TITLE_WORDS.get(part[len(prefix) :])
                if title in Post.TITLES_BY_BODY[body]:
                    return body, title
                return None
    return None


def post_labels() -> list[str]:
    """Every post as a roster writes it (村党组织书记 …), for the template's drop-down list."""
    with translation.override("zh-hans"):
        return [
            post_label(body, title)
            for body, titles in Post.TITLES_BY_BODY.items()
            for title in titles
        ]


POSTS_NOTE = gettext_lazy(
    "Several posts held together (一肩挑, 交叉任职) go in one cell, separated by 、 or 兼, "
    "for example 书记兼主任."
)
# The template workbook: the columns above, with an example cadre and a family member.
CADRE_HINTS = {
    "township": Hint("金厂镇", (gettext_lazy("May be left empty by a user of one township."),)),
    "village": Hint("民主村"),
    "group": Hint("", (gettext_lazy("Only for a villager group leader: the group's name."),)),
    "name": Hint("王元"),
    "sex": choice_hint("男", labels_of(Sex), FROM_ID_NUMBER),
    "ethnicity": choice_hint("汉族", labels_of(Ethnicity)),
    "id_number": id_number_hint("220502198503041232"),
    "birth_date": date_hint("1985-03-04", FROM_ID_NUMBER),
    "political_status": choice_hint("中共党员", labels_of(PoliticalStatus)),
    "party_joined_on": date_hint("2008-07-01"),
    "education": choice_hint(
        "大学专科",
        labels_of(Education),
        gettext_lazy(
            "The highest level. For a cadre with education rows on the profile, those decide."
        ),
    ),
    "native_place": Hint("吉林通化"),
    "birthplace": Hint("吉林通化"),
    "work_started_on": date_hint("2003-07"),
    "health": Hint("健康"),
    "posts": choice_hint(
        "村党组织书记、村民委员会主任",
        post_labels,
        POSTS_NOTE,
    ),
    "term_start": date_hint("2021-12-01"),
    "term_end": date_hint(
        "2026-12-01", gettext_lazy("May be left empty: the term then lasts five years.")
    ),
    "phone": Hint("13800000000", text=True),
}
FAMILY_HINTS = {
    "cadre_id_number": id_number_hint("220502198503041232"),
    "name": Hint("李芳"),
    "relation": choice_hint("配偶", labels_of(Relative.Relation)),
    "id_number": id_number_hint("22050219870506124X"),
    "birth_date": date_hint("1987-05-06"),
    "work_unit_and_post": Hint("务农"),
}
ROSTER_TEMPLATE = ImportTemplate(
    "roster-template.xlsx",
    (
        TemplateSheet("干部花名册", CADRE_COLUMNS, CADRE_HINTS),
        TemplateSheet("家庭成员", FAMILY_COLUMNS, FAMILY_HINTS),
    ),
)


COUNT_LABELS = {
    "rows": gettext_lazy("Rows"),
    "errors": gettext_lazy("Rows in error"),
    "new_persons": gettext_lazy("New people"),
    "updated_persons": gettext_lazy("People updated"),
    "posts_added": gettext_lazy("Posts added"),
    "nominations": gettext_lazy("Posts that need a nomination"),
    "relatives_added": gettext_lazy("Family members added"),
    "relatives_updated": gettext_lazy("Family members updated"),
    "unchanged": gettext_lazy("Rows unchanged"),
    "renewal_ended": gettext_lazy("Serving posts ended by the renewal"),
    "renewal_requested": gettext_lazy("Secretary changes sent to the district"),
    "renewal_skipped": gettext_lazy("Rows skipped by the renewal"),
}


# The plan -------------------------------------------------------------------------


# Slotted, as the plan's other records: a roster of 100,000 cadres holds one per row.
@dataclass(slots=True)
class RowResult:
    """One row's outcome, as the preview lists it."""

    sheet: str
    row: int
    name: str
    outcome: str = Outcome.UNCHANGED
    details: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return Outcome.LABELS[self.outcome]

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))
        self.outcome = Outcome.ERROR


@dataclass(slots=True)
class PostPlan:
    row: int
    village: Village
    body: str
    title: str
    group_name: str
    term_start: PartialDate
    term_end: PartialDate


@dataclass(slots=True)
class PersonPlan:
    identity: dict
    fields: dict
    existing: Person | None
    changed: set[str] = field(default_factory=set)
    posts: list[PostPlan] = field(default_factory=list)
    # The posts that a township role's roster names: candidate cases, not posts.
    nominations: list[PostPlan] = field(default_factory=list)
    person_id: int | None = None  # set when written


@dataclass(slots=True)
class RelativePlan:
    cadre_id_number: str
    # The registered cadre; None while the cadre is new in this roster.
    cadre: Person | None
    identity: dict
    relation: str
    work_unit_and_post: str
    existing: Relative | None
    changed: set[str] = field(default_factory=set)


class Holder(NamedTuple):
    """The serving holder of a single-holder post."""

    person_id: int
    name: str
    post_id: int
    term_start: dt.date


@dataclass
class Contest:
    """A single-holder post that a row gives to someone other than its serving holder."""

    row: int
    name: str
    body: str
    title: str
    group_name: str
    holder: Holder

    @property
    def post(self) -> str:
        label = post_label(self.body, self.title)
        return f"{label}（{self.group_name}）" if self.group_name else label


@dataclass
class VillageRenewal:
    """A village whose serving holders the roster replaces, and what the user chose."""

    village: Village
    choice: str | None
    contests: list[Contest] = field(default_factory=list)

    @property
    def ends_posts(self) -> bool:
        return self.choice in Post.EndReason.values

    @property
    def choice_label(self) -> str:
        return RENEW_CHOICES[self.choice] if self.choice else ""

    @property
    def replaced(self) -> list[Contest]:
        """The contests whose holder's post ends, one per post."""
        return list({c.holder.post_id: c for c in self.contests}.values())


@dataclass
class RosterPlan:
    starts_posts: bool = True
    # Whether the importer ends a secretary's post itself or asks the district to.
    ends_secretary_posts: bool = True
    choices: RenewalChoices = field(default_factory=RenewalChoices)
    renew_on: dt.date | None = None
    # The villages the roster renews, by village id, in the order of their first row.
    renewals: dict[int, VillageRenewal] = field(default_factory=dict)
    # What stops the renewal as chosen (a date before a replaced term began …).
    renewal_errors: list[str] = field(default_factory=list)
    # The ID numbers of the rows skipped by the renewal: their family rows are skipped too.
    skipped_numbers: set[str] = field(default_factory=set)
    rows: list[RowResult] = field(default_factory=list)
    persons: dict[str, PersonPlan] = field(default_factory=dict)
    relatives: list[RelativePlan] = field(default_factory=list)
    # How each sheet was read: its columns, and the rows skipped as not data.
    sheets: list[SheetReport] = field(default_factory=list)
    # The 需提名 rows once written, with the ids of their people (ImportFile.summary).
    nomination_rows: list[dict] = field(default_factory=list)
    # Set once the rows without errors are in the register.
    written: bool = False
    # The people outside the importer's townships whose ID numbers rows gave, with the
    # township each was tried for, by person id: recorded for the district.
    conflicts: dict[int, tuple[Person, Township]] = field(default_factory=dict)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    def failures(self) -> list[tuple[SheetReport, dict[int, list[RowError]]]]:
        """The rows in error of each sheet read, by row number (the error workbook)."""
        failed: dict[str, dict[int, list[RowError]]] = {"cadres": {}, "family": {}}
        for row in self.rows:
            if row.errors:
                failed[row.sheet][row.row] = row.errors
        return list(zip(self.sheets, (failed["cadres"], failed["family"]), strict=False))

    @property
    def ok(self) -> bool:
        return (
            not any(row.outcome == Outcome.ERROR for row in self.rows)
            and not self.unresolved
            and not self.renewal_errors
        )

    @property
    def unresolved(self) -> list[Village]:
        """The renewed villages without an answer: the import waits for one."""
        return [r.village for r in self.renewals.values() if r.choice is None]

    def _replaced(self, *, asking_district: bool) -> int:
        return sum(
            1
            for renewal in self.renewals.values()
            if renewal.ends_posts
            for contest in renewal.replaced
            if asking_district == self.asks_district(contest)
        )

    def asks_district(self, contest: Contest) -> bool:
        """A secretary's post that this importer may not end: a change request instead."""
        secretary = (contest.body, contest.title) == (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY)
        return secretary and not self.ends_secretary_posts

    @property
    def counts(self) -> dict[str, int]:
        outcomes = Counter(row.outcome for row in self.rows)
        renewal = (
            {
                "renewal_ended": self._replaced(asking_district=False),
                "renewal_requested": self._replaced(asking_district=True),
                "renewal_skipped": outcomes[Outcome.SKIPPED],
            }
            if self.renewals
            else {}
        )
        return {
            "rows": len(self.rows),
            "errors": outcomes[Outcome.ERROR],
            "new_persons": sum(1 for p in self.persons.values() if p.existing is None),
            "updated_persons": sum(1 for p in self.persons.values() if p.existing and p.changed),
            "posts_added": sum(len(p.posts) for p in self.persons.values()),
            "nominations": sum(len(p.nominations) for p in self.persons.values()),
            "relatives_added": sum(1 for r in self.relatives if r.existing is None),
            "relatives_updated": sum(1 for r in self.relatives if r.existing and r.changed),
            "unchanged": outcomes[Outcome.UNCHANGED],
            **renewal,
        }


def cell_key(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", parse_text(text)))


def _batches(items: list, size: int = LOOKUP_BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def workbook_sheets(source) -> tuple[str | int, str | None]:
    names = sheet_names(source)
    family = [n for n in names if any(w in normalize_header(n) for w in FAMILY_SHEET_WORDS)]
    cadres = [n for n in names if n not in family]
    if not cadres:
        cadres = [names[0]]
    return cadres[0], (family[0] if family else None)


class _Register:
    """What the plan needs from the database, loaded set-wise."""

    def __init__(self, actor, id_numbers: set[str], village_refs: set[tuple[str, str]]):
        self.actor = actor
        self.townships = {cell_key(t.name): t for t in Township.objects.all()}
        self.allowed = set(user_townships(actor).values_list("pk", flat=True))
        township_ids = {
            self.townships[t].pk
            for t, _v in village_refs
            if t in self.townships and self.townships[t].pk in self.allowed
        }
        if len(self.allowed) == 1 and any(not t for t, _v in village_refs):
            # Staff of one township may leave the township column out.
            township_ids |= self.allowed
        self.villages: dict[tuple[int, str], Village] = {}
        for village in Village.objects.filter(township_id__in=township_ids).select_related(
            "township"
        ):
            self.villages[(village.township_id, cell_key(village.name))] = village
        village_ids = [v.pk for v in self.villages.values()]
        self.groups = {
            (g.village_id, cell_key(g.name)): g
            for g in VillagerGroup.objects.filter(village_id__in=village_ids)
        }
        # Serving posts that the database allows only once per village, body or group.
        self.unique_posts: dict[tuple, Holder] = {}
        for post in (
            Post.objects.filter(village_id__in=village_ids, ended_on__isnull=True)
            .filter(
                Q(body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
                | Q(title=Post.Title.DIRECTOR)
                | Q(body=Post.Body.VILLAGER_GROUP)
            )
            .values_list(
                "village_id",
                "body",
                "title",
                "villager_group__name",
                "person_id",
                "person__name",
                "pk",
                "term_start",
            )
        ):
            village_id, body, title, group, *holder = post
            self.unique_posts[_unique_key(village_id, body, title, cell_key(group or ""))] = Holder(
                *holder
            )
        self.persons: dict[str, Person] = {}
        self.visible: set[int] = set()
        self.serving: dict[int, set[tuple]] = defaultdict(set)
        # People with education rows, whose highest level follows them.
        self.educated: set[int] = set()
        self.load_persons(id_numbers)

    def load_persons(self, id_numbers: Iterable[str]) -> None:
        wanted = sorted(set(id_numbers) - set(self.persons))
        for batch in _batches(wanted):
            found = {p.id_number: p for p in Person.objects.filter(id_number__in=batch)}
            self.persons.update(found)
            pks = [p.pk for p in found.values()]
            self.visible.update(
                scope(Person.objects.all(), self.actor)
                .filter(pk__in=pks)
                .values_list("pk", flat=True)
            )
            for person_id, village_id, body, title in Post.objects.filter(
                person_id__in=pks, ended_on__isnull=True
            ).values_list("person_id", "village_id", "body", "title"):
                self.serving[person_id].add((village_id, body, title))
            self.educated.update(
                EducationRecord.objects.filter(person_id__in=pks).values_list(
                    "person_id", flat=True
                )
            )

    def relatives_of(self, person_ids: list[int]) -> dict[int, list[Relative]]:
        found: dict[int, list[Relative]] = defaultdict(list)
        for batch in _batches(sorted(person_ids)):
            for relative in Relative.objects.filter(cadre_id__in=batch):
                found[relative.cadre_id].append(relative)
        return found


def _unique_key(village_id: int, body: str, title: str, group: str) -> tuple | None:
    if body == Post.Body.PARTY_BRANCH and title == Post.Title.SECRETARY:
        return (village_id, body, title)
    if title == Post.Title.DIRECTOR:
        return (village_id, body, title)
    if body == Post.Body.VILLAGER_GROUP:
        return (village_id, body, group)
    return None


def roster_plan(
    *,
    actor,
    source,
    keep_unknown: bool = False,
    renewal: RenewalChoices | None = None,
    tick: Callable[[int], None] | None = None,
) -> RosterPlan:
    """Every row's outcome, without writing to the register (an ID number held outside the
    actor's townships is recorded for the district). SpreadsheetError for a file that cannot
    be read.

    ``keep_unknown`` keeps the cells of the cadre sheet's unknown columns on each person;
    ``renewal`` answers for the villages whose serving holders the roster replaces; ``tick``
    is told the count of rows read so far after each (a job's heartbeat).
    """
    with translation.override("zh-hans"):
        plan = _plan(actor, source, keep_unknown, renewal or RenewalChoices(), tick)
    for person, township in plan.conflicts.values():
        id_number_conflict_record(
            actor=actor, person=person, township=township, source=IdNumberConflict.Source.ROSTER
        )
    return plan


def _parse_field(result: RowResult, label: str, parser, value, *args, **kwargs):
    try:
        return parser(value, *args, **kwargs)
    except ValueError as exc:
        result.fail(label, str(exc))
        return None


def _plan(actor, source, keep_unknown: bool, choices: RenewalChoices, tick) -> RosterPlan:
    cadre_sheet, family_sheet = workbook_sheets(source)
    cadre_report, family_report = SheetReport(), SheetReport()
    read = itertools.count(1)

    def counted(rows):
        for row in rows:
            if tick is not None:
                tick(next(read))
            yield row

    # Each sheet is read twice and its rows are not kept: held while the plan was built, the
    # rows of 100,000 cadres took 200 MB. The first reading finds what the register loads.
    def cadre_rows(report: SheetReport | None = None):
        return counted(
            read_sheet(
                source,
                CADRE_COLUMNS,
                sheet=cadre_sheet,
                report=report,
                keep_unknown=keep_unknown and report is not None,
            )
        )

    def family_rows(report: SheetReport | None = None):
        if not family_sheet:
            return iter(())
        return counted(read_sheet(source, FAMILY_COLUMNS, sheet=family_sheet, report=report))

    cadre_ids, village_refs = set(), set()
    for row in cadre_rows():
        cadre_ids.add(normalize_id_number(row.values["id_number"]).value)
        village_refs.add((cell_key(row.values["township"]), cell_key(row.values["village"])))
    for row in family_rows():
        cadre_ids.add(normalize_id_number(row.values["cadre_id_number"]).value)
    cadre_ids.discard(None)
    register = _Register(actor, cadre_ids, village_refs)
    own = [t for t in register.townships.values() if t.pk in register.allowed]
    plan = RosterPlan(
        starts_posts=may_register_existing_posts(actor),
        ends_secretary_posts=actor.has_perm(END_SECRETARY_PERM),
        choices=choices,
        renew_on=choices.ends_on or timezone.localdate(),
        sheets=[cadre_report, family_report] if family_sheet else [cadre_report],
    )
    claimed: dict[tuple, tuple[str, int]] = {}
    # The cadres whose rows failed, with the first such row: their family rows fail too.
    failed_cadres: dict[str, int] = {}
    for row in cadre_rows(cadre_report):
        number = normalize_id_number(row.values["id_number"])
        trail = _RowTrail(plan, claimed, number.value, row.number)
        _plan_cadre(plan, register, own, claimed, row, number)
        if plan.rows[-1].errors:
            trail.undo()
            if number.value:
                failed_cadres.setdefault(number.value, row.number)
    _plan_family(plan, register, family_rows(family_report), failed_cadres)
    _check_renewal(plan)
    return plan


class _RowTrail:
    """What a cadre row may add to the plan, to take back if the row fails after adding it:
    the rows that pass are then planned exactly as if the failed rows were not in the file,
    which is what "import the rows without errors" writes."""

    def __init__(self, plan: RosterPlan, claimed: dict, id_number: str | None, row: int):
        self.plan, self.claimed, self.id_number, self.row = plan, claimed, id_number, row
        self.claims = len(claimed)
        self.person = plan.persons.get(id_number) if id_number else None
        if self.person is not None:
            self.fields = dict(self.person.fields)
            self.changed = set(self.person.changed)
            self.posts = len(self.person.posts)
            self.nominations = len(self.person.nominations)

    def undo(self) -> None:
        while len(self.claimed) > self.claims:
            self.claimed.popitem()
        # A failed row replaces no serving holder: its contests go, and a village left
        # without any asks no question.
        for village_id, renewal in list(self.plan.renewals.items()):
            renewal.contests = [c for c in renewal.contests if c.row != self.row]
            if not renewal.contests:
                del self.plan.renewals[village_id]
        person = self.person
        if person is None:
            self.plan.persons.pop(self.id_number, None)
            return
        person.fields, person.changed = self.fields, self.changed
        del person.posts[self.posts :]
        del person.nominations[self.nominations :]


def _check_renewal(plan: RosterPlan) -> None:
    """The replaced posts can end on the renewal date: not in the future, not before a
    replaced term began (post_end would refuse it, in words that name no village)."""
    ending = [r for r in plan.renewals.values() if r.ends_posts]
    if not ending:
        return
    if plan.renew_on > timezone.localdate():
        plan.renewal_errors.append(
            _("The serving posts cannot end on %(date)s, a day still to come.")
            % {"date": plan.renew_on.isoformat()}
        )
    for renewal in ending:
        for contest in renewal.replaced:
            if plan.renew_on < contest.holder.term_start:
                plan.renewal_errors.append(
                    _(
                        "%(village)s %(post)s: the term of %(name)s began on %(start)s, "
                        "after the renewal date %(date)s."
                    )
                    % {
                        "village": renewal.village.name,
                        "post": contest.post,
                        "name": contest.holder.name,
                        "start": contest.holder.term_start.isoformat(),
                        "date": plan.renew_on.isoformat(),
                    }
                )


def _plan_cadre(plan, register, own, claimed, row, number) -> None:
    v = row.values
    label = COLUMN_LABELS
    result = RowResult("cadres", row.number, parse_text(v["name"]))
    plan.rows.append(result)
    # The place.
    township = None
    township_name = cell_key(v["township"])
    if township_name:
        township = register.townships.get(township_name)
        if township is None:
            result.fail(
                label["township"],
                _("No township of Dongchang district is called “%(name)s”.")
                % {"name": township_name},
            )
        elif township.pk not in register.allowed:
            result.fail(label["township"], _("You may not import into this township."))
            township = None
    elif len(own) == 1:
        township = own[0]
    else:
        result.fail(label["township"], _("Fill in the township."))
    village = None
    village_name = cell_key(v["village"])
    if township is not None:
        village = register.villages.get((township.pk, village_name)) or register.villages.get(
            (township.pk, village_name + "村")
        )
        if village is None:
            result.fail(
                label["village"],
                _("%(township)s has no village “%(village)s”.")
                % {"township": township.name, "village": village_name or "—"},
            )
    # Who.
    if number.errors:
        for message in number.errors:
            result.fail(label["id_number"], message)
    elif not number.value:
        result.fail(label["id_number"], _("A cadre's ID number is required."))
    sex = _parse_field(result, label["sex"], parse_choice, v["sex"], Sex)
    birth_date = _parse_field(result, label["birth_date"], parse_partial_date, v["birth_date"])
    try:
        identity = identity_values(
            name=v["name"], id_number=number.value, birth_date=birth_date, sex=sex or ""
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                result.fail(label.get(key, ""), message)
        identity = None
    if sex and number.sex and sex != number.sex:
        result.fail(label["sex"], _("The sex differs from the one inside the ID number."))
    fields = {
        "ethnicity": _parse_field(
            result,
            label["ethnicity"],
            parse_choice,
            v["ethnicity"],
            Ethnicity,
            synonyms=ethnicity_synonyms(),
        ),
        "political_status": _parse_field(
            result,
            label["political_status"],
            parse_choice,
            v["political_status"],
            PoliticalStatus,
            synonyms=POLITICAL_SYNONYMS,
        ),
        "party_joined_on": _parse_field(
            result, label["party_joined_on"], parse_partial_date, v["party_joined_on"]
        ),
        "education": _parse_field(
            result,
            label["education"],
            parse_choice,
            v["education"],
            Education,
            synonyms=EDUCATION_SYNONYMS,
        ),
        "work_started_on": _parse_field(
            result, label["work_started_on"], parse_partial_date, v["work_started_on"]
        ),
        "phone": parse_text(v["phone"]),
        **{key: parse_text(v[key]) for key in TEXT_FIELDS},
        "extra": row.extra,
    }
    if len(fields["phone"]) > Person._meta.get_field("phone").max_length:
        result.fail(label["phone"], _("The phone number is too long."))
    for key in TEXT_FIELDS:
        limit = Person._meta.get_field(key).max_length
        if len(fields[key]) > limit:
            result.fail(label[key], _("Write at most %(limit)d characters.") % {"limit": limit})
    # An empty cell leaves what the register has.
    fields = {key: value for key, value in fields.items() if value not in (None, "")}
    fields = split_partial_dates(Person, fields)
    posts = _parse_field(result, label["posts"], parse_posts, v["posts"]) or []
    # A registered cadre's row without a post updates their details: the register
    # export writes former cadres so, and reads them back.
    if not posts and not result.errors and number.value not in register.persons:
        result.fail(label["posts"], _("Fill in the post."))
    term_start = _parse_field(result, label["term_start"], parse_partial_date, v["term_start"])
    term_end = _parse_field(result, label["term_end"], parse_partial_date, v["term_end"])
    if posts and term_start is None and not v["term_start"]:
        result.fail(label["term_start"], _("Fill in the date the post began."))
    if term_start and term_end and term_end.date <= term_start.date:
        result.fail(label["term_end"], _("The term must end after it starts."))
    group_name = cell_key(v["group"])
    if any(body == Post.Body.VILLAGER_GROUP for body, _t in posts) and not group_name:
        result.fail(label["group"], _("A group leader needs the villager group."))
    if result.errors or identity is None:
        return

    existing = register.persons.get(number.value)
    if existing is not None and existing.pk not in register.visible:
        result.fail(label["id_number"], id_number_held_elsewhere_message())
        plan.conflicts.setdefault(existing.pk, (existing, village.township))
        return
    person = plan.persons.get(number.value)
    held = set(register.serving.get(existing.pk, ())) if existing else set()
    if person is not None:
        held |= {(p.village.pk, p.body, p.title) for p in (*person.posts, *person.nominations)}
    contested = _contested(register, village, posts, group_name, existing, held)
    if contested and _renews(plan, result, village, contested, group_name, number.value):
        return
    if person is None:
        person = plan.persons[number.value] = PersonPlan(identity, {}, existing)
        if existing is None:
            person.fields["home_village"] = village
    elif person.identity["name_key"] != identity["name_key"]:
        result.fail(
            label["name"],
            _("Another row has the same ID number with the name %(name)s.")
            % {"name": person.identity["name"]},
        )
        return
    # cadres.person_details: the education rows on the profile decide the highest level.
    educated = existing is not None and existing.pk in register.educated
    if educated and fields.pop("education", existing.education) != existing.education:
        result.details.append(
            _("The education level is kept: the education rows on the profile decide it.")
        )
    person.fields.update(fields)
    if existing is None:
        result.outcome = Outcome.NEW
    else:
        for key, value in {**identity, **fields}.items():
            if getattr(existing, key) != value:
                person.changed.add(key)
        if person.changed:
            result.outcome = Outcome.UPDATED
            result.details.append(
                _("Changes: %(fields)s")
                % {
                    "fields": "、".join(
                        str(Person._meta.get_field(f).verbose_name) for f in sorted(person.changed)
                    )
                }
            )
    for body, title in posts:
        unique = _unique_key(village.pk, body, title, group_name)
        # Checked for a post the person already holds too: a roster naming both the serving
        # holder and a successor for one post is in error, not a renewal.
        if unique in claimed and claimed[unique][0] != number.value:
            result.fail(
                label["posts"],
                _("Row %(row)d gives the same post %(post)s of %(village)s to someone else.")
                % {
                    "row": claimed[unique][1],
                    "post": post_label(body, title),
                    "village": village.name,
                },
            )
            continue
        if unique:
            claimed[unique] = (number.value, row.number)
        if (village.pk, body, title) in held:
            continue
        (person.posts if plan.starts_posts else person.nominations).append(
            PostPlan(
                row=row.number,
                village=village,
                body=body,
                title=title,
                group_name=group_name if body == Post.Body.VILLAGER_GROUP else "",
                term_start=term_start,
                term_end=term_end or default_term_end(term_start),
            )
        )
        held.add((village.pk, body, title))
        where = {"post": f"{village.name}{post_label(body, title)}"}
        if plan.starts_posts:
            if result.outcome == Outcome.UNCHANGED:
                result.outcome = Outcome.POST_ADDED
            result.details.append(_("New post: %(post)s") % where)
        else:
            if result.outcome in (Outcome.UNCHANGED, Outcome.UPDATED):
                result.outcome = Outcome.NOMINATE
            result.details.append(
                _("Needs nomination: %(post)s starts only through a candidate case.") % where
            )


def _contested(register, village, posts, group_name, existing, held) -> dict[tuple, Holder]:
    """The row's single-holder posts that someone else serves in, by (body, title)."""
    contested = {}
    for body, title in posts:
        if (village.pk, body, title) in held:
            continue
        unique = _unique_key(village.pk, body, title, group_name)
        holder = register.unique_posts.get(unique) if unique else None
        if holder and (existing is None or holder.person_id != existing.pk):
            contested[(body, title)] = holder
    return contested


def _renews(plan, result, village, contested, group_name, id_number) -> bool:
    """Note the row's contests on its village's renewal and say on the row what the answer
    does to them; True when the row is skipped.

    Without an answer for the village the row is planned as if its posts were free, so
    that the preview counts what 以本名册为准 would write; the plan is not ok meanwhile.
    """
    renewal = plan.renewals.get(village.pk)
    if renewal is None:
        renewal = plan.renewals[village.pk] = VillageRenewal(
            village, plan.choices.choice(village.pk)
        )
    for (body, title), holder in contested.items():
        contest = Contest(
            row=result.row,
            name=result.name,
            body=body,
            title=title,
            group_name=group_name if body == Post.Body.VILLAGER_GROUP else "",
            holder=holder,
        )
        renewal.contests.append(contest)
        where = {
            "post": f"{village.name}{contest.post}",
            "holder": holder.name,
            "since": holder.term_start.isoformat(),
        }
        if renewal.choice == RENEW_SKIP:
            result.details.append(_("Skipped: %(post)s stays with %(holder)s.") % where)
        elif renewal.choice is None:
            result.details.append(
                _(
                    "%(post)s is held by %(holder)s (since %(since)s): follow this roster "
                    "or skip the row, below."
                )
                % where
            )
        elif plan.asks_district(contest):
            result.details.append(
                _(
                    "%(post)s: the post of %(holder)s ends once the district approves the "
                    "secretary change request that the import sends."
                )
                % where
            )
        else:
            result.details.append(
                _("%(post)s: the post of %(holder)s ends on %(date)s (%(reason)s).")
                % {
                    **where,
                    "date": plan.renew_on.isoformat(),
                    "reason": Post.EndReason(renewal.choice).label,
                }
            )
    if renewal.choice != RENEW_SKIP:
        return False
    result.outcome = Outcome.SKIPPED
    plan.skipped_numbers.add(id_number)
    return True


@functools.cache
def ethnicity_synonyms() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label).removesuffix("族"): value for value, label in Ethnicity.choices}


def _plan_family(
    plan: RosterPlan, register: _Register, rows, failed_cadres: dict[str, int]
) -> None:
    label = FAMILY_LABELS
    cadre_ids = [p.existing.pk for p in plan.persons.values() if p.existing is not None]
    cadre_ids += [
        p.pk
        for n, p in register.persons.items()
        if n not in plan.persons and p.pk in register.visible
    ]
    existing_relatives = register.relatives_of(cadre_ids)
    seen: set[tuple] = set()
    for row in rows:
        v = row.values
        result = RowResult("family", row.number, parse_text(v["name"]))
        plan.rows.append(result)
        cadre_number = normalize_id_number(v["cadre_id_number"])
        cadre: Person | None = None
        if cadre_number.errors:
            for message in cadre_number.errors:
                result.fail(label["cadre_id_number"], message)
        elif not cadre_number.value:
            result.fail(label["cadre_id_number"], _("Fill in the cadre's ID number."))
        elif cadre_number.value in plan.persons:
            cadre = plan.persons[cadre_number.value].existing
        elif cadre_number.value in failed_cadres:
            result.fail(
                label["cadre_id_number"],
                _("The cadre's row %(row)d is in error: this family member waits for it.")
                % {"row": failed_cadres[cadre_number.value]},
            )
        elif cadre_number.value in plan.skipped_numbers:
            result.outcome = Outcome.SKIPPED
            result.details.append(_("Skipped with the cadre's row."))
            continue
        else:
            cadre = register.persons.get(cadre_number.value)
            if cadre is None or cadre.pk not in register.visible:
                result.fail(
                    label["cadre_id_number"],
                    _("No cadre with this ID number is in the roster or in your townships."),
                )
        relation = _parse_field(
            result,
            label["relation"],
            parse_choice,
            v["relation"],
            Relative.Relation,
            synonyms=RELATION_SYNONYMS,
        )
        birth_date = _parse_field(result, label["birth_date"], parse_partial_date, v["birth_date"])
        work = parse_text(v["work_unit_and_post"])
        if len(work) > Relative._meta.get_field("work_unit_and_post").max_length:
            result.fail(label["work_unit_and_post"], _("The text is too long."))
        try:
            identity = identity_values(
                name=v["name"], id_number=v["id_number"], birth_date=birth_date
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    result.fail(label.get(key, ""), message)
            identity = None
        if relation is None and not result.errors:
            result.fail(label["relation"], _("Fill in the relation."))
        if result.errors or identity is None:
            continue
        key = (cadre_number.value, identity["id_number"] or (identity["name_key"], relation))
        if key in seen:
            result.fail("", _("This family member appears twice for the same cadre."))
            continue
        seen.add(key)
        existing = None
        if cadre is not None:
            for relative in existing_relatives.get(cadre.pk, ()):
                if (identity["id_number"] and relative.id_number == identity["id_number"]) or (
                    relative.name_key == identity["name_key"] and relative.relation == relation
                ):
                    existing = relative
                    break
        relative_plan = RelativePlan(cadre_number.value, cadre, identity, relation, work, existing)
        if existing is None:
            result.outcome = Outcome.NEW
        else:
            wanted = {**identity, "relation": relation}
            if work:
                wanted["work_unit_and_post"] = work
            if not identity["id_number"] and identity["birth_date"] is None:
                wanted.pop("birth_date")
                wanted.pop("birth_date_precision")
            relative_plan.changed = {
                k
                for k, value in wanted.items()
                if getattr(existing, k) != value and value not in (None, "")
            }
            if relative_plan.changed:
                result.outcome = Outcome.UPDATED
        plan.relatives.append(relative_plan)


# The service ------------------------------------------------------------------------


def roster_import(
    *,
    actor,
    source,
    import_file: ImportFile | None = None,
    dry_run: bool = False,
    keep_unknown: bool = False,
    renewal: RenewalChoices | None = None,
    skip_errors: bool = False,
) -> RosterPlan:
    """Plan the roster and, unless a row is in error or this is a dry run, write it.

    All or nothing: one transaction; the existing people are locked while it runs.
    ``keep_unknown`` keeps the cadre sheet's unknown columns on each person (``extra``).
    ``renewal`` answers for the villages whose serving holders the roster replaces; a
    village without an answer leaves the plan not ok, and nothing is written.
    ``skip_errors`` (导入无误的行，跳过有误的行) writes the rows without errors and skips
    the others, with the family rows of a cadre whose row is skipped; ``plan.written``
    says whether anything was written. The renewal's questions are never skipped.
    """
    if not may_write_register(actor):
        raise PermissionDenied
    with transaction.atomic():
        plan = roster_plan(actor=actor, source=source, keep_unknown=keep_unknown, renewal=renewal)
        counts = plan.counts
        valid = counts["rows"] - counts["errors"]
        renewal_ready = not plan.unresolved and not plan.renewal_errors
        if dry_run or not renewal_ready or not (plan.ok or (skip_errors and valid)):
            return plan
        existing = [p.existing.pk for p in plan.persons.values() if p.existing is not None]
        for batch in _batches(existing):
            list(Person.objects.select_for_update().filter(pk__in=batch).values_list("pk"))
        # First: the new posts take the places these free.
        renewals = _renew(actor, plan, source, import_file)
        _write(actor, plan)
        plan.written = True
        if import_file is not None:
            import_file.status = ImportFile.Status.IMPORTED
            import_file.summary = {
                # The preview the worker wrote stays: the page shows it beside the outcome.
                **import_file.summary,
                **counts,
                "imported_rows": valid,
                "skipped_rows": counts["errors"],
                "nomination_rows": plan.nomination_rows,
                "renewals": renewals,
            }
            import_file.save(update_fields=["status", "summary", "updated_at"])
    return plan


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _renew(actor, plan: RosterPlan, source, import_file: ImportFile | None) -> list[dict]:
    """End the serving posts that the roster gives to others, through ``post_end``; a
    secretary's post that the importer may not end goes to the district as a change
    request with the roster attached. Returns what was done, for the file's summary."""
    done = []
    posts = Post.objects.in_bulk(
        [c.holder.post_id for r in plan.renewals.values() if r.ends_posts for c in r.replaced]
    )
    file_name = import_file.original_name if import_file else _source_name(source)
    roster = None
    for renewal in plan.renewals.values():
        entry = {"village": renewal.village.name, "choice": renewal.choice, "posts": []}
        done.append(entry)
        if not renewal.ends_posts:
            entry["posts"] = [
                {"post": c.post, "holder": c.holder.name, "row": c.row, "name": c.name}
                for c in renewal.contests
            ]
            continue
        for contest in renewal.replaced:
            post = posts[contest.holder.post_id]
            asks = plan.asks_district(contest)
            about = {"file": file_name, "name": contest.name, "row": contest.row}
            try:
                if asks:
                    if roster is None:
                        roster = _source_bytes(source)
                    secretary_change_request(
                        actor=actor,
                        post=post,
                        ends_on=plan.renew_on,
                        end_reason=renewal.choice,
                        reason=_(
                            "Roster import %(file)s (%(reason)s): the roster names %(name)s "
                            "for this post in row %(row)d."
                        )
                        % {**about, "reason": Post.EndReason(renewal.choice).label},
                        successor=contest.name,
                        documents=[SimpleUploadedFile(file_name, roster, XLSX_CONTENT_TYPE)],
                    )
                else:
                    post_end(
                        actor=actor,
                        post=post,
                        ended_on=plan.renew_on,
                        reason=renewal.choice,
                        note=_(
                            "Roster import %(file)s: the roster names %(name)s for this post "
                            "in row %(row)d."
                        )
                        % about,
                    )
            except ValidationError as error:
                reasons = "；".join(error.messages)
                raise ValidationError(f"{renewal.village.name}{contest.post}：{reasons}") from error
            entry["posts"].append(
                {
                    "post": contest.post,
                    "holder": contest.holder.name,
                    "row": contest.row,
                    "name": contest.name,
                    "requested": asks,
                }
            )
    return done


def _source_name(source) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return Path(getattr(source, "name", "") or "roster.xlsx").name


def _source_bytes(source) -> bytes:
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    source.seek(0)
    return source.read()


def _write(actor, plan: RosterPlan) -> None:
    # People and their posts are written a batch at a time and only their ids are kept:
    # the model instances and historical records of a whole 100,000-row roster at once
    # took most of the import's memory.
    now = timezone.now()
    person_plans = list(plan.persons.values())
    identity_changed: list[int] = []
    groups: dict[tuple[int, str], VillagerGroup] = {}
    for first in range(0, len(person_plans), WRITE_BATCH):
        batch = person_plans[first : first + WRITE_BATCH]
        identity_changed += _write_people(actor, batch, now)
        _write_posts(actor, plan, batch, groups)

    new_relatives, changed_relatives, relatives_changed = [], [], []
    relative_fields: set[str] = set()
    for relative_plan in plan.relatives:
        in_roster = plan.persons.get(relative_plan.cadre_id_number)
        cadre_id = in_roster.person_id if in_roster else relative_plan.cadre.pk
        if relative_plan.existing is None:
            relative = Relative(
                cadre_id=cadre_id,
                relation=relative_plan.relation,
                work_unit_and_post=relative_plan.work_unit_and_post,
                **relative_plan.identity,
            )
            new_relatives.append(relative)
            relatives_changed.append(relative)
        elif relative_plan.changed:
            relative = relative_plan.existing
            values = {
                **relative_plan.identity,
                "relation": relative_plan.relation,
                "work_unit_and_post": relative_plan.work_unit_and_post,
            }
            for key in relative_plan.changed:
                setattr(relative, key, values[key])
            relative.updated_at = now
            relative_fields |= relative_plan.changed
            changed_relatives.append(relative)
            if relative_plan.changed - {"relation", "work_unit_and_post"}:
                relatives_changed.append(relative)
    bulk_create_with_history(new_relatives, Relative, batch_size=WRITE_BATCH, default_user=actor)
    if changed_relatives:
        bulk_update_with_history(
            changed_relatives,
            Relative,
            [*relative_fields, "updated_at"],
            batch_size=WRITE_BATCH,
            default_user=actor,
        )
    # One signal for the whole import: a message per person would cost minutes.
    signals.register_imported.send(
        sender=Person,
        person_ids=identity_changed,
        relative_ids=[relative.pk for relative in relatives_changed],
    )


def _write_people(actor, person_plans: list[PersonPlan], now) -> list[int]:
    """Create or update a batch of people, note each plan's person id, and return the ids
    of the people whose identity is new or changed."""
    people, new_people, changed_people, identity_changed = [], [], [], []
    changed_fields: set[str] = set()
    for person_plan in person_plans:
        if person_plan.existing is None:
            person = Person(**person_plan.identity, **person_plan.fields)
            person.name_initials = name_initials(person.name_key)
            new_people.append(person)
            identity_changed.append(person)
        else:
            person = person_plan.existing
            if person_plan.changed:
                for key in person_plan.changed:
                    setattr(person, key, {**person_plan.identity, **person_plan.fields}[key])
                person.name_initials = name_initials(person.name_key)
                person.updated_at = now
                changed_fields |= person_plan.changed | {"name_initials"}
                changed_people.append(person)
                if person_plan.changed & set(IDENTITY_FIELDS):
                    identity_changed.append(person)
        people.append(person)
    bulk_create_with_history(new_people, Person, batch_size=WRITE_BATCH, default_user=actor)
    if new_people and new_people[0].pk is None:
        # Backends that do not return keys from a bulk insert: read them back.
        keys = dict(
            Person.objects.filter(id_number__in=[p.id_number for p in new_people]).values_list(
                "id_number", "pk"
            )
        )
        for person in new_people:
            person.pk = keys[person.id_number]
    if changed_people:
        bulk_update_with_history(
            changed_people,
            Person,
            [*changed_fields, "updated_at"],
            batch_size=WRITE_BATCH,
            default_user=actor,
        )
    for person_plan, person in zip(person_plans, people, strict=True):
        person_plan.person_id = person.pk
    return [person.pk for person in identity_changed]


def _write_posts(actor, plan: RosterPlan, person_plans: list[PersonPlan], groups: dict) -> None:
    """The new posts of a batch of people, or the rows to nominate for them; villager
    groups are found or made once each."""
    posts = []
    for person_plan in person_plans:
        for post in (*person_plan.posts, *person_plan.nominations):
            group = None
            if post.group_name:
                key = (post.village.pk, post.group_name)
                if key not in groups:
                    groups[key] = VillagerGroup.objects.filter(
                        village=post.village, name=post.group_name
                    ).first() or villager_group_upsert(
                        village=post.village,
                        number=group_number(post.group_name),
                        name=post.group_name,
                    )
                group = groups[key]
            if not plan.starts_posts:
                plan.nomination_rows.append(
                    {
                        "row": post.row,
                        "person_id": person_plan.person_id,
                        "name": person_plan.identity["name"],
                        "village_id": post.village.pk,
                        "village": post.village.name,
                        "villager_group_id": group.pk if group else None,
                        "body": post.body,
                        "title": post.title,
                        **_summary_date("term_start", post.term_start),
                        **_summary_date("term_end", post.term_end),
                    }
                )
                continue
            posts.append(
                Post(
                    person_id=person_plan.person_id,
                    village=post.village,
                    villager_group=group,
                    body=post.body,
                    title=post.title,
                    **partial_date_values("term_start", post.term_start),
                    **partial_date_values("term_end", post.term_end),
                    origin=Post.Origin.ROSTER,
                    vetted=False,
                )
            )
    bulk_create_with_history(posts, Post, batch_size=WRITE_BATCH, default_user=actor)


def _summary_date(name: str, value: PartialDate) -> dict:
    """A date as an ImportFile's summary keeps it (JSON), for ``partial_date`` to read."""
    return {name: value.date.isoformat(), name + PRECISION_SUFFIX: value.precision}


def group_number(name: str) -> int | None:
    digits = re.search(r"\d+", name)
    return int(digits.group()) if digits else None
