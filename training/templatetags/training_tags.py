from django import template

from cadres.identity import mask_id_number

register = template.Library()


@register.filter
def masked(value: str | None) -> str:
    """An ID number as pages show it: never in full."""
    return mask_id_number(value)


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value}%"
