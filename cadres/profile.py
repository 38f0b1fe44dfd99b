"""Sections that other apps add to the cadre profile (干部信息表), without cadres importing them.

An app above cadres registers a section once, from its AppConfig.ready()::

    from cadres.profile import register_profile_section

    register_profile_section("vetting/_profile_section.html", vetting_profile_context, order=20)

``context_function(request, person)`` returns the template context of the section,
or None to leave the section out (for example when the user may not see it). It
must read through scoped querysets and run a fixed number of queries. Sections
render in ``order``, then in registration order, after the register's own sections.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cadres.models import Person

ContextFunction = Callable[[HttpRequest, Person], dict | None]


@dataclass(frozen=True)
class ProfileSection:
    template_name: str
    context_function: ContextFunction
    order: int


_sections: list[ProfileSection] = []


def register_profile_section(
    template_name: str, context_function: ContextFunction, *, order: int = 100
) -> None:
    """Add a section to every profile; registering the same template again replaces it."""
    _sections[:] = [s for s in _sections if s.template_name != template_name]
    _sections.append(ProfileSection(template_name, context_function, order))
    _sections.sort(key=lambda s: s.order)


def render_profile_sections(request: HttpRequest, person: Person) -> list[SafeString]:
    """The registered sections' HTML for one person, in order."""
    rendered = []
    for section in _sections:
        context = section.context_function(request, person)
        if context is not None:
            context = {"person": person, **context}
            rendered.append(render_to_string(section.template_name, context, request=request))
    return rendered
