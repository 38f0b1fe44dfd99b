"""Reading a session's sign-in sheet (签到表) and matching its rows to cadres.

A row is matched by ID number when it has a valid one, or else by name plus
village. What cannot be matched for sure (no such cadre, several namesakes, an
ID number Excel has mangled) is listed for the user to resolve: pick the person
or ignore the row. Reading writes nothing; ``services.attendance_import`` does.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.identity import mask_id_number, name_key, normalize_id_number
from cadres.import_templates import (
    Hint,
    ImportTemplate,
    TemplateSheet,
    choice_hint,
    id_number_hint,
    labels_of,
)
from cadres.models import Post
from cadres.spreadsheets import (
    Column,
    RowError,
    SheetReport,
    parse_choice,
    parse_text,
    read_sheet,
)
from training.models import Attendance, Session
from training.selectors import first_post_per_person, session_posts

COLUMNS = [
    Column("name", "姓名", synonyms=("学员姓名", "参训人员", "参训人"), required=True),
    Column("id_number", "身份证号", synonyms=("公民身份号码", "身份证号码", "身份证")),
    Column("village", "村", synonyms=("村名", "所在村", "村（社区）", "村别", "单位")),
    Column("status", "签到情况", synonyms=("参训情况", "签到", "出勤情况", "备注")),
]
TEMPLATE = ImportTemplate(
    "signin-template.xlsx",
    (
        TemplateSheet(
            "签到表",
            COLUMNS,
            {
                "name": Hint("王元"),
                "id_number": id_number_hint(
                    "220502198503041232",
                    gettext_lazy("Without it, the row is matched by name and village."),
                ),
                "village": Hint("民主村"),
                "status": choice_hint(
                    "参训",
                    labels_of(Attendance.Status, exclude=(Attendance.Status.INVITED,)),
                    gettext_lazy("An empty cell means present."),
                ),
            },
        ),
    ),
)
# What sign-in sheets write in the status column; an empty cell means present.
STATUS_SYNONYMS = {
    "已签到": Attendance.Status.PRESENT,
    "签到": Attendance.Status.PRESENT,
    "到": Attendance.Status.PRESENT,
    "√": Attendance.Status.PRESENT,
    "✓": Attendance.Status.PRESENT,
    "出席": Attendance.Status.PRESENT,
    "实到": Attendance.Status.PRESENT,
    "请假": Attendance.Status.EXCUSED,
    "假": Attendance.Status.EXCUSED,
    "缺席": Attendance.Status.ABSENT,
    "未到": Attendance.Status.ABSENT,
    "缺勤": Attendance.Status.ABSENT,
    "×": Attendance.Status.ABSENT,
}


@dataclass
class Match:
    row: int
    post: Post  # the person's post the session invites them by (village, title)
    status: str
    how: str  # "id" or "name"


@dataclass
class Unmatched:
    row: int
    name: str
    id_number: str  # masked
    village: str
    status: str
    reason: str
    candidates: list[Post] = field(default_factory=list)


@dataclass
class SigninSheet:
    matched: list[Match] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # The rows that cannot be recorded as they are (no name, a status not understood), by
    # number with their errors: skipped by a partial import, offered as the error workbook.
    # A row whose only problem is its ID number is left to resolve instead.
    failed: dict[int, list[RowError]] = field(default_factory=dict)
    duplicates: list[int] = field(default_factory=list)
    # How the sheet was read. An attendance has no place for unknown columns: they are
    # only named, never kept.
    report: SheetReport = field(default_factory=SheetReport)


@dataclass
class _Line:
    row: int
    name: str
    key: str
    id_number: str | None
    raw_id: str
    village: str
    status: str


def _village_key(text: str) -> str:
    # Sheets write 红旗村 or just 红旗.
    return name_key(text).removesuffix("村") if text else ""


def _lines(source, sheet: SigninSheet, tick) -> list[_Line]:
    lines = []
    for read, row in enumerate(read_sheet(source, COLUMNS, report=sheet.report), 1):
        if tick is not None:
            tick(read)
        values = row.values
        failed = []
        name = parse_text(values["name"])
        if not name:
            failed.append(RowError(row.number, "姓名", _("The name is empty.")))
        number = normalize_id_number(values["id_number"])
        errors = [RowError(row.number, "身份证号", message) for message in number.errors]
        try:
            status = (
                parse_choice(values["status"], Attendance.Status, synonyms=STATUS_SYNONYMS)
                or Attendance.Status.PRESENT
            )
        except ValueError as error:
            failed.append(RowError(row.number, "签到情况", str(error)))
        sheet.errors += [*failed, *errors]
        if failed:
            sheet.failed[row.number] = [*failed, *errors]
            continue
        lines.append(
            _Line(
                row=row.number,
                name=name,
                key=name_key(name),
                id_number=number.value,
                raw_id=parse_text(values["id_number"]),
                village=parse_text(values["village"]),
                status=status,
            )
        )
    return lines


def signin_read(
    source, *, session: Session, user, tick: Callable[[int], None] | None = None
) -> SigninSheet:
    """Read and match a sign-in sheet; SpreadsheetError when the file as a whole is unusable.

    Two queries whatever the sheet's length: the candidates by ID number or name,
    among the serving cadres the session may invite and the user may see. ``tick`` is told
    each row read (a job's heartbeat).
    """
    result = SigninSheet()
    lines = _lines(source, result, tick)
    ids = {line.id_number for line in lines if line.id_number}
    keys = {line.key for line in lines}
    posts = list(
        first_post_per_person(
            session_posts(session, user).filter(
                Q(person__id_number__in=ids) | Q(person__name_key__in=keys)
            )
        ).select_related("person", "village__township")
    )
    by_id = {post.person.id_number: post for post in posts if post.person.id_number}
    by_name: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        by_name[post.person.name_key].append(post)

    seen: set[int] = set()
    for line in lines:
        post, how, reason = _match(line, by_id, by_name)
        if post is None:
            result.unmatched.append(
                Unmatched(
                    row=line.row,
                    name=line.name,
                    id_number=mask_id_number(line.id_number) if line.id_number else line.raw_id,
                    village=line.village,
                    status=line.status,
                    reason=reason,
                    candidates=by_name.get(line.key, []),
                )
            )
        elif post.person_id in seen:
            result.duplicates.append(line.row)
        else:
            seen.add(post.person_id)
            result.matched.append(Match(line.row, post, line.status, how))
    return result


def _match(line: _Line, by_id, by_name) -> tuple[Post | None, str, str]:
    if line.id_number:
        post = by_id.get(line.id_number)
        if post is not None:
            return post, "id", ""
        return None, "", _("No serving cadre you may invite has this ID number.")
    if line.raw_id:
        # A mangled ID number is not proof of identity: let the user decide.
        return None, "", _("The ID number is not valid; choose the person.")
    if not line.village:
        return None, "", _("Neither ID number nor village: choose the person.")
    village = _village_key(line.village)
    namesakes = [p for p in by_name.get(line.key, []) if _village_key(p.village.name) == village]
    if len(namesakes) == 1:
        return namesakes[0], "name", ""
    if not namesakes:
        return None, "", _("No serving cadre of this name in this village.")
    return None, "", _("Several cadres of this name in this village: choose the person.")
