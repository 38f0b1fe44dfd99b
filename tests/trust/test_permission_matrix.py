"""The permission matrix (issue 10, part 1).

Every URL pattern of the project, enumerated from the resolver, is requested by every role
against 金厂镇's object ("own") and 环通乡's ("other"), with the status its policy expects.
No response (of any status) to a 金厂镇 township role carries the other side's markers,
every POST needs the CSRF token, and anonymous users are sent to the login page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cadres.models import StructureTargets
from dongchang.models import TodoDeadlines, WarningRules
from tests.trust.matrix_world import (
    MARKER,
    REPORT_MONTH,
    ROLES,
    TOWNSHIP_ROLES,
    World,
    pdf,
)
from vetting.models import EligibilityRules, NegativeList

pytestmark = pytest.mark.usefixtures("world_uploads")

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = "/admin/login/"


# 1. Every pattern of the resolver, by namespaced name -----------------------------------------


def url_patterns(resolver=None, namespace=None, prefix=""):
    """(namespaced name, route, pattern) for every URLPattern, recursively."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern), entry


def is_admin(name: str | None, route: str) -> bool:
    return route.startswith("admin/")


# 2. How to build each URL's kwargs from the world ------------------------------------------------

# Where the kwargs come from: "township" → built for the own and the other side's object;
# "district" → a district-wide object, requested once; None → no kwargs.
Args = tuple[str | None, Callable[[object], dict]]


def obj(attr: str, key: str = "pk", **extra) -> Args:
    return "township", lambda side: {key: side.objects[attr].pk, **extra}


def district(attr: str, key: str = "pk") -> Args:
    return "district", lambda d: {key: d[attr].pk}


NONE: Args = (None, lambda _w: {})

ARGS: dict[str, Args] = {
    "help_guide": (None, lambda _w: {"role": "district-reviewer"}),
    # cadres
    "cadres:detail": obj("person"),
    "cadres:edit": obj("person"),
    "cadres:post_appoint": obj("person"),
    "cadres:relative_add": obj("person"),
    "cadres:reveal_id": obj("person"),
    "cadres:person_form": obj("person"),
    "cadres:post_end": obj("post"),
    "cadres:relative_edit": obj("relative"),
    "cadres:reveal_relative_id": obj("relative"),
    "cadres:import_preview": obj("import_file"),
    "cadres:import_confirm": obj("import_file"),
    "cadres:import_errors": obj("import_file"),
    "cadres:strict_control_set": obj("person"),
    "cadres:strict_control_review": obj("person"),
    "cadres:strict_control_lift": obj("person"),
    "cadres:photo": obj("person"),
    "cadres:photo_upload": obj("person"),
    "cadres:photo_delete": obj("person"),
    **{
        f"cadres:{kind}_{action}": obj("person") if action == "add" else obj(f"{kind}_row")
        for kind in ("education", "resume", "reward")
        for action in ("add", "edit", "delete")
    },
    "cadres:places_import_preview": district("places_file"),
    "cadres:places_import_apply": district("places_file"),
    "cadres:places_import_errors": district("places_file"),
    "cadres:job_detail": obj("job"),
    "cadres:job_retry": obj("job"),
    "cadres:job_download": obj("job"),
    # cadres/records
    "cadres:records:filing_detail": obj("filing"),
    "cadres:records:filing_document": obj("filing_document"),
    "cadres:records:change_create": obj("post", "post_pk"),
    "cadres:records:change_detail": obj("secretary_change"),
    "cadres:records:change_document": obj("change_document"),
    "cadres:records:report_create": obj("person", "person_pk"),
    "cadres:records:report_detail": obj("report"),
    "cadres:records:roster_detail": obj("roster"),
    "cadres:records:roster_print": obj("roster"),
    "cadres:records:shift_action": obj("shift"),
    "cadres:records:leave_create": obj("person", "person_pk"),
    "cadres:records:project_detail": obj("project"),
    "cadres:records:progress_document": obj("progress_document"),
    "cadres:records:evaluation_detail": obj("evaluation"),
    "cadres:records:candidate_detail": obj("candidate"),
    "cadres:records:recusal_record": obj("recusal"),
    "cadres:records:person_records": obj("person"),
    # the read-only API (its clients' own matrix: test_api_clients)
    "api:cadre": obj("person"),
    # training
    **{
        f"training:{name}": obj("session")
        for name in (
            "session",
            "session_edit",
            "session_delete",
            "material_upload",
            "roster",
            "roster_invite",
            "roster_add",
            "roster_remove",
            "attendance",
            "signin",
            "signin_template",
        )
    },
    **{
        f"training:{name}": (
            "township",
            lambda side: {"pk": side.session.pk, "file_pk": side.signin_file.pk},
        )
        for name in ("signin_preview", "signin_errors")
    },
    "training:material": obj("material"),
    "training:material_delete": obj("material"),
    "training:round": obj("round"),
    "training:round_edit": obj("round"),
    "training:study_delete": obj("study"),
    # vetting
    "vetting:hit_detail": obj("hit"),
    "vetting:hit_decide": obj("hit"),
    "vetting:removal_detail": obj("removal"),
    "vetting:run_detail": district("run"),
    # The rules' versions are district-wide: the defaults loaded by the migration.
    "vetting:negative_list_version": (
        "district",
        lambda _d: {"pk": NegativeList.objects.get(active=True).pk},
    ),
    "vetting:eligibility_version": (
        "district",
        lambda _d: {"pk": EligibilityRules.objects.get(active=True).pk},
    ),
    "cadres:place_event_detail": district("place_event"),
    "cadres:place_event_document": district("place_event"),
    "cadres:structure_targets_version": (
        "district",
        lambda _d: {"pk": StructureTargets.objects.get(active=True).pk},
    ),
    "warning_rules_version": (
        "district",
        lambda _d: {"pk": WarningRules.objects.get(active=True).pk},
    ),
    "todo_deadlines_version": (
        "district",
        lambda _d: {"pk": TodoDeadlines.objects.get(active=True).pk},
    ),
    "vetting:watchlist_preview": district("watchlist_file"),
    "vetting:watchlist_confirm": district("watchlist_file"),
    "vetting:watchlist_errors": district("watchlist_file"),
    "vetting:case_detail": obj("candidate_case"),
    "vetting:case_edit": obj("candidate_case"),
    "vetting:case_act": obj("candidate_case", verb="opinion"),
    "vetting:case_relative_add": obj("candidate_case"),
    "vetting:case_reveal_id": obj("candidate_case"),
    "vetting:case_form": obj("candidate_case"),
    "vetting:case_reveal_relative_id": (
        "township",
        lambda side: {"pk": side.candidate_case.pk, "relative_pk": side.case_relative.pk},
    ),
    **{
        f"vetting:{name}": (
            "township",
            lambda side: {"pk": side.candidate_case.pk, "relative_pk": side.case_relative.pk},
        )
        for name in ("case_relative_edit", "case_relative_remove")
    },
    "vetting:case_attach": obj("candidate_case"),
    "vetting:case_attachment": obj("case_attachment"),
    "vetting:batch_preview": obj("batch_file"),
    "vetting:batch_forms": obj("batch_file"),
    "vetting:roster_nominate": obj("import_file"),
    "vetting:batch_confirm": obj("batch_file"),
    "vetting:batch_errors": obj("batch_file"),
    "vetting:election_detail": district("election"),
    "election_report": district("election"),
    "vetting:election_plan": obj("election_plan"),
    "vetting:election_plan_confirm": obj("election_plan"),
    "vetting:election_results_upload": obj("election_plan"),
    "vetting:election_results_preview": (
        "township",
        lambda side: {"pk": side.election_plan.pk, "file_pk": side.results_file.pk},
    ),
    "vetting:election_results_errors": (
        "township",
        lambda side: {"pk": side.election_plan.pk, "file_pk": side.results_file.pk},
    ),
    "vetting:election_village": obj("election_village"),
    "vetting:election_village_confirm": obj("election_village"),
    "vetting:election_village_file": obj("election_village"),
    # supervision
    "supervision:record_detail": obj("supervision_record"),
    "supervision:record_edit": obj("supervision_record"),
    "supervision:record_rectify": obj("supervision_record"),
    "supervision:audit_detail": obj("audit"),
    "supervision:audit_edit": obj("audit"),
    "supervision:audit_attach": obj("audit"),
    "supervision:attachment_download": obj("attachment"),
    "supervision:disclosure_detail": obj("disclosure"),
    "supervision:disclosure_verify": obj("disclosure"),
    "supervision:disclosure_photo": obj("disclosure"),
    "supervision:schedule_edit": (None, lambda _w: {"kind": "finance"}),
    "supervision:case_detail": obj("case"),
    "supervision:case_edit": obj("case"),
    "supervision:case_action": obj("case", action="note"),
    "supervision:handover_detail": obj("handover"),
    "supervision:handover_edit": obj("handover"),
    "supervision:handover_line_add": obj("handover"),
    "supervision:handover_line_remove": (
        "township",
        lambda side: {"pk": side.handover.pk, "line_pk": side.handover_line.pk},
    ),
    "supervision:handover_confirm": obj("handover", side="outgoing"),
    "supervision:handover_document": obj("handover_document"),
    # dongchang
    "reports:download": (None, lambda _w: {"month": REPORT_MONTH}),
    # The district reviewer's own notification.
    "notification_read": district("notification"),
}

