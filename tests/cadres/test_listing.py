"""The one list (cadres.listing): every list page and its export come from one declaration.

For each list: the page's headers are its columns shown on the page, the export's header row
is its columns with an export value, the columns both show come in the same order, and the
export writes one access-log entry, once the file is complete.
"""

import datetime as dt
import io
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from cadres.listing import Col, ListSpec, Sheet, export_response
from cadres.models import AccessLogEntry
from supervision.models import Audit
from tests.factories import cadre
from tests.training.factories import AttendanceFactory, RoundFactory, SessionFactory
from training.models import DailyStudy
from training.views import COVERAGE_COLUMNS, ROSTER_SPEC
from vetting.candidate_views import CASE_SPEC

pytestmark = pytest.mark.django_db

LISTS = [
    "cadres:list",
    "cadres:job_list",
    "cadres:strict_control_list",
    "cadres:records:filing_list",
    "cadres:records:unfiled_list",
    "cadres:records:change_list",
    "cadres:records:report_list",
    "cadres:records:missing_report_list",
    "cadres:records:roster_list",
    "cadres:records:leave_list",
    "cadres:records:project_list",
    "cadres:records:evaluation_list",
    "cadres:records:candidate_list",
    "cadres:records:recusal_list",
    "supervision:record_list",
    "supervision:record_overdue",
    "supervision:audit_list",
    "supervision:audit_due_list",
    "supervision:disclosure_list",
    "supervision:disclosure_overdue",
    "supervision:case_list",
    "vetting:hit_list",
    "vetting:case_list",
    "vetting:opinions_overdue",
    "vetting:eligibility_review",
    "vetting:run_list",
    "vetting:removal_list",
    "training:sessions",
    "training:rounds",
    "training:studies",
]


def _labels(columns, attribute: str) -> list[str]:
    return [str(c.label) for c in columns if getattr(c, attribute)]


def _header_cells(html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", html, re.DOTALL).group(1)
    cells = [
        re.sub(r"<[^>]+>|[▲▼✓]", "", cell).strip()
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.DOTALL)
    ]
    return [cell for cell in cells if cell]


def _export_header(response, title: str | None = None) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[title] if title else workbook.worksheets[0]
    return [cell.value for cell in next(sheet.iter_rows(max_row=1))]


def _exports() -> int:
    return AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).count()


def _assert_one_declaration(page_headers, export_header, page_columns, export_columns):
    assert page_headers == _labels(page_columns, "page")
    assert export_header == _labels(export_columns, "value")
    both = [str(c.label) for c in page_columns if c.page and c.value is not None]
    assert [label for label in export_header if label in both] == both


@pytest.mark.parametrize("page", LISTS)
def test_the_export_has_the_columns_of_its_page_and_is_logged_once(client, district_reviewer, page):
    # The training pages show their tables only with a row.
    SessionFactory()
    RoundFactory()
    DailyStudy.objects.create(
        person=cadre(),
        topic="学习",
        studied_on=dt.date(2026, 3, 2),
        hours=1,
        recorded_by=district_reviewer,
    )
    client.force_login(district_reviewer)
    response = client.get(reverse(page))
    assert response.status_code == 200, page
    spec: ListSpec = response.context["list_spec"]
    page_headers = [header["label"] for header in response.context["headers"]]
    assert [h for h in page_headers if h] == _header_cells(response.content.decode())
    before = _exports()
    url = reverse(page) + "?format=xlsx"
    sheet = spec.export_sheets()[0]
    header = _export_header(client.get(url), str(sheet.title) if spec.sheets else None)
    _assert_one_declaration(page_headers, header, spec.columns, sheet.columns)
    assert _exports() == before + 1


def test_roster_and_coverage_pages_and_exports_share_their_columns(client, district_reviewer):
    session = SessionFactory()
    AttendanceFactory(session=session, person=cadre())
    client.force_login(district_reviewer)
    roster = client.get(reverse("training:roster", args=[session.pk]))
    page_headers = [header["label"] for header in roster.context["headers"]]
    assert page_headers == _header_cells(roster.content.decode())
    before = _exports()
    export = client.get(reverse("training:roster", args=[session.pk]), {"format": "xlsx"})
    _assert_one_declaration(
        page_headers, _export_header(export), ROSTER_SPEC.columns, ROSTER_SPEC.columns
    )
    assert _exports() == before + 1

    coverage = client.get(reverse("training:coverage"))
    page_headers = [header["label"] for header in coverage.context["headers"]]
    export = client.get(reverse("training:coverage"), {"format": "xlsx"})
    year_sheet = load_workbook(io.BytesIO(export.content)).worksheets[2].title
    _assert_one_declaration(
        page_headers, _export_header(export, year_sheet), COVERAGE_COLUMNS, COVERAGE_COLUMNS
    )
    assert _exports() == before + 2


