"""No input is a server error (issue 20, finding 6).

Every page of the resolver that a role can open (the lists and forms without arguments, and
the object pages with 金厂镇's objects of the permission matrix's world) is requested with
every parameter it reads set to garbage: the fields of its forms (its filterset's and any
other), and the parameters views read by hand. Every answer is below 500, and no page shows
a township role 环通乡's data, whichever of 环通乡's ids it was given.

The cross-product is reduced to stay fast. As the first role that may open a page, every
parameter gets every value in as many requests as there are values (parameter i gets value
i + n in the n-th), the list's export too; every role (and a township role without a
township) then asks every list with 环通乡's ids in every parameter; every form found on the
pages is posted with garbage in every field, and its errors are in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import resolve, reverse

from tests.factories import UserFactory
from tests.trust.matrix_world import ROLES, TOWNSHIP_ROLES, World
from tests.trust.test_permission_matrix import ARGS, body, client_for, project_patterns

pytestmark = pytest.mark.usefixtures("world_uploads")

HUGE = "99999999999999999999"
OTHER = object()  # stands for 环通乡's object of the parameter's name
GARBAGE = [
    "-1",
    "0",
    HUGE,
    "abc",
    "１２",  # full-width digits: int() reads them, isdigit() holds
    "²",  # isdigit() holds, int() refuses it
    "' OR 1=1",
    "<script>",
    "\u200b",
    "2026-13-45",
    "",
    OTHER,
]
# Read by views by hand, whether or not a form shows them.
COMMON = (
    "page",
    "sort",
    "format",
    "q",
    "year",
    "month",
    "village",
    "township",
    "person",
    "post",
    "session",
    "kind",
    "status",
)
# Never requested: they end the session or change only the language.
SKIP = {"accounts:logout", "accounts:login", "set_language"}
# Fields that are not parameters (the test client does not check the CSRF token).
NOT_PARAMETERS = {"csrfmiddlewaretoken"}
# The first of these roles that may open a page crawls it with every value.
CRAWLERS = ("staff", "district", "sysadmin", "reviewer", "department")
# An object page's two shifts of the rotation (see rotation()): its parameters are fewer, and
# mostly its forms' own.
OBJECT_SHIFTS = (GARBAGE.index(HUGE), GARBAGE.index(HUGE) + 6)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Forms(HTMLParser):
    """The forms of a page: method, action and the names of their fields and buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append(
                {"method": method, "action": attrs.get("action") or "", "fields": set()}
            )
        elif (
            tag in ("input", "select", "textarea", "button")
            and self.forms
            and attrs.get("name")
            and attrs.get("type") != "file"
            and attrs["name"] not in NOT_PARAMETERS
        ):
            self.forms[-1]["fields"].add(attrs["name"])


def page_forms(response) -> list[dict]:
    parser = Forms()
    parser.feed(response.content.decode("utf-8", "replace"))
    return parser.forms


def other_id(world: World, name: str) -> str:
    """环通乡's object named like the parameter (its village when none is)."""
    found = world.other.objects.get(name.removesuffix("_id"), world.other.village)
    return str(found.pk)


def rotation(world: World, names, shift: int) -> dict:
    """Parameter i gets GARBAGE[i + shift]: over len(GARBAGE) shifts, every parameter gets
    every value, in as many requests as there are values."""
    data = {}
    for index, name in enumerate(sorted(names)):
        value = GARBAGE[(index + shift) % len(GARBAGE)]
        data[name] = other_id(world, name) if value is OTHER else value
    return data


def others(world: World, names) -> dict:
    return {name: other_id(world, name) for name in names}


def repeated(world: World, names) -> QueryDict:
    """Every parameter twice: 环通乡's id, then text."""
    data = QueryDict(mutable=True)
    for name in names:
        data.setlist(name, [other_id(world, name), "abc"])
    return data


def send(client: Client, method: str, url: str, data) -> tuple[int, object]:
    """The status of a request (500 for an exception), inside a savepoint rolled back."""
    with transaction.atomic():
        try:
            response = client.get(url, data) if method == "get" else client.post(url, data)
        except Exception as error:  # what the crawl looks for
            transaction.set_rollback(True)
            return 500, f"{type(error).__name__}: {error}"
        transaction.set_rollback(True)
    return response.status_code, response


def server_error(where: str, status: int, response) -> list[str]:
    if status < 500:
        return []
    detail = response if isinstance(response, str) else response.content[:200]
    return [f"{where}: {status} {detail}"]


def pages(world: World):
    """(name, url, without arguments) of every page to crawl: without arguments, or with
    金厂镇's object."""
    for name, route in project_patterns():
        if name in SKIP:
            continue
        if "<" not in route:
            yield name, reverse(name), True
        elif name in ARGS and ARGS[name][0] == "township":
            yield name, reverse(name, kwargs=ARGS[name][1](world.own)), False


