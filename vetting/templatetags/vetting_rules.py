from django import template

from vetting import rules

register = template.Library()


@register.filter
def failing(post, version):
    """The messages of the eligibility rules that a row of the review list fails."""
    return rules.failures(post, version)
