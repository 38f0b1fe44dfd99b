"""Batch nomination for the change of office (换届): one workbook, many candidates.

The first sheet has one row per candidate, a sheet named 家庭成员 (or 家属, 亲属) the
family members, keyed by the candidate's ID number. A villager group leader's row
names the group (村民小组), which must be one of the village's groups. ``batch_plan`` reads the
workbook through the shared reader and works out every row without writing: the
preview. ``batch_nominate`` plans again inside one transaction and, when no row is
in error, creates the cases already submitted to the township review, and screens
all of them set-wise in one run. The column vocabulary is the roster's. A row naming
several posts (书记兼主任) opens a case per post, each with its own copy of the relatives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.dates import parse_partial_date, partial_date_values
from cadres.error_workbook import REFUSED_WITH_ERRORS
from cadres.hashing import content_sha256
from cadres.identity import normalize_id_number
from cadres.import_templates import (
    FROM_ID_NUMBER,
    Hint,
    ImportTemplate,
    TemplateSheet,
    choice_hint,
    date_hint,
    id_number_hint,
)
from cadres.models import ImportFile, Post, Relative, Village, VillagerGroup
from cadres.roster import (
    CADRE_COLUMNS,
    CADRE_HINTS,
    EDUCATION_SYNONYMS,
    FAMILY_COLUMNS,
    FAMILY_HINTS,
    POLITICAL_SYNONYMS,
    POSTS_NOTE,
    RELATION_SYNONYMS,
    cell_key,
    ethnicity_synonyms,
    group_number,
    parse_posts,
    post_label,
    post_labels,
    workbook_sheets,
)
from cadres.scoping import scope
from cadres.services import identity_values
from cadres.spreadsheets import (
    Column,
    RowError,
    SheetReport,
    SpreadsheetError,
    parse_choice,
    parse_text,
    read_sheet,
)
from vetting import workflow
from vetting.models import (
    CandidateCase,
    CandidateRelative,
    CaseTransition,
    ElectionBatch,
    EligibilityRule,
)
from vetting.rules import SUPERVISION, TWO_COMMITTEES
from vetting.services.candidates import cases_screen

_ROSTER = {column.key: column for column in CADRE_COLUMNS}
NOMINEE_COLUMNS = (
    _ROSTER["township"],
    _ROSTER["village"],
    _ROSTER["group"],
    _ROSTER["name"],
    _ROSTER["sex"],
    _ROSTER["ethnicity"],
    _ROSTER["id_number"],
    _ROSTER["birth_date"],
    _ROSTER["political_status"],
    _ROSTER["education"],
    Column("post", "拟任职务", ("拟任职位", "推荐职务", "职务"), True),
    Column("term_start", "任职时间", ("任期开始时间", "任职日期", "换届时间"), True),
    Column("reason", "推荐理由", ("推荐意见", "理由", "主要表现"), True),
    _ROSTER["phone"],
)
RELATIVE_COLUMNS = (
    Column("candidate_id_number", "人选身份证号", ("候选人身份证号", "推荐人选身份证号"), True),
    *(column for column in FAMILY_COLUMNS if column.key != "cadre_id_number"),
)
LABELS = {c.key: c.label for c in (*NOMINEE_COLUMNS, *RELATIVE_COLUMNS)}
CANDIDATE_ID_NUMBER = "220502199207181016"
TEMPLATE = ImportTemplate(
    "nomination-template.xlsx",
    (
        TemplateSheet(
            "推荐人选",
            NOMINEE_COLUMNS,
            {
                **CADRE_HINTS,
                "township": Hint(
                    "金厂镇",
                    (gettext_lazy("Needed where your townships have villages of the same name."),),
                ),
                "name": Hint("赵明"),
                "id_number": id_number_hint(CANDIDATE_ID_NUMBER),
                "birth_date": date_hint("1992-07-18", FROM_ID_NUMBER),
                "post": choice_hint("村党组织书记", post_labels, POSTS_NOTE),
                "term_start": date_hint("2026-12-01"),
                "reason": Hint("群众公认，带富能力强"),
            },
        ),
        TemplateSheet(
            "家庭成员",
            RELATIVE_COLUMNS,
            {**FAMILY_HINTS, "candidate_id_number": id_number_hint(CANDIDATE_ID_NUMBER)},
        ),
    ),
)


@dataclass
class BatchPlan:
    rows: int = 0
    relative_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    relatives: list[dict] = field(default_factory=list)
    # How each sheet was read: its columns, and the rows skipped as not data.
    sheets: list[SheetReport] = field(default_factory=list)
    # The rows in error of each sheet (candidates, family members), by number.
    failed: tuple[dict[int, list[RowError]], ...] = field(default_factory=lambda: ({}, {}))

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors

    @property
    def error_rows(self) -> int:
        return sum(len(failed) for failed in self.failed)

    @property
    def valid_rows(self) -> int:
        return self.rows + self.relative_rows - self.error_rows

    def failures(self) -> list[tuple[SheetReport, dict[int, list[RowError]]]]:
        """The rows in error of each sheet read (the error workbook)."""
        return list(zip(self.sheets, self.failed, strict=False))


class _Row:
    """Parse one row's cells, collecting errors that name the row and the column."""

    def __init__(self, plan: BatchPlan, sheet: int, number: int, values: dict):
        self.plan, self.number, self.values, self.failed = plan, number, values, False
        self.sheet = sheet

    def error(self, key: str, message: str) -> None:
        error = RowError(self.number, LABELS.get(key, ""), message)
        self.plan.errors.append(error)
        self.plan.failed[self.sheet].setdefault(self.number, []).append(error)
        self.failed = True

    def identity(self, **values) -> dict:
        """identity_values of the row, its errors put on the row's columns."""
        if not values.get("name"):
            self.error("name", _("Give the name."))
            return {}
        try:
            return identity_values(**values)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                for message in messages:
                    self.error(key, message)
            return {}

    def get(self, key: str, parser=parse_text, *args, **kwargs):
        try:
            return parser(self.values[key], *args, **kwargs)
        except ValueError as error:
            self.error(key, str(error))
            return None