@dataclass
class Page:
    name: str
    url: str
    role: str  # the first of CRAWLERS that opens it
    parameters: set[str]  # its forms' fields (which prefill a form too) and COMMON
    forms: list[dict]
    exports: bool
    listing: bool  # no URL arguments: a list or a form of its own


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    """A client for each role, and for township staff without a township ("nowhere")."""
    with django_db_blocker.unblock():
        nowhere = UserFactory(role="乡镇工作人员")
    clients = {role: client_for(world, role) for role in ROLES if role != "anonymous"}
    clients["nowhere"] = Client()
    clients["nowhere"].force_login(nowhere)
    return clients


@pytest.fixture(scope="module")
def crawled(world, clients, django_db_blocker) -> list[Page]:
    """Every page that a role opens (200, HTML), with what it reads."""
    found = []
    with django_db_blocker.unblock():
        for name, url, listing in pages(world):
            for role in CRAWLERS:
                status, response = send(clients[role], "get", url, {})
                if status == 200 and response["Content-Type"].startswith("text/html"):
                    forms = page_forms(response)
                    fields = {field for form in forms for field in form["fields"]}
                    found.append(
                        Page(
                            name,
                            url,
                            role,
                            fields | set(COMMON),
                            forms,
                            exports="format=xlsx" in response.content.decode(),
                            listing=listing,
                        )
                    )
                    break
    return found


def test_the_crawl_finds_the_lists_their_filters_and_forms(db, crawled):
    """The crawl can fail: it reaches the lists, reads their filters and finds their forms."""
    by_name = {page.name: page for page in crawled}
    assert {"cadres:list", "supervision:audit_create", "training:roster"} <= set(by_name)
    assert {"township", "village", "status", "q"} <= by_name[
        "cadres:records:filing_list"
    ].parameters
    assert by_name["cadres:list"].exports
    assert any(form["method"] == "post" for form in by_name["supervision:audit_create"].forms)
    assert len(crawled) > 80


def test_every_parameter_of_every_page_with_every_value(world, db, clients, crawled):
    problems = []
    for page in crawled:
        client = clients[page.role]
        # An object page reads fewer parameters by hand (its forms' own): two values each.
        shifts = range(len(GARBAGE)) if page.listing else OBJECT_SHIFTS
        requests = [(f"shift {shift}", rotation(world, page.parameters, shift)) for shift in shifts]
        if page.exports:
            # The export filters as the page does: one file shows that it is written.
            requests.append(("xlsx", rotation(world, page.parameters, 1) | {"format": "xlsx"}))
        requests.append(("repeated", repeated(world, page.parameters)))
        for label, data in requests:
            status, response = send(client, "get", page.url, data)
            where = f"{page.name} as {page.role} ({label}) {dict(data)}"
            problems += server_error(where, status, response)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [*ROLES[1:], "nowhere"])
def test_every_role_lists_with_another_townships_ids(world, db, clients, crawled, role):
    """Every list, 环通乡's id in every parameter (the export too): no server error, and no
    township role sees 环通乡's data."""
    problems = []
    township = role in (*TOWNSHIP_ROLES, "nowhere")
    for page in crawled:
        if not page.listing:
            continue
        requests = [others(world, page.parameters)]
        if page.exports and township:
            requests.append(others(world, page.parameters) | {"format": "xlsx"})
        for data in requests:
            status, response = send(clients[role], "get", page.url, data)
            where = f"{page.name} as {role} {data}"
            problems += server_error(where, status, response)
            if township and status == 200:
                text = body(response)
                if found := [marker for marker in world.markers if marker in text]:
                    problems.append(f"{where} shows 环通乡 data {found}")
    assert not problems, "\n".join(problems)


def form_posts(crawled: list[Page]):
    """(role, page name, action URL, fields) of every form that posts, once per action."""
    seen = set()
    for page in crawled:
        for form in page.forms:
            action = urljoin(page.url, form["action"]) if form["action"] else page.url
            if form["method"] != "post" or action in seen or resolve(action).view_name in SKIP:
                continue
            seen.add(action)
            yield page.role, page.name, action, form["fields"], page.listing


def errors_in(response) -> list[str]:
    """The texts of a form page's field errors."""
    return re.findall(
        r'<div class="errors" role="alert">(.*?)</div>', response.content.decode(), re.S
    )


def test_every_form_posted_with_garbage(world, db, clients, crawled):
    """Every form with garbage in every field, 环通乡's ids too: no server error, and a form
    that comes back says what is wrong in Chinese."""
    problems, posted = [], 0
    for role, name, action, fields, listing in form_posts(crawled):
        # Every other value: a form's fields are read by its form only, not by hand.
        shifts = range(0, len(GARBAGE), 2) if listing else OBJECT_SHIFTS
        requests = [rotation(world, fields, shift) for shift in shifts]
        requests.append(others(world, fields))
        for data in requests:
            posted += 1
            status, response = send(clients[role], "post", action, data)
            where = f"{action} (form of {name}) as {role} {data}"
            problems += server_error(where, status, response)
            if status == 200:
                problems += [
                    f"{where}: error not in Chinese: {error}"
                    for error in errors_in(response)
                    if not CHINESE.search(error)
                ]
    assert posted > 50
    assert not problems, "\n".join(problems)
