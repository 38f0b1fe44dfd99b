from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value}%"
