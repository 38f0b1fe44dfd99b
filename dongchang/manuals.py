"""The user guide (帮助): one manual (使用手册) per role, with screenshots of the real pages.

The manuals are long-form Chinese prose, like a printed handbook: each is a template written
in Chinese (templates/help/), not a run of gettext msgids, because a manual is a document
translated as a whole, if ever, and never sentence by sentence. The chrome around it (the
menu, the titles of the page, the list of manuals) stays gettext like every other page.

The screenshots are taken by tests/browser/test_help_screenshots.py, which logs in as each
role on the demo data and saves every page of SCREENSHOTS into static/help/; a plain test
checks that the manuals show these and only these, so that no picture goes missing or stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from dongchang.accounts.roles import Role

# Under static/: whitenoise serves the pictures and collectstatic gathers them.
SCREENSHOT_FOLDER = "help"


@dataclass(frozen=True)
class Guide:
    slug: str
    role: Role

    @property
    def template(self) -> str:
        return f"help/{self.slug}.html"


# In the order of the work: the township's staff prepares, the district decides.
GUIDES = (
    Guide("township-staff", Role.TOWNSHIP_STAFF),
    Guide("township-reviewer", Role.TOWNSHIP_REVIEWER),
    Guide("district-reviewer", Role.DISTRICT_REVIEWER),
    Guide("department", Role.DEPARTMENT),
    Guide("administrator", Role.SYSTEM_ADMIN),
)
GUIDES_BY_SLUG = {guide.slug: guide for guide in GUIDES}


def guide_for(user) -> Guide:
    """The manual of the user's role; a superuser without a role reads the administrator's."""
    roles = set(user.role_names())
    for guide in GUIDES:
        if guide.role.value in roles:
            return guide
    return GUIDES[-1] if user.is_superuser else GUIDES[0]


@dataclass(frozen=True)
class Screenshot:
    """One picture of a manual: a page as a demo account sees it (dongchang/demo.py)."""

    name: str
    username: str
    url_name: str
    query: str = ""
    # Follow the link of the list's first row (a detail page whose id the demo decides).
    open_first: bool = False
    # A CSS selector scrolled to the picture's top: the part of a long page the manual shows.
    scroll_to: str = ""


# A candidate's page, at the card of what the reader may do there.
ACTIONS = ".card:has(> form[action*='/act/'])"

SCREENSHOTS = (
    # 乡镇工作人员
    Screenshot("staff-home", "jc_staff", "home"),
    Screenshot("staff-register", "jc_staff", "cadres:list"),
    Screenshot("staff-person", "jc_staff", "cadres:list", open_first=True),
    Screenshot("staff-import", "jc_staff", "cadres:import_upload"),
    Screenshot("staff-case-queue", "jc_staff", "vetting:case_queue"),
    Screenshot("staff-case-new", "jc_staff", "vetting:case_new"),
    Screenshot("staff-reports", "jc_staff", "cadres:records:report_list"),
    Screenshot("staff-duty", "jc_staff", "cadres:records:roster_list"),
    Screenshot("staff-filings", "jc_staff", "cadres:records:filing_list"),
    Screenshot("staff-projects", "jc_staff", "cadres:records:project_list"),
    Screenshot("staff-training", "jc_staff", "training:sessions"),
    Screenshot("staff-supervision", "jc_staff", "supervision:record_list"),
    # 乡镇审核人
    Screenshot("township-review-queue", "jc_review", "vetting:case_queue"),
    Screenshot(
        "township-review-case",
        "jc_review",
        "vetting:case_queue",
        open_first=True,
        scroll_to=ACTIONS,
    ),
    Screenshot("township-review-evaluations", "jc_review", "cadres:records:evaluation_list"),
    Screenshot("township-review-hits", "jc_review", "vetting:hit_list"),
    Screenshot("township-review-misconduct", "jc_review", "supervision:case_list"),
    # 区级审核人
    Screenshot("district-dashboard", "zzb", "dashboard"),
    Screenshot("district-hits", "zzb", "vetting:hit_list", query="status=pending"),
    Screenshot("district-hit", "zzb", "vetting:hit_list", "status=pending", open_first=True),
    Screenshot("district-case-queue", "zzb", "vetting:case_queue"),
    Screenshot("district-case", "zzb", "vetting:case_queue", open_first=True, scroll_to=ACTIONS),
    Screenshot("district-strict-control", "zzb", "cadres:strict_control_list"),
    Screenshot("district-watchlists", "zzb", "vetting:watchlist_list"),
    Screenshot("district-id-conflicts", "zzb", "cadres:id_conflict_list"),
    Screenshot("district-monthly-report", "zzb", "reports:list"),
    # 联审部门
    Screenshot("department-home", "ga_dept", "home"),
    Screenshot("department-queue", "ga_dept", "vetting:case_queue"),
    Screenshot(
        "department-case", "ga_dept", "vetting:case_queue", open_first=True, scroll_to=ACTIONS
    ),
    # 系统管理员
    Screenshot("admin-access-log", "admin", "cadres:access_log"),
    Screenshot("admin-jobs", "admin", "cadres:job_list"),
    Screenshot("admin-admin", "admin", "admin:index"),
)