def test_the_queue_shows_and_exports_the_columns_of_the_case_list(client, district_reviewer):
    client.force_login(district_reviewer)
    queue = client.get(reverse("vetting:case_queue"))
    page_headers = [h["label"] for h in queue.context["headers"]]
    before = _exports()
    export = client.get(reverse("vetting:case_queue"), {"format": "xlsx"})
    _assert_one_declaration(
        page_headers, _export_header(export), CASE_SPEC.columns, CASE_SPEC.columns
    )
    assert _exports() == before + 1


def _request(user):
    request = RequestFactory().get("/export/", {"q": "x"})
    request.user = user
    return request


def test_an_export_that_fails_midway_writes_no_log_entry(staff):
    def value(number):
        if number == 2:
            raise RuntimeError("the second row fails")
        return number

    spec = ListSpec(title="t", columns=[Col("n", value)], filename="t.xlsx")
    with pytest.raises(RuntimeError):
        export_response(_request(staff), spec=spec, items=[1, 2, 3])
    assert _exports() == 0
    response = export_response(_request(staff), spec=spec, items=[1, 3])
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.detail == "t.xlsx, 2 rows, filter: q=x"


def test_id_numbers_are_full_only_where_the_list_reveals_them_to_a_permitted_user(
    staff, township_reviewer
):
    number = "220502198001011234"
    columns = [Col("id", lambda row: row, id_number=True)]
    revealing = ListSpec(title="t", columns=columns, filename="t.xlsx", reveal_ids=True)
    masking = ListSpec(title="t", columns=columns, filename="t.xlsx")

    def cell(spec, user):
        response = export_response(_request(user), spec=spec, items=[number])
        sheet = load_workbook(io.BytesIO(response.content)).active
        return sheet["A2"].value, sheet["A2"].number_format

    assert cell(revealing, township_reviewer) == (number, "@")
    assert cell(revealing, staff) == ("2205**********1234", "@")
    assert cell(masking, township_reviewer) == ("2205**********1234", "@")
    assert "full ID numbers" in AccessLogEntry.objects.order_by("pk").first().detail


def test_a_lazy_translation_is_written_as_its_text(staff):
    # A choice's label is lazy: the audits-due export failed with one.
    spec = ListSpec(title="t", columns=[Col("kind", lambda row: row.label)], filename="t.xlsx")
    response = export_response(_request(staff), spec=spec, items=[Audit.Kind.TERM_END])
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == str(Audit.Kind.TERM_END.label)


def test_a_sheet_may_take_several_rows_from_an_item_and_rows_of_its_own(staff):
    spec = ListSpec(
        title="t",
        columns=[],
        filename="t.xlsx",
        sheets=[
            Sheet([Col("total", lambda row: row)], title="summary", items=lambda: [6]),
            Sheet([Col("n", lambda row: row)], title="rows", rows=lambda item: [item, item * 10]),
        ],
    )
    response = export_response(_request(staff), spec=spec, items=[1, 2])
    workbook = load_workbook(io.BytesIO(response.content))
    assert [r[0] for r in workbook["summary"].iter_rows(values_only=True)] == ["total", 6]
    assert [r[0] for r in workbook["rows"].iter_rows(values_only=True)] == ["n", 1, 10, 2, 20]
    assert "4 rows" in AccessLogEntry.objects.get().detail


def test_sorting_ends_with_the_pk_in_the_sort_direction():
    spec = ListSpec(
        title="t",
        columns=[Col("a", key="a", sort=["a", "b"])],
        filename="t.xlsx",
        default_sort="-a",
        sorts={"made": ["created_at"]},
    )
    assert spec.ordering("a") == ["a", "b", "pk"]
    assert spec.ordering("-a") == ["-a", "-b", "-pk"]
    assert spec.ordering("made") == ["created_at", "pk"]
    assert spec.ordering("unknown") == ["-a", "-b", "-pk"]