# District training sessions and rounds are shown to townships too (with their own people only):
# these are also requested with the district object.
DISTRICT_TOO = {
    "training:session": "session",
    "training:roster": "session",
    "training:attendance": "session",
    "training:material": "material",
    "training:round": "round",
}


# 3. Expected results: a few policies, each URL name assigned one ------------------------------
#
# A policy gives, per side requested ("-" no object, "own" 金厂镇's, "other" 环通乡's,
# "district" a district-wide object), the result of each role in ROLES order:
# anonymous, staff (乡镇工作人员 of 金厂镇), reviewer (乡镇审核人 of 金厂镇), district (区级审核人),
# department (联审部门, discipline), sysadmin (系统管理员, staff without superuser).
# Results: an HTTP status, "login" (a redirect to the login page), "302" (any other redirect);
# "P…" is the POST of a POST-only view (its GET answers 405), with empty data.
# Derived from the roles' permissions (data migrations) and each view's checks:
# township roles see their own township (other → 404; 403 where the permission is checked
# before the object is looked up), district roles see all, the department only its opinions.


def policy(**sides: str) -> dict[str, tuple[str, ...]]:
    return {side.replace("_", ""): tuple(codes.split()) for side, codes in sides.items()}


def side_policy(own: str, other: str, **extra: str) -> dict[str, tuple[str, ...]]:
    return policy(own=own, other=other, **extra)


def one(codes: str) -> dict[str, tuple[str, ...]]:
    return {"-": tuple(codes.split())}


