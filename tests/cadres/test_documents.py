"""Stored documents (cadres.documents): typed by content, kept once per content, and every
download served one way: scoped, logged, an attachment that is neither sniffed nor cached."""

import datetime as dt
import hashlib
import importlib
import io
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from cadres.documents import (
    DOCX,
    PPTX,
    XLSX,
    attachment_disposition,
    content_type_sniff,
    documents_store,
    download_name,
    safe_filename,
)
from cadres.models import AccessLogEntry, Post
from cadres.records import services as records
from cadres.records.models import ProgressDocument, ProjectProgress
from dongchang.reports import Month
from dongchang.services import monthly_report_build
from supervision import services as supervision
from supervision.models import Audit
from tests.conftest import JINCHANG
from tests.factories import PostFactory, UserFactory, VillageFactory, township
from tests.training.factories import at
from tests.vetting_candidates.factories import nominate
from training import services as training
from training.models import Material, Session
from vetting.services import candidates

PDF = b"%PDF-1.4 stored document"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
EXE = b"MZ\x90\x00\x03" + bytes(300)


def upload(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    # The browser's claim is deliberately wrong: only the content may decide.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, kind)
    return buffer.getvalue()


def zipped(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def sniff(content: bytes, name: str = "") -> str | None:
    return content_type_sniff(io.BytesIO(content), name=name)


def disposition_name(response) -> str:
    match = re.search(r"filename\*=UTF-8''([^;]+)", response["Content-Disposition"])
    return unquote(match.group(1))


def stored_files() -> list[Path]:
    root = Path(default_storage.location) / "documents"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


# Types, judged by the content ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PDF, "批复.pdf", "application/pdf"),
        (image("JPEG"), "公开栏.jpg", "image/jpeg"),
        (image("PNG"), "公开栏.png", "image/png"),
        (image("GIF"), "a.gif", "image/gif"),
        (image("WEBP"), "a.webp", "image/webp"),
        (image("BMP"), "a.bmp", "image/bmp"),
        (OLE, "纪要.doc", "application/msword"),
        (OLE, "台账.XLS", "application/vnd.ms-excel"),
        (OLE, "台账.et", "application/vnd.ms-excel"),
        (OLE, "课件.ppt", "application/vnd.ms-powerpoint"),
        (zipped("[Content_Types].xml", "word/document.xml"), "a.docx", DOCX),
        (xlsx(), "台账.xlsx", XLSX),
        (zipped("[Content_Types].xml", "ppt/presentation.xml"), "a.pptx", PPTX),
        (zipped("OFD.xml", "Doc_0/Document.xml"), "公文.ofd", "application/ofd"),
        ("会议纪要\n第一项".encode(), "纪要.txt", "text/plain; charset=utf-8"),
        ("会议纪要\n第一项".encode("gb18030"), "纪要.txt", "text/plain; charset=gb18030"),
        # A name says nothing: a PDF is a PDF whatever it is called.
        (PDF, "run.exe", "application/pdf"),
    ],
)
def test_allowed_types_are_sniffed_from_the_content(content, name, expected):
    assert sniff(content, name) == expected


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE, "报告.pdf"),
        (b"<html><script>alert(1)</script></html>", "page.html"),
        (b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg"),
        (b"<script>alert(1)</script>", "说明.txt"),
        (zipped("payload.exe"), "材料.zip"),
        (zipped("[Content_Types].xml", "payload.bin"), "a.docx"),
        # An installer is an OLE file too: only an office name makes one a document.
        (OLE, "setup.msi"),
        (OLE, "setup.pdf"),
        (b"text\x00with a NUL", "a.txt"),
        (b"BM" + bytes(30), "a.bmp"),
    ],
)
def test_everything_else_is_refused(content, name):
    assert sniff(content, name) is None


def test_sniffing_leaves_the_file_at_its_start():
    file = io.BytesIO(xlsx())
    file.read(10)
    content_type_sniff(file)
    assert file.tell() == 0


# Storing -------------------------------------------------------------------------------