def _villages(actor) -> tuple[dict, dict]:
    villages = scope(Village.objects.select_related("township"), actor)
    by_name: dict[str, list[Village]] = {}
    by_place: dict[tuple[str, str], Village] = {}
    for village in villages:
        by_name.setdefault(village.name, []).append(village)
        by_place[(village.township.name, village.name)] = village
    return by_name, by_place


class _Groups:
    """The villager groups of the actor's villages, found by name (1组) or number (1)."""

    def __init__(self, actor):
        self.by_name: dict[tuple[int, str], VillagerGroup] = {}
        self.by_number: dict[tuple[int, int], VillagerGroup] = {}
        for group in scope(VillagerGroup.objects.all(), actor):
            self.by_name[(group.village_id, cell_key(group.name))] = group
            if group.number is not None:
                self.by_number[(group.village_id, group.number)] = group

    def find(self, village: Village, text: str) -> VillagerGroup | None:
        found = self.by_name.get((village.pk, cell_key(text)))
        number = group_number(text)
        if found is None and number is not None:
            found = self.by_number.get((village.pk, number))
        return found


def _group(
    cells: _Row, groups: _Groups, village: Village | None, posts: list[tuple[str, str]]
) -> VillagerGroup | None:
    """The row's villager group: required of a group leader, refused for any other post."""
    text = cells.get("group")
    leader = any(body == Post.Body.VILLAGER_GROUP for body, _title in posts)
    if not text:
        if leader:
            cells.error("group", _("A group leader needs the villager group."))
        return None
    if not leader:
        cells.error("group", _("Only a villager group leader is nominated to a villager group."))
        return None
    if village is None:
        return None
    group = groups.find(village, text)
    if group is None:
        cells.error(
            "group",
            _("%(village)s has no villager group “%(group)s”.")
            % {"village": village.name, "group": text},
        )
    return group


def _supervisor_apart_message() -> str | None:
    """The active 监督分离 rule's message, if it applies.

    Screening checks each case against serving posts only, so a row proposing both sides
    of the rule at once (村委会委员兼监委会主任) is refused here instead.
    """
    rule = EligibilityRule.objects.filter(
        version__active=True, enabled=True, code=EligibilityRule.Code.SUPERVISOR_APART
    ).first()
    return rule.message if rule else None