POLICIES = {
    # Pages without an object.
    "PUBLIC_LOGIN": one("200 302 302 302 302 302"),  # the logged-in are sent on
    "PUBLIC_REDIRECT": one("302 302 302 302 302 302"),  # set_language
    "LOGOUT": one("Plogin 405 405 405 405 405"),  # POST only (not tried logged in)
    "LOGGED_IN": one("login 200 200 200 200 200"),  # lists scope their rows
    "READ_NOT_DEPARTMENT": one("login 200 200 200 403 200"),  # training, supervision
    "RECORDS_READ": one("login 200 200 200 403 403"),  # management records, hits
    "REGISTER_WRITE": one("login 200 200 403 403 200"),  # add/change person and relative
    # 新建 (凡进必审): 存量登记 for district roles, township roles are sent to 提名.
    "REGISTER_START": one("login 302 302 200 403 200"),
    "TOWNSHIP_WRITE": one("login 200 200 403 403 403"),  # supervision records
    "ORGANIZE": one("login 200 403 200 403 200"),  # training sessions and rounds
    "STAFF_WRITE": one("login 200 403 403 403 403"),  # records the township staff keeps
    "REVIEWER_WRITE": one("login 403 200 403 403 403"),  # annual evaluations
    "DISTRICT_ONLY": one("login 403 403 200 403 200"),
    # Village mergers, splits and renames: the system administrator's alone.
    "ADMIN_ONLY": one("login 403 403 403 403 200"),
    # The cadre forms of the township or village in the query (tests/cadres/test_cadre_forms
    # checks its sides); none given names no township: 404.
    "PLACE_IN_QUERY": one("login 404 404 404 404 404"),
    "DISTRICT_POST": one("login 403 403 P302 403 P302"),  # monthly report build
    "DISTRICT_ACTION": one("login P403 P403 P302 P403 P302"),  # start a screening run
    "REVIEW_ONLY": one("login P403 P403 P302 P403 P403"),  # bulk dismissal of hits
    "LOGGED_IN_POST": one("login P302 P302 P302 P302 P302"),  # mark all notifications read
    # A user's notification: marked read by its owner only (the district reviewer's here).
    "OWNER_ONLY_POST": policy(district="login P404 P404 P302 P404 P404"),
    # District-wide objects.
    "DISTRICT_OBJECT": policy(district="login 403 403 200 403 200"),
    "ADMIN_OBJECT": policy(district="login 403 403 403 403 200"),
    # Only the uploader (the district reviewer here) sees an uploaded watchlist: 404 to others.
    "UPLOADER_ONLY": policy(district="login 403 403 200 403 404"),
    "UPLOADER_ONLY_POST": policy(district="login P403 P403 P302 P403 P404"),
    # Candidate cases: everyone in the workflow, not the system administrator; the department
    # sees the cases it was asked about, of every township.
    "CANDIDATE_LISTS": one("login 200 200 200 200 403"),
    "REVIEWERS_ONLY": one("login 403 200 200 403 403"),
    # 资格复核: the reviewers of the township and of the district, and the administrator.
    "ELIGIBILITY_REVIEW": one("login 403 200 200 403 200"),
    "DEPARTMENT_POST": one("login P403 P403 P403 P302 P403"),
    # Overdue opinions: the district's, and a department's own.
    "OPINION_FOLLOWERS": one("login 403 403 200 200 403"),
    "CANDIDATE_CASE": side_policy(
        own="login 200 200 200 200 403", other="login 404 404 200 200 403"
    ),
    "CANDIDATE_CASE_LOCKED": side_policy(
        own="login 403 403 403 403 403", other="login 404 404 403 403 403"
    ),
    "CANDIDATE_CASE_LOCKED_POST": side_policy(
        own="login P403 P403 P403 P403 P403", other="login P404 P404 P403 P403 P403"
    ),
    # The opinion's form with empty data: 400 with the errors, for the asked department only.
    "CANDIDATE_OPINION": side_policy(
        own="login P403 P403 P403 P400 P403", other="login P404 P404 P403 P400 P403"
    ),
    # A nomination workbook is previewed and confirmed by its uploader only (金厂镇's staff here);
    # confirming needs vetting.nominate_candidate, checked first.
    "UPLOADER_ONLY_TOWNSHIP": side_policy(
        own="login 200 404 404 404 404", other="login 404 404 404 404 404"
    ),
    "UPLOADER_ONLY_TOWNSHIP_POST": side_policy(
        own="login P302 P404 P403 P403 P403", other="login P404 P404 P403 P403 P403"
    ),
    # Township objects.
    "TOWNSHIP_READ": side_policy(
        own="login 200 200 200 404 200", other="login 404 404 200 404 200"
    ),
    # A job's retry needs its kind's permission (a monthly report's here); the job is done, so
    # the retry is refused with a message and a redirect.
    "JOB_RETRY": side_policy(
        own="login P403 P403 P302 P404 P302", other="login P404 P404 P302 P404 P302"
    ),
    "RECORD_READ": side_policy(own="login 200 200 200 403 403", other="login 404 404 200 403 403"),
    "STAFF_RECORD_WRITE": side_policy(
        own="login 200 403 403 403 403", other="login 404 403 403 403 403"
    ),
    "REGISTER_OBJECT_WRITE": side_policy(
        own="login 200 200 403 403 200", other="login 404 404 403 403 200"
    ),
    # The world's post is a village party secretary's: township roles are sent to the change
    # request (the district approves a secretary's departure first); district roles end it.
    "SECRETARY_POST_END": side_policy(
        own="login 302 302 403 403 200", other="login 404 404 403 403 200"
    ),
    # Secretary change requests: the township (staff and reviewers) asks, the district
    # reviewer and the system administrator decide; the department has no access. The world's
    # secretary has a request in progress, so the request form sends the township to it.
    "TOWNSHIP_ASK": side_policy(own="login 302 302 403 403 403", other="login 404 404 403 403 403"),
    "DISTRICT_DECIDES_READ": side_policy(
        own="login 200 200 200 403 200", other="login 404 404 200 403 200"
    ),
    # 任职 (凡进必审): 存量登记 for district roles, township roles are sent to 提名.
    "REGISTER_START_OBJECT": side_policy(
        own="login 302 302 200 403 200", other="login 404 404 200 403 200"
    ),
    # The 需提名 rows of a roster import become cases: nominating roles of the file's township
    # (the world's file is not imported: refused with a message, 302).
    "NOMINATE_FROM_IMPORT_POST": side_policy(
        own="login P302 P302 P403 P403 P403", other="login P404 P404 P403 P403 P403"
    ),
    "REGISTER_IMPORT_POST": side_policy(
        own="login P302 P302 P403 P403 P302", other="login P404 P404 P403 P403 P302"
    ),
    # Strict control is managed by the district and the administrator, in every township;
    # cadres.manage_strict_control is checked before the person is looked up.
    "STRICT_CONTROL_MANAGE": side_policy(
        own="login 403 403 200 403 200", other="login 403 403 200 403 200"
    ),
    # Revealing an ID number needs cadres.reveal_id_number (not township staff), checked first.
    # A department holds it for its cases' candidates; it has no township in the register.
    "REVEAL": side_policy(
        own="Plogin P403 P200 P200 P404 P200", other="Plogin P403 P404 P200 P404 P200"
    ),
    # On a case: those who see the case and may reveal (the asked department too); the
    # system administrator sees no candidate case.
    "CASE_REVEAL": side_policy(
        own="Plogin P403 P200 P200 P200 P403", other="Plogin P403 P404 P200 P200 P403"
    ),
    "SUPERVISION_WRITE": side_policy(
        own="login 200 200 403 404 403", other="login 404 404 403 404 403"
    ),
    "SUPERVISION_VERIFY": side_policy(
        own="login P302 P302 P403 P404 P403", other="login P404 P404 P403 P404 P403"
    ),
    # Actions on a record: the view asks for the permission before it reads the form (a role
    # that may not act gets 403, empty or not); an empty POST by one that may is answered with
    # the form's errors (200) or a redirect with a message (302). Other townships: 404 first.
    "FORM_ACTION": side_policy(
        own="login P200 P200 P403 P404 P403", other="login P404 P404 P403 P404 P403"
    ),
    "RECORD_ACTION": side_policy(
        own="login P302 P403 P403 P404 P403", other="login P404 P404 P403 P404 P403"
    ),
    # Decisions need vetting.review_hit and an action; empty data is refused with 403.
    "HIT_DECIDE": side_policy(
        own="login P403 P403 P403 P403 P403", other="login P403 P403 P403 P403 P403"
    ),
    # The general election: every role reads it (the department without townships, so no
    # village); the district reviewer opens it, files villages and confirms results (which
    # starts posts: cadres.add_post, not the administrator's); the township roles plan and
    # enter results. The world's village has no results: confirming it, or its township's
    # results at once, is refused with a message.
    "ELECTION_OPEN": one("login 403 403 200 403 403"),
    "ELECTION_READ": policy(district="login 200 200 200 200 200"),
    # The before-and-after compares townships: the department, which reaches none, gets 403.
    "ELECTION_REPORT": policy(district="login 200 200 200 403 200"),
    "ELECTION_PLAN": side_policy(
        own="login 200 200 403 403 403", other="login 404 404 403 403 403"
    ),
    "ELECTION_RESULTS_PREVIEW": side_policy(
        own="login 200 404 403 403 403", other="login 404 404 403 403 403"
    ),
    "ELECTION_CONFIRM": side_policy(
        own="login P403 P403 P302 P404 P403", other="login P404 P404 P302 P404 P403"
    ),
    "ELECTION_FILE": side_policy(
        own="login P403 P403 P302 P403 P403", other="login P403 P403 P302 P403 P403"
    ),
    # Training: a township manages its own sessions and sees district ones (its people only).
    "TRAINING_READ": side_policy(
        own="login 200 200 200 403 200",
        other="login 404 404 200 403 200",
        district="login 200 200 200 403 200",
    ),
    "TRAINING_MANAGE": side_policy(
        own="login 200 403 200 403 200", other="login 404 404 200 403 200"
    ),
    "TRAINING_MARK": side_policy(
        own="login 200 403 200 403 200",
        other="login 404 404 200 403 200",
        district="login 403 403 200 403 200",
    ),
    "TRAINING_POST": side_policy(
        own="login P302 P403 P302 403 P302", other="login P404 P404 P302 403 P302"
    ),
    # A sign-in sheet is previewed by its uploader only (金厂镇's staff / 环通乡's staff here).
    # The read-only API answers a client's token only: a session opens none of it (401), and
    # its schema and documentation page are for any signed-in user or a token.
    "API_TOKEN_ONLY": one("401 401 401 401 401 401"),
    "API_TOKEN_OBJECT": side_policy(own="401 401 401 401 401 401", other="401 401 401 401 401 401"),
    "API_DOCS": one("401 200 200 200 200 200"),
    # The places import: the administrator's alone (cadres.import_places, which no role
    # holds: a superuser, or a user given it by name); none of the matrix's roles.
    "ADMINISTRATOR_ONLY": one("login 403 403 403 403 403"),
    "ADMINISTRATOR_OBJECT": policy(district="login 403 403 403 403 403"),
    "ADMINISTRATOR_POST": policy(district="login P403 P403 P403 P403 P403"),
    "TRAINING_SIGNIN_PREVIEW": side_policy(
        own="login 200 403 404 403 404", other="login 404 404 404 403 404"
    ),
}