def _secretary_village():
    village = VillageFactory(township=township(JINCHANG), name="红旗村")
    PostFactory(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    return village


@pytest.fixture
def builder(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def session(builder):
    return training.session_create(
        actor=builder,
        title="金厂镇培训班",
        kind=Session.Kind.CENTRALIZED,
        organizer=township(JINCHANG),
        starts_at=at(dt.date(2026, 3, 2)),
        ends_at=at(dt.date(2026, 3, 2), 12),
        hours=1,
        reach=Session.Reach.TOWNSHIPS,
        townships=[township(JINCHANG)],
    )


def test_a_program_with_a_lying_name_is_refused_naming_the_file(builder, session):
    with pytest.raises(ValidationError) as error:
        training.material_add(actor=builder, session=session, upload=upload("课件.pdf", EXE))
    assert "课件.pdf" in error.value.message_dict["file"][0]
    assert not Material.objects.exists()
    assert stored_files() == []


def test_a_document_is_typed_and_saved_by_its_content(builder, session):
    material = training.material_add(actor=builder, session=session, upload=upload("课件.exe"))
    assert material.content_type == "application/pdf"
    assert material.original_name == "课件.exe"
    assert material.sha256 == hashlib.sha256(PDF).hexdigest()
    assert material.size == len(PDF)
    assert material.file.name == f"documents/{material.sha256[:2]}/{material.sha256}"
    # Saved, it can only open as what it is.
    assert download_name(material.original_name, material.content_type) == "课件.exe.pdf"


def test_empty_and_oversized_files_are_refused(builder, session):
    with pytest.raises(ValidationError, match=r"空\.txt"):
        training.material_add(actor=builder, session=session, upload=upload("空.txt", b""))
    with pytest.raises(ValidationError, match=r"大\.pdf"):
        documents_store(
            Material,
            actor=builder,
            uploads=[upload("大.pdf")],
            max_bytes=len(PDF) - 1,
            session=session,
        )


def test_the_same_content_is_stored_once_and_deleted_with_its_last_document(
    builder, session, django_capture_on_commit_callbacks
):
    first = training.material_add(actor=builder, session=session, upload=upload("课件.pdf"))
    second = training.material_add(actor=builder, session=session, upload=upload("副本.pdf"))
    assert first.file.name == second.file.name
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        training.material_delete(actor=builder, material=first)
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        training.material_delete(actor=builder, material=second)
    assert stored_files() == []


def test_a_refused_file_leaves_the_others_unwritten(builder):
    project = records.pioneer_project_claim(
        actor=builder,
        village=_secretary_village(),
        year=2026,
        title="产业项目",
        goals="目标",
        milestones="节点",
    )
    with pytest.raises(ValidationError, match=r"照片\.png"):
        records.project_progress_add(
            actor=builder,
            project=project,
            on=dt.date.today(),
            text="进展",
            documents=[upload("进展.pdf"), upload("照片.png", EXE)],
        )
    assert not ProjectProgress.objects.exists()
    assert not ProgressDocument.objects.exists()
    assert stored_files() == []


# The data migration ----------------------------------------------------------------------


def test_the_migration_fills_what_earlier_uploads_lacked(builder, session):
    old = default_storage.save("training/materials/0123abcd", ContentFile(PDF))
    page = default_storage.save("supervision/audits/4567.html", ContentFile(b"<script>"))
    kept = Material.objects.create(
        session=session, original_name="旧课件.pdf", file=old, size=len(PDF), uploaded_by=builder
    )
    html = Material.objects.create(
        session=session, original_name="旧网页.html", file=page, size=8, uploaded_by=builder
    )
    lost = Material.objects.create(
        session=session,
        original_name="丢失.pdf",
        file="training/materials/gone",
        size=3,
        uploaded_by=builder,
    )
    migration = importlib.import_module("training.migrations.0004_documents")
    migration.fill_documents(apps, None)
    kept.refresh_from_db()
    assert kept.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (kept.size, kept.content_type) == (len(PDF), "application/pdf")
    assert kept.file.name == old  # the file stays where it was
    html.refresh_from_db()
    assert html.content_type == "application/octet-stream"
    lost.refresh_from_db()
    assert (lost.sha256, lost.content_type) == ("", "")


# The file name in the header -------------------------------------------------------------


def test_a_chinese_name_round_trips_with_an_ascii_fallback():
    header = attachment_disposition("东昌区审计报告（2026年）.pdf")
    assert header.startswith('attachment; filename="(2026).pdf"; ')
    name = unquote(header.split("filename*=UTF-8''")[1])
    assert name == "东昌区审计报告（2026年）.pdf"
    assert attachment_disposition("任职批复.pdf").startswith('attachment; filename="document.pdf"')


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\报告.pdf", "报告.pdf"),
        ("报告\r\nSet-Cookie: x=1.pdf", "报告Set-Cookie_ x=1.pdf"),
        # A right-to-left override would show 报告exe.pdf for a program.
        ("报告\u202efdp.exe", "报告fdp.exe"),
        ('a"b<c>.pdf', "a_b_c_.pdf"),
        ("...", "document"),
    ],
)
def test_file_names_are_made_safe(given, saved):
    assert safe_filename(given) == saved
    header = attachment_disposition(given)
    assert not re.search(r"[\r\n]", header)
    assert unquote(header.split("filename*=UTF-8''")[1]) == saved


def test_a_download_name_ends_in_the_suffix_of_its_content():
    assert download_name("报告.PDF", "application/pdf") == "报告.PDF"
    assert download_name("报告\u202efdp.exe", "application/pdf") == "报告fdp.exe.pdf"
    assert download_name("run.bat", "text/plain; charset=utf-8") == "run.bat.txt"
    assert download_name("纪要.wps", "application/msword") == "纪要.wps"
    assert download_name("旧文件.html", "application/octet-stream") == "旧文件.html"


# Every download view -----------------------------------------------------------------------