def batch_plan(*, actor, source, keep_unknown: bool = False) -> BatchPlan:
    """Read and check the workbook (no writes); row errors are in Chinese.

    ``keep_unknown`` keeps the cells of the candidate sheet's unknown columns on each case.
    """
    if not actor.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    plan = BatchPlan()
    main_sheet, family_sheet = workbook_sheets(source)
    by_name, by_place = _villages(actor)
    groups = _Groups(actor)
    ethnicities = ethnicity_synonyms()
    apart = _supervisor_apart_message()
    seen: set[str] = set()
    # The rows of the candidates without errors, and the first failed row of the others.
    nominated: dict[str, int] = {}
    failed_rows: dict[str, int] = {}
    plan.sheets.append(SheetReport())
    for row in read_sheet(
        source, NOMINEE_COLUMNS, sheet=main_sheet, report=plan.sheets[0], keep_unknown=keep_unknown
    ):
        plan.rows += 1
        cells = _Row(plan, 0, row.number, row.values)
        identity = cells.identity(
            name=cells.get("name"),
            id_number=row.values["id_number"],
            birth_date=cells.get("birth_date", parse_partial_date),
            sex=cells.get("sex", parse_choice, Sex) or "",
        )
        id_number = identity.get("id_number")
        # A number that is there but wrong has its error already; this one is for none at all.
        if not id_number and not parse_text(row.values["id_number"]):
            cells.error("id_number", _("Give the ID number."))
        elif id_number in seen:
            cells.error("id_number", _("This ID number appears twice in the workbook."))
        seen.add(id_number)
        village_name, township_name = cells.get("village"), cells.get("township")
        village = by_place.get((township_name, village_name))
        if village is None:
            candidates = by_name.get(village_name, [])
            if len(candidates) == 1:
                village = candidates[0]
            elif candidates:
                cells.error(
                    "village",
                    _("Villages of this name exist in several townships; give the township."),
                )
            else:
                cells.error(
                    "village",
                    _("“%(village)s” is not a village of your townships.")
                    % {"village": village_name},
                )
        posts = cells.get("post", parse_posts) or []
        if not posts and not cells.failed:
            cells.error("post", _("Fill in the post."))
        bodies = {body for body, _title in posts}
        if apart and bodies & set(TWO_COMMITTEES) and bodies & set(SUPERVISION):
            cells.error("post", apart)
        group = _group(cells, groups, village, posts) if posts else None
        term_start = cells.get("term_start", parse_partial_date)
        if term_start is None and not cells.failed:
            cells.error("term_start", _("Give the date the term starts."))
        reason = cells.get("reason")
        values = {
            **identity,
            "ethnicity": cells.get("ethnicity", parse_choice, Ethnicity, synonyms=ethnicities)
            or Ethnicity.HAN,
            "political_status": cells.get(
                "political_status",
                parse_choice,
                PoliticalStatus,
                synonyms=POLITICAL_SYNONYMS,
            )
            or "",
            "education": cells.get(
                "education", parse_choice, Education, synonyms=EDUCATION_SYNONYMS
            )
            or "",
            "phone": cells.get("phone")[:20] if row.values["phone"] else "",
            "extra": row.extra,
        }
        if cells.failed:
            if id_number:
                failed_rows.setdefault(id_number, row.number)
        else:
            nominated[id_number] = row.number
            plan.cases.extend(
                {
                    **values,
                    "village": village,
                    "villager_group": group if body == Post.Body.VILLAGER_GROUP else None,
                    "body": body,
                    "title": title,
                    **partial_date_values("term_start", term_start),
                    "reason": reason,
                }
                for body, title in posts
            )
    relatives: list[tuple[int, dict]] = []
    held: dict[str, int] = {}
    if family_sheet is not None:
        plan.sheets.append(SheetReport())
        for row in read_sheet(source, RELATIVE_COLUMNS, sheet=family_sheet, report=plan.sheets[1]):
            plan.relative_rows += 1
            cells = _Row(plan, 1, row.number, row.values)
            owner = normalize_id_number(row.values["candidate_id_number"]).value
            if owner not in nominated:
                cells.error(
                    "candidate_id_number",
                    _("The candidate's row %(row)d is in error: this family member waits for it.")
                    % {"row": failed_rows[owner]}
                    if owner in failed_rows
                    else _("No candidate of the workbook has this ID number."),
                )
            relative = {
                "owner": owner,
                "relation": cells.get(
                    "relation", parse_choice, Relative.Relation, synonyms=RELATION_SYNONYMS
                ),
                "work_unit_and_post": cells.get("work_unit_and_post")[:200],
                **cells.identity(
                    name=cells.get("name"),
                    id_number=row.values["id_number"],
                    birth_date=cells.get("birth_date", parse_partial_date),
                ),
            }
            if relative["relation"] is None and row.values["relation"] is None:
                cells.error("relation", _("Give the relation to the candidate."))
            if not cells.failed:
                relatives.append((row.number, relative))
            elif owner in nominated:
                held.setdefault(owner, row.number)
    _hold_back(plan, held, nominated, relatives)
    return plan


def _hold_back(plan: BatchPlan, held: dict[str, int], nominated: dict[str, int], relatives):
    """A candidate goes with every family member or not at all: a case screened without a
    relative would miss what that relative's row holds, and a family row corrected later
    has no case to join. ``held``: the candidates with a family row in error, and that row."""
    for owner, family_row in held.items():
        _Row(plan, 0, nominated[owner], {}).error(
            "",
            _("Row %(row)d of the family sheet is in error: this candidate waits for it.")
            % {"row": family_row},
        )
    plan.cases = [case for case in plan.cases if case["id_number"] not in held]
    for number, relative in relatives:
        if relative["owner"] in held:
            _Row(plan, 1, number, {}).error(
                "candidate_id_number",
                _("The candidate's row %(row)d is in error: this family member waits for it.")
                % {"row": nominated[relative["owner"]]},
            )
        else:
            plan.relatives.append(relative)