POLICY = {
    "home": "LOGGED_IN",
    "dashboard": "LOGGED_IN",
    "help": "LOGGED_IN",
    "help_guide": "LOGGED_IN",
    "accounts:login": "PUBLIC_LOGIN",
    "accounts:logout": "LOGOUT",
    "accounts:password_change": "LOGGED_IN",
    "set_language": "PUBLIC_REDIRECT",
    "reports:list": "DISTRICT_ONLY",
    "reports:build": "DISTRICT_POST",
    "reports:download": "DISTRICT_ONLY",
    # The warning rules: the district reviewers and the administrator.
    "warning_rules": "DISTRICT_ONLY",
    "warning_rules_edit": "DISTRICT_ONLY",
    "warning_rules_version": "DISTRICT_OBJECT",
    # 提醒: every user's own bell.
    "notifications": "LOGGED_IN",
    "notification_bell": "LOGGED_IN",
    "notifications_read_all": "LOGGED_IN_POST",
    "notification_read": "OWNER_ONLY_POST",
    "todo_deadlines": "DISTRICT_ONLY",
    "todo_deadlines_edit": "DISTRICT_ONLY",
    "todo_deadlines_version": "DISTRICT_OBJECT",
    # cadres
    "cadres:list": "LOGGED_IN",
    "cadres:import_template": "REGISTER_WRITE",
    "cadres:import_upload": "REGISTER_WRITE",
    "cadres:create": "REGISTER_START",
    "cadres:import_preview": "REGISTER_OBJECT_WRITE",
    "cadres:import_confirm": "REGISTER_IMPORT_POST",
    # The rows in error of an import: whoever sees its preview.
    "cadres:import_errors": "REGISTER_OBJECT_WRITE",
    "cadres:detail": "TOWNSHIP_READ",
    "cadres:person_form": "TOWNSHIP_READ",
    "cadres:forms": "PLACE_IN_QUERY",
    "cadres:edit": "REGISTER_OBJECT_WRITE",
    "cadres:post_appoint": "REGISTER_START_OBJECT",
    "cadres:relative_add": "REGISTER_OBJECT_WRITE",
    "cadres:post_end": "SECRETARY_POST_END",
    "cadres:relative_edit": "REGISTER_OBJECT_WRITE",
    "cadres:photo": "TOWNSHIP_READ",
    **{
        f"cadres:{name}": "REGISTER_OBJECT_WRITE"
        for name in (
            "photo_upload",
            "photo_delete",
            *(
                f"{kind}_{action}"
                for kind in ("education", "resume", "reward")
                for action in ("add", "edit", "delete")
            ),
        )
    },
    "cadres:strict_control_list": "READ_NOT_DEPARTMENT",
    "cadres:id_conflict_list": "DISTRICT_ONLY",
    "cadres:job_list": "LOGGED_IN",
    # The access log: the district reviewers and the system administrator.
    "cadres:access_log": "DISTRICT_ONLY",
    # 队伍结构: as the register, scoped; the targets are the district's.
    "cadres:structure": "LOGGED_IN",
    # 地点/区划: every role that reaches a township (the department reaches none).
    "cadres:places": "READ_NOT_DEPARTMENT",
    "cadres:places_import": "ADMINISTRATOR_ONLY",
    "cadres:places_import_preview": "ADMINISTRATOR_OBJECT",
    "cadres:places_import_apply": "ADMINISTRATOR_POST",
    "cadres:places_import_errors": "ADMINISTRATOR_OBJECT",
    "cadres:structure_targets": "DISTRICT_ONLY",
    "cadres:structure_targets_version": "DISTRICT_OBJECT",
    "cadres:structure_targets_edit": "DISTRICT_ONLY",
    "cadres:place_event_list": "ADMIN_ONLY",
    "cadres:place_event_create": "ADMIN_ONLY",
    "cadres:place_event_detail": "ADMIN_OBJECT",
    "cadres:place_event_document": "ADMIN_OBJECT",
    "cadres:access_log_verify": "DISTRICT_ACTION",
    "cadres:job_detail": "TOWNSHIP_READ",
    "cadres:job_retry": "JOB_RETRY",
    "cadres:job_download": "TOWNSHIP_READ",
    "cadres:strict_control_set": "STRICT_CONTROL_MANAGE",
    "cadres:strict_control_review": "STRICT_CONTROL_MANAGE",
    "cadres:strict_control_lift": "STRICT_CONTROL_MANAGE",
    "cadres:reveal_id": "REVEAL",
    "cadres:reveal_relative_id": "REVEAL",
    # cadres/records
    "cadres:records:change_list": "READ_NOT_DEPARTMENT",
    "cadres:records:change_create": "TOWNSHIP_ASK",
    "cadres:records:change_detail": "DISTRICT_DECIDES_READ",
    "cadres:records:change_document": "DISTRICT_DECIDES_READ",
    **{
        f"cadres:records:{name}": "RECORDS_READ"
        for name in (
            "filing_list",
            "unfiled_list",
            "report_list",
            "missing_report_list",
            "roster_list",
            "leave_list",
            "project_list",
            "project_overview",
            "evaluation_list",
            "candidate_list",
            "recusal_list",
        )
    },
    **{
        f"cadres:records:{name}": "STAFF_WRITE"
        for name in ("filing_create", "roster_create", "project_create", "candidate_create")
    },
    **{
        f"cadres:records:{name}": "RECORD_READ"
        for name in (
            "filing_detail",
            "filing_document",
            "report_detail",
            "roster_detail",
            "roster_print",
            "project_detail",
            "progress_document",
            "evaluation_detail",
            "candidate_detail",
            "person_records",
        )
    },
    "cadres:records:report_create": "STAFF_RECORD_WRITE",
    "cadres:records:leave_create": "STAFF_RECORD_WRITE",
    "cadres:records:shift_action": "RECORD_ACTION",
    "cadres:records:recusal_record": "RECORD_ACTION",
    "cadres:records:evaluation_create": "REVIEWER_WRITE",
    "cadres:records:grading_rule_edit": "DISTRICT_ONLY",
    # training
    **{
        f"training:{name}": "READ_NOT_DEPARTMENT"
        for name in (
            "sessions",
            "rounds",
            "coverage",
            "studies",
        )
    },
    "training:session_create": "ORGANIZE",
    "training:round_create": "ORGANIZE",
    **{f"training:{name}": "TRAINING_READ" for name in ("session", "material", "roster", "round")},
    "training:session_edit": "TRAINING_MANAGE",
    "training:round_edit": "TRAINING_MANAGE",
    "training:signin": "TRAINING_MANAGE",
    "training:signin_template": "TRAINING_MANAGE",
    "training:attendance": "TRAINING_MARK",
    "training:signin_preview": "TRAINING_SIGNIN_PREVIEW",
    "training:signin_errors": "TRAINING_SIGNIN_PREVIEW",
    **{
        f"training:{name}": "TRAINING_POST"
        for name in (
            "session_delete",
            "material_upload",
            "material_delete",
            "roster_invite",
            "roster_add",
            "roster_remove",
            "study_delete",
        )
    },
    # vetting
    "vetting:hit_list": "RECORDS_READ",
    "vetting:removal_list": "RECORDS_READ",
    "vetting:hit_detail": "RECORD_READ",
    "vetting:removal_detail": "RECORD_READ",
    "vetting:hit_decide": "HIT_DECIDE",
    "vetting:hits_dismiss": "REVIEW_ONLY",
    "vetting:run_list": "DISTRICT_ONLY",
    "vetting:run_start": "DISTRICT_ACTION",
    "vetting:run_detail": "DISTRICT_OBJECT",
    "vetting:watchlist_list": "DISTRICT_ONLY",
    "vetting:watchlist_upload": "DISTRICT_ONLY",
    "vetting:watchlist_template": "DISTRICT_ONLY",
    "vetting:watchlist_preview": "UPLOADER_ONLY",
    "vetting:watchlist_confirm": "UPLOADER_ONLY_POST",
    "vetting:watchlist_errors": "UPLOADER_ONLY",
    "vetting:rules": "DISTRICT_ONLY",
    "vetting:negative_list_edit": "DISTRICT_ONLY",
    "vetting:eligibility_edit": "DISTRICT_ONLY",
    "vetting:negative_list_version": "DISTRICT_OBJECT",
    "vetting:eligibility_version": "DISTRICT_OBJECT",
    "vetting:eligibility_review": "ELIGIBILITY_REVIEW",
    # vetting: candidate cases; the world's cases wait for the department's opinion at the
    # district, where nobody may edit them and only the asked department may give it.
    "vetting:case_queue": "CANDIDATE_LISTS",
    "vetting:case_list": "CANDIDATE_LISTS",
    "vetting:case_ledger": "REVIEWERS_ONLY",
    "vetting:case_new": "TOWNSHIP_WRITE",
    "vetting:case_person_search": "TOWNSHIP_WRITE",
    "vetting:batch_upload": "TOWNSHIP_WRITE",
    "vetting:batch_template": "TOWNSHIP_WRITE",
    "vetting:batch_preview": "UPLOADER_ONLY_TOWNSHIP",
    "vetting:batch_confirm": "UPLOADER_ONLY_TOWNSHIP_POST",
    "vetting:batch_errors": "UPLOADER_ONLY_TOWNSHIP",
    "vetting:roster_nominate": "NOMINATE_FROM_IMPORT_POST",
    "vetting:election_list": "LOGGED_IN",
    "vetting:election_open": "ELECTION_OPEN",
    "vetting:election_results_template": "TOWNSHIP_WRITE",
    "vetting:election_detail": "ELECTION_READ",
    "election_report": "ELECTION_REPORT",
    "vetting:election_plan": "ELECTION_PLAN",
    "vetting:election_plan_confirm": "ELECTION_CONFIRM",
    "vetting:election_results_upload": "ELECTION_PLAN",
    "vetting:election_results_preview": "ELECTION_RESULTS_PREVIEW",
    "vetting:election_results_errors": "ELECTION_RESULTS_PREVIEW",
    "vetting:election_village": "TOWNSHIP_READ",
    "vetting:election_village_confirm": "ELECTION_CONFIRM",
    "vetting:election_village_file": "ELECTION_FILE",
    "vetting:opinions_agree": "DEPARTMENT_POST",
    "vetting:opinions_overdue": "OPINION_FOLLOWERS",
    "vetting:case_reveal_id": "CASE_REVEAL",
    "vetting:case_reveal_relative_id": "CASE_REVEAL",
    "vetting:case_detail": "CANDIDATE_CASE",
    "vetting:case_form": "CANDIDATE_CASE",
    # The world's case is of the world's nomination batch: whoever may open it.
    "vetting:batch_forms": "CANDIDATE_CASE",
    "vetting:case_attachment": "CANDIDATE_CASE",
    "vetting:case_edit": "CANDIDATE_CASE_LOCKED",
    "vetting:case_act": "CANDIDATE_OPINION",
    "vetting:case_relative_add": "CANDIDATE_CASE_LOCKED_POST",
    "vetting:case_relative_edit": "CANDIDATE_CASE_LOCKED",
    "vetting:case_relative_remove": "CANDIDATE_CASE_LOCKED_POST",
    "vetting:case_attach": "CANDIDATE_CASE_LOCKED_POST",
    # supervision
    **{
        f"supervision:{name}": "READ_NOT_DEPARTMENT"
        for name in (
            "record_list",
            "record_overdue",
            "audit_list",
            "audit_due_list",
            "disclosure_list",
            "disclosure_overdue",
            "schedule_list",
            "case_list",
            "handover_list",
        )
    },
    **{
        f"supervision:{name}": "TOWNSHIP_WRITE"
        for name in (
            "record_create",
            "audit_create",
            "disclosure_create",
            "case_create",
            "handover_create",
        )
    },
    **{
        f"supervision:{name}": "TOWNSHIP_READ"
        for name in (
            "record_detail",
            "audit_detail",
            "attachment_download",
            "disclosure_detail",
            "disclosure_photo",
            "case_detail",
            "handover_detail",
            "handover_document",
        )
    },
    "supervision:record_edit": "SUPERVISION_WRITE",
    # Handovers: township roles of the township change them; the district reads them.
    "supervision:handover_edit": "SUPERVISION_WRITE",
    "supervision:handover_line_add": "FORM_ACTION",
    "supervision:handover_line_remove": "SUPERVISION_VERIFY",
    "supervision:handover_confirm": "SUPERVISION_VERIFY",
    "supervision:audit_edit": "SUPERVISION_WRITE",
    "supervision:case_edit": "SUPERVISION_WRITE",
    "supervision:record_rectify": "FORM_ACTION",
    "supervision:audit_attach": "FORM_ACTION",
    "supervision:case_action": "FORM_ACTION",
    "supervision:disclosure_verify": "SUPERVISION_VERIFY",
    "supervision:schedule_edit": "DISTRICT_ONLY",
    "api:schema": "API_DOCS",
    "api:docs": "API_DOCS",
    "api:cadre": "API_TOKEN_OBJECT",
    **{
        f"api:{name}": "API_TOKEN_ONLY"
        for name in (
            "cadres",
            "cadre_lookup",
            "changes",
            "hits",
            "cases",
            "structure",
            "warning_lights",
        )
    },
}