def _filing_document(builder, staff):
    filing = records.secretary_filing_submit(
        actor=builder,
        village=_secretary_village(),
        filing_number="东组备〔2026〕9号",
        filed_on=dt.date.today(),
        documents=[upload("任职批复.pdf")],
    )
    document = filing.documents.get()
    return reverse("cadres:records:filing_document", args=[document.pk]), document


def _change_document(builder, staff):
    village = _secretary_village()
    change = records.secretary_change_request(
        actor=builder,
        post=village.posts.get(),
        ends_on=dt.date.today(),
        end_reason=Post.EndReason.RESIGNED,
        reason="辞职",
        documents=[upload("辞职申请.pdf")],
    )
    document = change.documents.get()
    return reverse("cadres:records:change_document", args=[document.pk]), document


def _progress_document(builder, staff):
    project = records.pioneer_project_claim(
        actor=builder,
        village=_secretary_village(),
        year=dt.date.today().year,
        title="产业项目",
        goals="目标",
        milestones="节点",
    )
    progress = records.project_progress_add(
        actor=builder,
        project=project,
        on=dt.date.today(),
        text="进展",
        documents=[upload("进展.pdf")],
    )
    document = progress.documents.get()
    return reverse("cadres:records:progress_document", args=[document.pk]), document


def _case_attachment(builder, staff):
    case = nominate(staff, village=VillageFactory(township=township(JINCHANG)))
    document = candidates.case_attachment_add(actor=staff, case=case, upload=upload("考察材料.pdf"))
    return reverse("vetting:case_attachment", args=[document.pk]), document


def _material(builder, staff):
    session = training.session_create(
        actor=builder,
        title="金厂镇培训班",
        kind=Session.Kind.CENTRALIZED,
        organizer=township(JINCHANG),
        starts_at=at(dt.date(2026, 3, 2)),
        ends_at=at(dt.date(2026, 3, 2), 12),
        hours=1,
        reach=Session.Reach.TOWNSHIPS,
        townships=[township(JINCHANG)],
    )
    document = training.material_add(actor=builder, session=session, upload=upload("课件.pdf"))
    return reverse("training:material", args=[document.pk]), document


def _audit_attachment(builder, staff):
    audit = supervision.audit_create(
        actor=builder,
        kind=Audit.Kind.FINANCIAL,
        village=VillageFactory(township=township(JINCHANG)),
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        auditor="审计组",
    )
    document = supervision.audit_attach(actor=builder, audit=audit, upload=upload("审计报告.pdf"))
    return reverse("supervision:attachment_download", args=[document.pk]), document


@pytest.mark.parametrize(
    "make",
    [
        _filing_document,
        _change_document,
        _progress_document,
        _case_attachment,
        _material,
        _audit_attachment,
    ],
)
def test_each_document_download_is_scoped_logged_and_safe(
    make, client, builder, staff, other_staff
):
    url, document = make(builder, staff)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert disposition_name(response) == document.original_name
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    entry = AccessLogEntry.objects.get(object_id=str(document.pk))
    assert (entry.user, entry.action) == (staff, AccessLogEntry.Action.DOWNLOAD)
    assert entry.object_type == document._meta.label
    client.force_login(other_staff)
    assert client.get(url).status_code == 404
    assert AccessLogEntry.objects.count() == 1


def test_the_disclosure_photo_is_served_the_same_way(client, builder, staff, other_staff):
    disclosure = supervision.disclosure_create(
        actor=builder,
        village=VillageFactory(township=township(JINCHANG), name="红旗村"),
        kind="finance",
        period_day=dt.date(2026, 4, 1),
        content="财务收支",
        published_on=dt.date(2026, 4, 5),
        channel="notice_board",
        photo=SimpleUploadedFile("公开栏.html", image("PNG"), content_type="text/html"),
    )
    url = reverse("supervision:disclosure_photo", args=[disclosure.pk])
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert re.fullmatch(r"红旗村.+202604\.png", disposition_name(response))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert AccessLogEntry.objects.filter(
        user=staff, action=AccessLogEntry.Action.DOWNLOAD, object_id=str(disclosure.pk)
    ).exists()
    client.force_login(other_staff)
    assert client.get(url).status_code == 404


def test_the_monthly_workbook_is_served_the_same_way(client, staff, district_reviewer):
    report = monthly_report_build(month=Month.parse("2026-01"))
    url = reverse("reports:download", args=["2026-01"])
    client.force_login(district_reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert disposition_name(response) == "东昌区村干部队伍月报-2026-01.xlsx"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert AccessLogEntry.objects.filter(
        user=district_reviewer, action=AccessLogEntry.Action.DOWNLOAD, object_id=str(report.pk)
    ).exists()
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_a_document_whose_file_is_gone_is_a_404(client, builder, staff):
    url, document = _audit_attachment(builder, staff)
    default_storage.delete(document.file.name)
    client.force_login(staff)
    assert client.get(url).status_code == 404
    assert not AccessLogEntry.objects.exists()
