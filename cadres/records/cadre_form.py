"""The management records' section of the cadre information form: 年度考核."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from cadres.cadre_form import cadre_form_section_register
from cadres.paper import heading, table
from cadres.records.models import AnnualEvaluation

EVALUATIONS_SHOWN = 3  # 近三年年度考核结果, as the 干部任免审批表 asks


def evaluations_section(person, reader) -> list:
    return [
        heading(_("Annual evaluation results of the last three years")),
        *table(
            [
                (_("Year"), 4),
                (_("Grade"), 4),
                (_("Weighted total"), 4),
                (_("Evaluator"), 6),
                (_("Evaluation date"), 6),
            ],
            (
                (
                    str(evaluation.year),
                    evaluation.get_grade_display(),
                    str(evaluation.total),
                    evaluation.evaluator,
                    evaluation.evaluated_on.isoformat(),
                )
                for evaluation in person.form_evaluations[:EVALUATIONS_SHOWN]
            ),
            _("None recorded"),
        ),
    ]


def register() -> None:
    cadre_form_section_register(
        evaluations_section,
        order=30,
        prefetch=[
            Prefetch(
                "evaluations",
                queryset=AnnualEvaluation.objects.order_by("-year"),
                to_attr="form_evaluations",
            )
        ],
    )