# Whatever the policy says, these never happen (anonymous users may only see the login page).
PUBLIC = {"accounts:login"}
NEVER_FOR_ANONYMOUS = {"200", "P200", "403", "404", "P403", "P404"}
NEVER_ON_OTHER_TOWNSHIP = {"200", "302", "P200", "P302"}


# 4. Requests ---------------------------------------------------------------------------------


def targets(world: World, name: str, args: Args):
    """(side label, kwargs) pairs to request for one URL name."""
    kind, build = args
    if kind == "township":
        yield "own", build(world.own)
        yield "other", build(world.other)
    elif kind == "district":
        yield "district", build(world.district)
    else:
        yield "-", build(world)
    if name in DISTRICT_TOO:
        yield "district", {"pk": world.district[DISTRICT_TOO[name]].pk}


def code(response) -> str:
    """A response as a short code: 200, 403, 404, 405, login (redirect to a login page), 302."""
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith((LOGIN, ADMIN_LOGIN)):
            return "login"
        return "302"
    return str(response.status_code)


def body(response) -> str:
    """The text of a response, with the sheets' XML for an xlsx download."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "".join(
                book.read(member).decode("utf-8", "replace")
                for member in book.namelist()
                if member.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


def township_models():
    return [
        model
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label)
        if hasattr(model, "township_lookup") and model._meta.label != "cadres.Township"
    ]


def fingerprint(world: World) -> str:
    """A hash of every township-owned row of the other side (ids and modification times)."""
    digest = hashlib.sha256()
    township = world.other.township
    for model in township_models():
        lookups = model.township_lookup
        allowed = Q()
        for lookup in (lookups,) if isinstance(lookups, str) else lookups:
            allowed |= Q(**{lookup: township})
        fields = ["pk"] + (["updated_at"] if hasattr(model, "updated_at") else [])
        rows = model._base_manager.filter(
            pk__in=model._base_manager.filter(allowed).values("pk")
        ).values_list(*fields)
        digest.update(f"{model._meta.label}{sorted(rows)}".encode())
    return digest.hexdigest()


def request(client: Client, url: str, method: str, world=None, before=None):
    """GET or POST (empty data) inside a savepoint that is rolled back, so nothing persists.

    With ``before`` (the other township's fingerprint), also says whether the request changed
    any of its rows.
    """
    changed = False
    with transaction.atomic():
        try:
            response = client.get(url) if method == "GET" else client.post(url, {})
        except Exception as error:  # a crash is a result of the matrix
            transaction.set_rollback(True)
            return "500", f"{type(error).__name__}: {error}", False
        changed = before is not None and fingerprint(world) != before
        transaction.set_rollback(True)
    return code(response), response, changed


def client_for(world: World, role: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def project_patterns():
    """(name, route) of every pattern outside the admin."""
    for name, route, _pattern in url_patterns():
        if not is_admin(name, route):
            yield name, route


def covered_patterns():
    """The patterns the matrix knows (the others fail test_every_pattern_has_a_policy...)."""
    for name, route in project_patterns():
        if name in POLICY and (name in ARGS or "<" not in route):
            yield name, route


def observe(world: World, role: str) -> tuple[dict, list[str]]:
    """Request every URL as ``role``; the codes by (name, side) and the problems found."""
    client = client_for(world, role)
    results, problems = {}, []
    township = role in TOWNSHIP_ROLES
    before = fingerprint(world)
    for name, _route in covered_patterns():
        for side, kwargs in targets(world, name, ARGS.get(name, NONE)):
            url = reverse(name, kwargs=kwargs)
            result, response, _ = request(client, url, "GET")
            responses = [response]
            # Logging out would end the session for the rest of the loop.
            logout = name == "accounts:logout" and role != "anonymous"
            if not logout and (
                result == "405" or (township and side in ("other", "-", "district"))
            ):
                posted, post_response, changed = request(
                    client, url, "POST", world, before if township else None
                )
                responses.append(post_response)
                if changed:
                    problems.append(f"{name} [{side}] POST as {role} changed 环通乡 data")
                if result == "405":
                    result = f"P{posted}"
                elif township and side == "other" and posted not in ("401", "403", "404", "405"):
                    problems.append(f"{name} [{side}] POST as {role}: {posted}")
            for response in responses:
                if isinstance(response, str):
                    problems.append(f"{name} [{side}] as {role}: {response}")
                    continue
                # Issue 20 finding 8: personal data is never cacheable.
                if role != "anonymous" and "no-store" not in response.get("Cache-Control", ""):
                    problems.append(f"{name} [{side}] as {role}: no Cache-Control: no-store")
                if township and response.status_code != 302:
                    text = body(response)
                    found = [marker for marker in world.markers if marker in text]
                    if found:
                        problems.append(f"{name} [{side}] as {role} shows 环通乡 data {found}")
            results[(name, side)] = result
    return results, problems


# 5. The tests ----------------------------------------------------------------------------------


def test_every_pattern_has_a_policy_and_its_kwargs():
    """A new page fails here until the matrix says who may see it."""
    missing = []
    for name, route in project_patterns():
        if name is None:
            missing.append(f"unnamed pattern {route!r}")
            continue
        if name not in POLICY:
            missing.append(f"{name} ({route}): no policy")
            continue
        kind, _build = ARGS.get(name, NONE)
        if "<" in route and name not in ARGS:
            missing.append(f"{name} ({route}): no kwargs in ARGS")
        sides = {"township": {"own", "other"}, "district": {"district"}, None: {"-"}}[kind]
        if name in DISTRICT_TOO:
            sides = sides | {"district"}
        if set(POLICIES[POLICY[name]]) != sides:
            missing.append(f"{name}: policy {POLICY[name]} does not cover {sorted(sides)}")
    stale = set(POLICY) - {name for name, _route in project_patterns()}
    assert not missing, "\n".join(missing)
    assert not stale, f"policies of patterns that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
def test_matrix(world, db, role):
    """Every URL as ``role``: the policy's result, no 环通乡 data, no crash, nothing changed."""
    results, problems = observe(world, role)
    column = ROLES.index(role)
    for (name, side), result in results.items():
        expected = POLICIES[POLICY[name]][side][column] if name in POLICY else "?"
        where = f"{name} [{side}] as {role}: got {result}"
        if result != expected:
            problems.append(f"{where}, expected {expected} ({POLICY.get(name)})")
        if role == "anonymous" and result in NEVER_FOR_ANONYMOUS and name not in PUBLIC:
            problems.append(f"{where}: anonymous users are sent to the login page")
        if role in TOWNSHIP_ROLES and side == "other" and result in NEVER_ON_OTHER_TOWNSHIP:
            problems.append(f"{where}: another township's object")
    if os.environ.get("MATRIX_DUMP"):
        with open(f"{os.environ['MATRIX_DUMP']}-{role}.json", "w") as out:
            json.dump({f"{n}|{s}": r for (n, s), r in results.items()}, out, ensure_ascii=False)
    assert not problems, "\n".join(problems)


def test_the_markers_are_on_the_district_pages(world, db):
    """The leak check can fail: the pages that 环通乡's data is kept from do render it."""
    client = client_for(world, "district")
    for url in (
        reverse("cadres:list"),
        reverse("training:roster", args=[world.district["session"].pk]),
        reverse("supervision:record_list"),
        reverse("vetting:hit_detail", args=[world.other.hit.pk]),
    ):
        assert MARKER in body(client.get(url)), url
    staff = client_for(world, "staff")
    assert MARKER not in body(staff.get(reverse("cadres:list")))
    assert world.own.person.name in body(staff.get(reverse("cadres:list")))


@pytest.mark.parametrize("role", ["staff", "district"])
def test_every_post_needs_the_csrf_token(world, db, role):
    client = client_for(world, role, enforce_csrf_checks=True)
    accepted = []
    for name, _route in covered_patterns():
        for side, kwargs in targets(world, name, ARGS.get(name, NONE)):
            if side == "other":
                continue
            url = reverse(name, kwargs=kwargs)
            result, response, _ = request(client, url, "POST")
            if result != "403" or "CSRF" not in body(response):
                accepted.append(f"{name} [{side}]: {result}")
    assert not accepted, "POST without a CSRF token not refused:\n" + "\n".join(accepted)


def admin_pages():
    """The admin's pages that take no arguments (index, each model's list and add page)."""
    for name, route, pattern in url_patterns():
        if is_admin(name, route) and name and not pattern.pattern.regex.groups:
            yield name


@pytest.mark.parametrize("role", ROLES)
def test_admin(world, db, role):
    """Only staff reach the admin; the system administrator's pages answer 200 or 403."""
    client = client_for(world, role)
    wrong = []
    for name in admin_pages():
        if name in ("admin:login", "admin:logout"):
            continue
        result, _response, _ = request(client, reverse(name), "GET")
        if role == "sysadmin":
            if result not in ("200", "403", "302"):
                wrong.append(f"{name}: {result}")
        elif result != "login":
            wrong.append(f"{name}: {result}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ["district", "sysadmin"])
def test_a_valid_post_by_a_role_that_may_not_act_is_refused(world, db, role):
    """A valid POST to the record actions (FORM_ACTION, RECORD_ACTION) by a role without the
    permission is refused as an empty one is: 403, nothing carried out."""
    today = dt.date.today().isoformat()
    own = world.own
    posts = {
        ("supervision:record_rectify", own.supervision_record.pk): {"rectified_on": today},
        ("supervision:case_action", own.case.pk): {"note-note": "记一笔"},
        ("supervision:audit_attach", own.audit.pk): {"file": pdf()},
        ("cadres:records:shift_action", own.shift.pk): {"action": "remove"},
        ("cadres:records:recusal_record", own.recusal.pk): {
            "statement": "本人回避",
            "recorded_on": today,
        },
    }
    client = client_for(world, role)
    wrong = []
    for (name, pk), data in posts.items():
        kwargs = {"pk": pk, "action": "note"} if name == "supervision:case_action" else {"pk": pk}
        with transaction.atomic():
            response = client.post(reverse(name, kwargs=kwargs), data)
            transaction.set_rollback(True)
        if response.status_code != 403:
            wrong.append(f"{name}: {response.status_code}")
    shift_outcome = client.post(
        reverse("cadres:records:shift_action", args=[own.shift.pk]), {"outcome": "done"}
    )
    if shift_outcome.status_code != 403:
        wrong.append(f"cadres:records:shift_action (outcome): {shift_outcome.status_code}")
    assert not wrong, "\n".join(wrong)


def test_whoever_did_the_step_before_is_refused_the_decision(world, db):
    """Separation of duties through the pages (issue 20, finding 2): the world's builder, a
    superuser who passes every permission, claimed the project and recorded its progress,
    recorded the supervision finding and opened the misconduct case; a valid POST of the next
    step by the builder is refused with 403 and nothing is carried out."""
    today = dt.date.today().isoformat()
    own = world.own
    posts = {
        reverse("cadres:records:project_detail", args=[own.project.pk]): {
            "action": "complete",
            "completed_on": today,
        },
        reverse("supervision:record_rectify", args=[own.supervision_record.pk]): {
            "rectified_on": today
        },
        reverse("supervision:case_action", args=[own.case.pk, "dispose"]): {
            "dispose-disposition": "reminder",
            "dispose-disposed_on": today,
        },
        reverse("supervision:case_action", args=[own.case.pk, "close"]): {"close-note": "结案"},
    }
    client = Client()
    client.force_login(get_user_model().objects.get(username="matrix-builder"))
    before = fingerprint_own(world)
    wrong = []
    for url, data in posts.items():
        with transaction.atomic():
            response = client.post(url, data)
            changed = fingerprint_own(world) != before
            transaction.set_rollback(True)
        if response.status_code != 403 or changed:
            wrong.append(f"{url}: {response.status_code}{' (changed)' if changed else ''}")
    assert not wrong, "\n".join(wrong)


def fingerprint_own(world: World) -> tuple:
    own = world.own
    return (
        type(own.project).objects.filter(pk=own.project.pk).values_list("status").get(),
        type(own.supervision_record)
        .objects.filter(pk=own.supervision_record.pk)
        .values_list("rectified_on")
        .get(),
        type(own.case).objects.filter(pk=own.case.pk).values_list("disposition", "status").get(),
    )


# 6. The read-only API's clients (issue 24) --------------------------------------------------------
#
# A client system is no role: it holds a token, townships and scopes. Each of its resources is
# requested by a client of 金厂镇 ("own"), of every township ("all"), and of 金厂镇 without a
# single scope ("none"), against 金厂镇's objects and 环通乡's.

API_CLIENTS = ("own", "all", "none")
API_MATRIX = {
    # (name, side): results of the own, all and none clients
    ("api:cadres", "-"): "200 200 403",
    ("api:cadre", "own"): "200 200 403",
    ("api:cadre", "other"): "404 200 403",
    ("api:cadre_lookup", "own"): "200 200 403",
    ("api:cadre_lookup", "other"): "404 200 403",
    ("api:changes", "-"): "200 200 403",
    ("api:hits", "-"): "200 200 403",
    ("api:cases", "-"): "200 200 403",
    ("api:structure", "-"): "200 200 403",
    ("api:structure", "other"): "404 200 403",
    ("api:warning_lights", "-"): "200 200 403",
    ("api:schema", "-"): "200 200 200",
}


def api_request(world: World, name: str, side: str) -> tuple[str, dict]:
    """The URL and query of one API request of the matrix."""
    person = world.own.person if side == "own" else world.other.person
    if name == "api:cadre":
        return reverse(name, kwargs={"pk": person.pk}), {}
    if name == "api:cadre_lookup":
        return reverse(name), {"id_number": person.id_number}
    if name == "api:structure" and side == "other":
        return reverse(name), {"township": world.other.code}
    return reverse(name), {}


def test_api_clients(world, db):
    from dongchang.api.models import Scope
    from dongchang.api.services import api_client_create, api_token_issue

    admin = get_user_model().objects.get(username="matrix-builder")
    tokens = {}
    for label in API_CLIENTS:
        client = api_client_create(
            actor=admin,
            name=f"matrix-{label}",
            owner=admin,
            townships=[] if label == "all" else [world.own.township],
            all_townships=label == "all",
            scopes=[] if label == "none" else Scope.values,
        )
        tokens[label] = api_token_issue(actor=admin, client=client)[1]
    covered = {name for name, _side in API_MATRIX}
    api_names = {name for name, _route in project_patterns() if name and name.startswith("api:")}
    assert api_names - {"api:docs"} == covered, "a new API resource needs its rows here"
    problems = []
    http = Client()
    for (name, side), expected in API_MATRIX.items():
        url, query = api_request(world, name, side)
        for label, wanted in zip(API_CLIENTS, expected.split(), strict=True):
            response = http.get(url, query, headers={"Authorization": f"Bearer {tokens[label]}"})
            where = f"{name} [{side}] as the {label} client"
            if str(response.status_code) != wanted:
                problems.append(f"{where}: got {response.status_code}, expected {wanted}")
            if "no-store" not in response.get("Cache-Control", ""):
                problems.append(f"{where}: no Cache-Control: no-store")
            if label == "own":
                found = [marker for marker in world.markers if marker in body(response)]
                if found:
                    problems.append(f"{where} shows 环通乡 data {found}")
    assert not problems, "\n".join(problems)
