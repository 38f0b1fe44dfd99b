"""Election results from a workbook (选举结果导入): one township's villages at once.

One row per post won: 村, 姓名, 身份证号, 当选职务 (书记兼主任 for 一肩挑: one row, several posts),
村民小组 for a group leader, 得票数. Read through the shared reader; every row must name an
approved candidate case of this election, village and post, and no post may be filled twice:
anything else is reported by row and column in Chinese, and nothing is written unless every
row is right. ``results_import`` then replaces the results of each village the workbook
names, in one transaction, through the same checks as the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.error_workbook import errors_by_row
from cadres.hashing import content_sha256
from cadres.identity import normalize_id_number
from cadres.import_templates import (
    Hint,
    ImportTemplate,
    TemplateSheet,
    choice_hint,
    id_number_hint,
)
from cadres.models import ImportFile
from cadres.roster import CADRE_COLUMNS, POSTS_NOTE, cell_key, parse_posts, post_labels
from cadres.scoping import require_object
from cadres.spreadsheets import Column, RowError, SheetReport, SpreadsheetError, read_sheet
from vetting.models import CandidateCase, ElectionPlan, ElectionVillage
from vetting.services.election import PLAN, _locked_village, _post_key, _replace_results, _require

_ROSTER = {column.key: column for column in CADRE_COLUMNS}
COLUMNS = (
    _ROSTER["village"],
    _ROSTER["group"],
    _ROSTER["name"],
    _ROSTER["id_number"],
    Column("post", "当选职务", ("职务", "当选职位", "拟任职务"), True),
    Column("votes", "得票数", ("得票", "票数", "得票数（票）"), True),
)
LABELS = {c.key: c.label for c in COLUMNS}
TEMPLATE = ImportTemplate(
    "election-results-template.xlsx",
    (
        TemplateSheet(
            "选举结果",
            COLUMNS,
            {
                "village": Hint("民主村"),
                "group": Hint("", (gettext_lazy("Only for a villager group leader."),)),
                "name": Hint("赵明"),
                "id_number": id_number_hint("220502199207181016"),
                "post": choice_hint("村党组织书记", post_labels, POSTS_NOTE),
                "votes": Hint("812"),
            },
        ),
    ),
)


@dataclass
class ResultsPlan:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    # ElectionVillage id → {case id: votes}
    results: dict[int, dict[int, int]] = field(default_factory=dict)
    report: SheetReport = field(default_factory=SheetReport)
    # ElectionVillage id → the numbers of its rows
    village_rows: dict[int, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors

    def failures(self) -> list[tuple[SheetReport, dict[int, list[RowError]]]]:
        """The error workbook's rows: each row in error, and every other row of a village
        that has one, without a reason. A workbook replaces the results of the villages it
        names, so the corrected rows import only together with the rest of their village."""
        failed = errors_by_row(self.errors)
        for rows in self.village_rows.values():
            if failed.keys() & set(rows):
                for number in rows:
                    failed.setdefault(number, [])
        return [(self.report, dict(sorted(failed.items())))]


def results_plan(*, actor, plan: ElectionPlan, source) -> ResultsPlan:
    """Read and check the workbook (no writes); three queries whatever its size."""
    _require(actor, PLAN)
    require_object(actor, plan)
    out = ResultsPlan()
    villages = {
        cell_key(ev.village.name): ev
        for ev in ElectionVillage.objects.filter(plan=plan).select_related("village", "plan")
    }
    cases: dict[tuple, CandidateCase] = {}
    for case in CandidateCase.objects.filter(
        election_id=plan.election_id, village__township_id=plan.township_id
    ).select_related("villager_group"):
        group = cell_key(case.villager_group.name) if case.villager_group_id else ""
        cases[(case.village_id, case.id_number, case.body, case.title, group)] = case
    filled: dict[tuple, int] = {}
    for row in read_sheet(source, COLUMNS, report=out.report):
        out.rows += 1

        def error(key: str, message: str, number=row.number) -> None:
            out.errors.append(RowError(number, LABELS.get(key, ""), message))

        ev = villages.get(cell_key(row.values["village"]))
        if ev is None:
            error("village", _("This village is not in the township's election plan."))
            continue
        out.village_rows.setdefault(ev.pk, []).append(row.number)
        if ev.confirmed_at is not None:
            error("village", _("The results of this village are confirmed already."))
            continue
        read = normalize_id_number(row.values["id_number"])
        if not read.ok or not read.value:
            error("id_number", "；".join(read.errors) or _("Give the ID number."))
            continue
        id_number = read.value
        try:
            posts = parse_posts(row.values["post"])
        except ValueError as problem:
            error("post", str(problem))
            continue
        if not posts:
            error("post", _("Give the post won."))
            continue
        votes = row.values["votes"]
        try:
            votes = int(str(votes).strip().removesuffix("票").split(".")[0])
            if votes < 0:
                raise ValueError
        except ValueError:
            error("votes", _("The votes are a whole number."))
            continue
        group = cell_key(row.values["group"])
        for body, title in posts:
            key_group = group if body == "villager_group" else ""
            case = cases.get((ev.village_id, id_number, body, title, key_group))
            if case is None:
                error(
                    "post",
                    _(
                        "Not a candidate of this election for this post in this village: only "
                        "approved candidates can be elected."
                    ),
                )
                continue
            if case.state != CandidateCase.State.APPROVED:
                error(
                    "post",
                    _("The candidate is %(state)s, not approved in the joint review.")
                    % {"state": case.get_state_display()},
                )
                continue
            filled_key = (ev.pk, *_post_key(case))
            if filled_key in filled:
                error(
                    "post",
                    _("This post is filled twice: on row %(row)d too.")
                    % {"row": filled[filled_key]},
                )
                continue
            filled[filled_key] = row.number
            out.results.setdefault(ev.pk, {})[case.pk] = votes
    return out


def results_plan_stored(*, actor, plan: ElectionPlan, import_file: ImportFile) -> ResultsPlan:
    try:
        with import_file.file.open("rb") as handle:
            if content_sha256(handle)[0] != import_file.sha256:
                raise SpreadsheetError(
                    _("The stored workbook is not the one uploaded any more; upload it again.")
                )
            return results_plan(actor=actor, plan=plan, source=handle)
    except OSError as error:
        raise SpreadsheetError(
            _("The stored workbook can no longer be read; upload it again.")
        ) from error


@transaction.atomic
def results_import(*, actor, plan: ElectionPlan, import_file: ImportFile) -> int:
    """Replace the results of every village the workbook names, or nothing at all."""
    if import_file.uploaded_by_id != actor.pk or import_file.kind != (
        ImportFile.Kind.ELECTION_RESULTS
    ):
        raise PermissionDenied
    try:
        planned = results_plan_stored(actor=actor, plan=plan, import_file=import_file)
    except SpreadsheetError as error:
        raise ValidationError(str(error)) from error
    if not planned.ok:
        raise ValidationError([str(e) for e in planned.errors[:200]] or _("The workbook is empty."))
    count = 0
    for ev in ElectionVillage.objects.filter(pk__in=list(planned.results)).order_by("pk"):
        ev = _locked_village(actor, ev)
        count += len(_replace_results(actor, ev, planned.results[ev.pk]))
    import_file.status = ImportFile.Status.IMPORTED
    import_file.summary = {"results": count, "villages": len(planned.results)}
    import_file.save(update_fields=["status", "summary", "updated_at"])
    return count
