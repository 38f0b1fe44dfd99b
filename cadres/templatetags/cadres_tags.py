from django import template

from cadres.identity import mask_id_number
from cadres.selectors import age as age_on

register = template.Library()


@register.filter
def masked(value: str | None) -> str:
    """An ID number as pages show it: 2205**********1233."""
    return mask_id_number(value)


@register.filter
def age(birth_date) -> int | str:
    """Age in full years today."""
    years = age_on(birth_date)
    return "" if years is None else years


@register.simple_tag(takes_context=True)
def sort_url(context, key: str) -> str:
    """The list's query string sorted by ``key``; a second click reverses the order."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    query["sort"] = f"-{key}" if query.get("sort") == key else key
    return "?" + query.urlencode()
