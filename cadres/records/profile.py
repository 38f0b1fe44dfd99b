"""The management records' section of the cadre profile."""

from cadres.profile import register_profile_section
from cadres.records.selectors import person_records


def profile_context(request, person) -> dict | None:
    if not request.user.has_perm("records.view_personalreport"):
        return None
    return person_records(person, request.user)


def register() -> None:
    register_profile_section("cadres/records/_profile_section.html", profile_context, order=50)
