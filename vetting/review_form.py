"""The joint-review form (村干部候选人资格联审表) of a candidate case, one or a batch.

Sections of the paper grid (``cadres.paper``), from the candidate's data to the
district's decision and the rules in force, with blank signature and seal boxes where
the paper practice has them. Who may have a form is who may open the case
(``cases_visible``: the township's roles, the district, a department asked about it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.cadre_form import family_rows
from cadres.dates import partial_date
from cadres.models import ImportFile, Job
from cadres.paper import (
    Batch,
    Paper,
    Reader,
    Row,
    batch_job_run,
    fields,
    heading,
    signature_box,
    table,
)
from cadres.roster import post_label
from vetting.models import (
    CandidateCase,
    CaseTransition,
    Checkpoint,
    DepartmentOpinion,
    EligibilityRules,
    NegativeList,
)
from vetting.selectors import cases_visible

JOB = "review_forms"


def _date(record, name: str) -> str:
    value = partial_date(record, name)
    return str(value) if value else ""


def _when(at) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at else ""


def sign_line() -> str:
    return _("Signature:                    Date:        (year)    (month)    (day)")


def candidate_section(case: CandidateCase, reader: Reader, rules) -> list[Row]:
    term = f"{_date(case, 'term_start')} — {_date(case, 'term_end')}"
    return [
        fields(
            (_("Name"), case.name),
            (_("Sex"), case.get_sex_display()),
            (_("Birth (year and month)"), _date(case, "birth_date")),
        ),
        fields(
            (_("Ethnicity"), case.get_ethnicity_display()),
            (_("Political status"), case.get_political_status_display()),
            (_("Education"), case.get_education_display()),
        ),
        fields((_("ID number"), reader.id_number(case)), (_("Phone"), case.phone)),
        fields(
            (_("Proposed village"), f"{case.village.township.name}{case.village.name}"),
            (_("Proposed post"), post_label(case.body, case.title)),
        ),
        fields((_("Term"), term), (_("Kind of case"), case.get_kind_display())),
        fields((_("Reason for the nomination"), case.reason)),
    ]


def family_section(case: CandidateCase, reader: Reader, rules) -> list[Row]:
    return family_rows(case.relatives.all(), reader)


def checkpoints_section(case: CandidateCase, reader: Reader, rules) -> list[Row]:
    recorded = {(c.level, c.kind): c for c in case.checkpoints.all()}

    def cells(kind: str, level: str) -> tuple[str, str]:
        checkpoint = recorded.get((level, kind))
        return (checkpoint.get_verdict_display(), checkpoint.note) if checkpoint else ("", "")

    return [
        heading(_("The five checkpoints")),
        *table(
            [
                (_("Checkpoint"), 4),
                (_("Township review"), 3),
                (_("Township's note"), 7),
                (_("District review"), 3),
                (_("District's note"), 7),
            ],
            (
                (label, *cells(kind, Checkpoint.Level.TOWNSHIP), *cells(kind, "district"))
                for kind, label in Checkpoint.Kind.choices
            ),
            "",
        ),
    ]


def township_section(case: CandidateCase, reader: Reader, rules) -> list[Row]:
    forwarded = case.form_forwards[-1] if case.form_forwards else None
    opinion = ""
    if forwarded is not None:
        opinion = _("%(note)s (sent to the district by %(who)s, %(when)s)") % {
            "note": forwarded.note or _("Passed the preliminary review"),
            "who": forwarded.actor,
            "when": _when(forwarded.at),
        }
    return [
        heading(_("Township preliminary review")),
        signature_box(_("Township party committee (seal)"), opinion, sign_line()),
    ]


def _reply(opinion: DepartmentOpinion) -> str:
    if opinion.reply_letter_id is None:
        return ""
    return _("Reply letter of %(date)s: %(file)s") % {
        "date": opinion.reply_on.isoformat(),
        "file": opinion.reply_letter.original_name,
    }


def departments_section(case: CandidateCase, reader: Reader, rules) -> list[Row]:
    return [
        heading(_("Opinions of the joint-review departments")),
        *table(
            [
                (_("Department"), 5),
                (_("Opinion"), 3),
                (_("Note"), 6),
                (_("Given by and when"), 5),
                (_("Reply letter"), 5),
            ],
            (
                (
                    opinion.get_department_display(),
                    opinion.get_verdict_display(),
                    opinion.note,
                    f"{opinion.given_by or ''} {_when(opinion.given_at)}".strip(),
                    _reply(opinion),
                )
                for opinion in case.opinions.all()
            ),
            _("No department has been asked yet"),
        ),
        signature_box(_("Department (seal)"), "", sign_line()),
    ]


def district_section(case: CandidateCase, reader: Reader, rules) -> list[Row]:
    decided = case.state in (CandidateCase.State.APPROVED, CandidateCase.State.REJECTED)
    negative_list, eligibility = (
        (case.negative_list, case.eligibility_rules) if decided else rules()
    )
    rules_note = "" if decided else _(" (in force today; the decision records its own)")
    decision = ""
    if decided:
        decision = _("%(state)s by %(who)s, %(when)s. %(reason)s") % {
            "state": case.get_state_display(),
            "who": case.decided_by,
            "when": _when(case.decided_at),
            "reason": case.decision_reason,
        }
    return [
        heading(_("Decision of the organization department of the district committee")),
        fields(
            (_("Negative list"), f"{negative_list or ''}{rules_note}"),
            (_("Eligibility rules"), f"{eligibility or ''}{rules_note}"),
        ),
        signature_box(
            _("Organization department of the district committee (seal)"), decision, sign_line()
        ),
    ]


SECTIONS: list[Callable[[CandidateCase, Reader, Callable], list[Row]]] = [
    candidate_section,
    family_section,
    checkpoints_section,
    township_section,
    departments_section,
    district_section,
]


def review_form_cases(queryset: QuerySet[CandidateCase]) -> QuerySet[CandidateCase]:
    """``queryset`` with what the form reads, in a fixed number of queries for any size."""
    return queryset.select_related(
        "village__township", "decided_by", "negative_list", "eligibility_rules"
    ).prefetch_related(
        "relatives",
        "checkpoints",
        Prefetch(
            "opinions",
            queryset=DepartmentOpinion.objects.select_related("given_by", "reply_letter"),
        ),
        Prefetch(
            "transitions",
            queryset=CaseTransition.objects.filter(verb=CaseTransition.Verb.FORWARD)
            .select_related("actor")
            .order_by("at", "pk"),
            to_attr="form_forwards",
        ),
    )


def rules_in_force() -> Callable[[], tuple]:
    """The active rule versions, read once for a batch and only if a form needs them."""
    found: list[tuple] = []

    def read() -> tuple:
        if not found:
            found.append(
                (
                    NegativeList.objects.filter(active=True).first(),
                    EligibilityRules.objects.filter(active=True).first(),
                )
            )
        return found[0]

    return read


def review_paper(case: CandidateCase, reader: Reader, rules: Callable[[], tuple]) -> Paper:
    subtitle = _("Township: %(township)s    Village: %(village)s    Case No. %(number)d") % {
        "township": case.village.township.name,
        "village": case.village.name,
        "number": case.pk,
    }
    rows = [row for section in SECTIONS for row in section(case, reader, rules)]
    title = _("Joint eligibility review form of a village cadre candidate")
    return Paper(title=title, subtitle=subtitle, rows=rows)


def review_form_case(user, pk: int) -> CandidateCase:
    """A case the user may open (404 otherwise), ready for the form."""
    return get_object_or_404(review_form_cases(cases_visible(user)), pk=pk)


def review_forms_batch(user, *, batch: int) -> Batch:
    """The forms of every case of a nomination batch that the user may open; 404 for a
    batch of none. ``user`` None: the command's, every case."""
    cases = CandidateCase.objects.all() if user is None else cases_visible(user)
    cases = review_form_cases(cases.filter(batch_id=batch)).order_by("pk")
    count = cases.count()
    if not count:
        raise Http404
    record = ImportFile.objects.get(pk=batch)
    rules = rules_in_force()
    return Batch(
        filename=_("Joint review forms %(file)s.docx") % {"file": Path(record.original_name).stem},
        obj=record,
        count=count,
        papers=lambda reader: (
            review_paper(case, reader, rules) for case in cases.iterator(chunk_size=200)
        ),
    )


def review_forms_job(job: Job) -> None:
    """The ``review_forms`` job's handler: the batch's .docx as its result."""
    batch_job_run(job, lambda user: review_forms_batch(user, **job.params))
