"""帮助: the manual of each role (dongchang/manuals.py), and the screenshots it shows."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from dongchang import manuals
from dongchang.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "help"
FOLDER = ROOT / "static" / manuals.SCREENSHOT_FOLDER
SHOT = re.compile(r'{% include "help/_shot.html" with name="([^"]+)"')


def shots_of(guide: manuals.Guide) -> list[str]:
    return SHOT.findall((ROOT / "templates" / guide.template).read_text(encoding="utf-8"))


def test_the_manuals_show_every_screenshot_the_browser_test_takes_and_no_other():
    names = [shot.name for shot in manuals.SCREENSHOTS]
    assert len(names) == len(set(names))
    shown = [name for guide in manuals.GUIDES for name in shots_of(guide)]
    assert sorted(shown) == sorted(names)
    # Every picture is committed, and none is left over from a page the manuals no longer show.
    assert {path.stem for path in FOLDER.glob("*.png")} == set(names)
    # A screenshot is the page as the manual's own role sees it.
    demo_roles = {
        "jc_staff": Role.TOWNSHIP_STAFF,
        "jc_review": Role.TOWNSHIP_REVIEWER,
        "zzb": Role.DISTRICT_REVIEWER,
        "ga_dept": Role.DEPARTMENT,
        "admin": Role.SYSTEM_ADMIN,
    }
    by_name = {shot.name: shot for shot in manuals.SCREENSHOTS}
    for guide in manuals.GUIDES:
        assert shots_of(guide), guide.slug
        assert {demo_roles[by_name[name].username] for name in shots_of(guide)} == {guide.role}


@pytest.mark.parametrize(
    ("role", "slug"),
    [
        (Role.TOWNSHIP_STAFF, "township-staff"),
        (Role.TOWNSHIP_REVIEWER, "township-reviewer"),
        (Role.DISTRICT_REVIEWER, "district-reviewer"),
        (Role.DEPARTMENT, "department"),
        (Role.SYSTEM_ADMIN, "administrator"),
    ],
)
def test_each_role_reads_its_own_manual_first_and_may_read_the_others(client, role, slug):
    user = UserFactory(role=role.value, townships=["220502100"] if "乡镇" in role.value else [])
    client.force_login(user)
    home = client.get(reverse("home"))
    assert f'href="{reverse("help")}">帮助</a>' in home.text

    page = client.get(reverse("help"))
    assert page.status_code == 200
    assert page.templates[0].name == f"help/{slug}.html"
    assert f"使用手册：{role.label}" in page.text
    for guide in manuals.GUIDES:
        assert reverse("help_guide", args=[guide.slug]) in page.text
        other = client.get(reverse("help_guide", args=[guide.slug]))
        assert other.status_code == 200
        assert f"使用手册：{guide.role.label}" in other.text
        assert f"/static/help/{shots_of(guide)[0]}.png" in other.text


def test_a_superuser_without_a_role_reads_the_administrators_manual(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("help")).templates[0].name == "help/administrator.html"


def test_an_unknown_manual_is_not_found_and_strangers_log_in_first(client, staff):
    assert client.get(reverse("help")).url.startswith(reverse("accounts:login"))
    assert client.get(reverse("help_guide", args=["township-staff"])).status_code == 302
    client.force_login(staff)
    assert client.get(reverse("help_guide", args=["nobody"])).status_code == 404
