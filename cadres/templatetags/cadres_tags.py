from django import template

from cadres.dates import partial_date
from cadres.identity import mask_id_number
from cadres.jobs import job_kind_label, job_may_retry
from cadres.selectors import age as age_on

register = template.Library()


@register.filter
def masked(value: str | None) -> str:
    """An ID number as pages show it: 2205**********1233."""
    return mask_id_number(value)


@register.filter(name="partial_date")
def partial_date_filter(record, name: str) -> str:
    """The date ``name`` of a record at its precision: 1972-08-15, 1972.08 or 1972."""
    value = partial_date(record, name) if record else None
    return str(value) if value is not None else ""


@register.filter
def job_kind(name: str) -> str:
    """The label that a job's kind registered (cadres.jobs)."""
    return job_kind_label(name)


@register.filter
def may_retry(job, user) -> bool:
    """Whether the user may retry the job (its kind's permission): the button shows only then."""
    return job_may_retry(job=job, user=user)


@register.filter
def age(birth_date) -> int | str:
    """Age in full years today."""
    years = age_on(birth_date)
    return "" if years is None else years