ONE_SHOULDER = {
    (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY),
    (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR),
}


def plan_nominees(plan: BatchPlan, limit: int) -> list[dict]:
    """The first ``limit`` people of the plan, each with every post proposed to them."""
    people: dict[str, dict] = {}
    for case in plan.cases:
        person = people.get(case["id_number"])
        if person is None:
            if len(people) == limit:
                break
            person = people[case["id_number"]] = {**case, "posts": []}
        person["posts"].append((case["body"], case["title"]))
    for person in people.values():
        posts = person.pop("posts")
        person["post"] = "、".join(post_label(*post) for post in posts)
        if len(posts) > 1:
            person["held_together"] = (
                _("Secretary and director in one")
                if set(posts) >= ONE_SHOULDER
                else _("Cross-appointed")
            )
    return list(people.values())


def batch_plan_stored(*, actor, import_file: ImportFile, keep_unknown: bool = False) -> BatchPlan:
    """The plan of an uploaded workbook as stored; SpreadsheetError when it is unreadable.

    The stored file must still be the one uploaded (same SHA-256): a file replaced
    or damaged on disk after its preview is refused, never imported.
    """
    try:
        with import_file.file.open("rb") as handle:
            if content_sha256(handle)[0] != import_file.sha256:
                raise SpreadsheetError(
                    _("The stored workbook is not the one uploaded any more; upload it again.")
                )
            return batch_plan(actor=actor, source=handle, keep_unknown=keep_unknown)
    except OSError as error:
        raise SpreadsheetError(
            _("The stored workbook can no longer be read; upload it again.")
        ) from error


@transaction.atomic
def batch_nominate(
    *, actor, import_file: ImportFile, keep_unknown: bool = False, skip_errors: bool = False
) -> list[int]:
    """Create every case of the workbook, submitted and screened, or nothing at all.

    ``keep_unknown`` keeps the cells of the columns the workbook's header does not map on
    each case (``extra``), shown on the case's page. With ``skip_errors`` (导入无误的行，
    跳过有误的行) the rows without errors are nominated and the others skipped, with the
    family rows of a candidate whose row is.
    """
    try:
        plan = batch_plan_stored(actor=actor, import_file=import_file, keep_unknown=keep_unknown)
    except SpreadsheetError as error:
        raise ValidationError(str(error)) from error
    if plan.errors and not (skip_errors and plan.cases):
        refused = REFUSED_WITH_ERRORS % {"count": plan.error_rows}
        raise ValidationError([refused, *(str(error) for error in plan.errors[:200])])
    if not plan.cases:
        raise ValidationError(_("The workbook has no candidate."))
    now = timezone.now()
    state = CandidateCase.State.TOWNSHIP_REVIEW
    # A workbook uploaded within a general election nominates its candidates.
    election_id = (
        ElectionBatch.objects.filter(import_file=import_file)
        .values_list("election_id", flat=True)
        .first()
    )
    cases = [
        CandidateCase(
            **values,
            state=state,
            nominated_by=actor,
            submitted_at=now,
            batch=import_file,
            election_id=election_id,
        )
        for values in plan.cases
    ]
    cases = bulk_create_with_history(cases, CandidateCase, batch_size=1000, default_user=actor)
    if any(case.pk is None for case in cases):  # backends that return no keys
        cases = list(CandidateCase.objects.filter(nominated_by=actor, submitted_at=now))
    # A person nominated to several posts has a case per post; each case owns its relatives.
    by_id: dict[str, list[CandidateCase]] = {}
    for case in cases:
        by_id.setdefault(case.id_number, []).append(case)
    relatives = []
    for values in plan.relatives:
        owner = values.pop("owner")
        relatives.extend(CandidateRelative(case=case, **values) for case in by_id[owner])
    bulk_create_with_history(relatives, CandidateRelative, batch_size=1000, default_user=actor)
    CaseTransition.objects.bulk_create(
        [
            CaseTransition(
                case=case,
                verb=verb,
                from_state=source,
                to_state=target,
                actor=actor,
                note=_("Batch nomination: %(file)s") % {"file": import_file.original_name},
            )
            for case in cases
            for verb, source, target in (
                ("create", "", CandidateCase.State.DRAFT),
                ("submit", CandidateCase.State.DRAFT, state),
            )
        ],
        batch_size=2000,
    )
    ids = [case.pk for case in cases]
    cases_screen(ids)
    import_file.status = ImportFile.Status.IMPORTED
    import_file.summary = {
        "cases": len(cases),
        "relatives": len(relatives),
        "imported_rows": plan.valid_rows,
        "skipped_rows": plan.error_rows,
    }
    import_file.save(update_fields=["status", "summary", "updated_at"])
    return ids
