"""Stored documents: the one way to keep an uploaded file and the one way to send a file back.

Every app's uploaded documents inherit ``cadres.models.StoredDocument`` and are written by
``documents_store``: each upload is checked against one allowlist of types, judged by its
content (magic bytes), never by its name or by the type the browser claims; it is hashed
while it is read in chunks and kept once per content under ``documents/<2>/<sha256>``.
Every download, of a document or of another stored file (a disclosure photo, the monthly
workbook), goes through ``document_response``, which logs it and always sends an attachment
that the browser neither renders nor caches.
"""

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from urllib.parse import quote

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

from cadres.hashing import content_sha256
from cadres.models import AccessLogEntry, StoredDocument, document_path
from cadres.services import access_log_append

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
OCTET_STREAM = "application/octet-stream"
SNIFF_BYTES = 8192

# The allowlist (issue 20): documents and scans that the district's offices exchange. Zip
# archives, audio, video, HTML, SVG and programs are refused: their content is unchecked or
# may run when opened.
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An OLE compound file is Word, Excel or PowerPoint (or WPS, which writes the same formats),
# but also an installer (.msi): only the names of the office formats are accepted for it.
_OLE_TYPES = {
    "doc": "application/msword",
    "dot": "application/msword",
    "wps": "application/msword",
    "xls": "application/vnd.ms-excel",
    "xlt": "application/vnd.ms-excel",
    "et": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
    "dps": "application/vnd.ms-powerpoint",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Office Open XML is a zip with [Content_Types].xml whose parts sit under one folder per format.
_OOXML = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
# The header sizes of the BMP versions; "BM" alone is too weak a signature.
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}
_TEXT_CONTROLS = set("\t\n\r\f\v\x1a")

# The suffixes a download of each type keeps; any other name gets the first one appended,
# so that a text file named run.bat is saved as run.bat.txt and never runs.
_DOWNLOAD_SUFFIXES = {
    "application/pdf": ("pdf",),
    "application/ofd": ("ofd",),
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "image/png": ("png",),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "image/bmp": ("bmp",),
    "application/msword": ("doc", "dot", "wps"),
    "application/vnd.ms-excel": ("xls", "xlt", "et"),
    "application/vnd.ms-powerpoint": ("ppt", "pps", "dps"),
    DOCX: ("docx", "docm", "dotx"),
    XLSX: ("xlsx", "xlsm", "xltx"),
    PPTX: ("pptx", "ppsx"),
    "text/plain": ("txt", "csv", "log"),
}


def _suffix(name: str) -> str:
    return PurePosixPath(name or "").suffix.lower().lstrip(".")


def content_type_sniff(file, *, name: str = "") -> str | None:
    """The content type of a file on the allowlist, judged by its content; None for the rest.

    ``name`` only tells apart the office formats that share one container (OLE). The file is
    left at its start.
    """
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    try:
        for magic, content_type in _MAGIC:
            if head.startswith(magic):
                return content_type
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return "image/webp"
        if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
            return "image/bmp"
        if head.startswith(_OLE_MAGIC):
            return _OLE_TYPES.get(_suffix(name))
        if head.startswith(b"PK\x03\x04"):
            return _zip_type(file)
        return _text_type(head, complete=len(head) < SNIFF_BYTES)
    finally:
        file.seek(0)


def _zip_type(file) -> str | None:
    # Only the central directory is read: nothing is unpacked.
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    if "OFD.xml" in names:
        return "application/ofd"
    if "[Content_Types].xml" in names:
        for folder, content_type in _OOXML:
            if any(member.startswith(folder) for member in names):
                return content_type
    return None


def _text_type(head: bytes, *, complete: bool) -> str | None:
    if not head or b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text):
            return None
        # Markup (HTML, SVG, XML) is not plain text, whatever its name says.
        if text.lstrip("\ufeff \t\r\n\f\v").startswith("<"):
            return None
        return f"text/plain; charset={encoding}"
    return None


def safe_filename(name: str) -> str:
    """A file name fit to be saved on any system: no folders, no control or format characters
    (a right-to-left override disguises run.exe as exe.pdf), none that Windows refuses."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if unicodedata.category(c) in ("Zl", "Zp") else c
        for c in name
        if not unicodedata.category(c).startswith("C")
    )
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .")
    if len(name) > 200:
        # Cut in the stem: the suffix says what opens the file.
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: 200 - len(suffix)] + suffix
    return name or "document"


def download_name(name: str, content_type: str) -> str:
    """The safe name a download is saved under, with a suffix that matches its content."""
    name = safe_filename(name)
    suffixes = _DOWNLOAD_SUFFIXES.get(content_type.split(";")[0].strip())
    if suffixes and _suffix(name) not in suffixes:
        name = f"{name}.{suffixes[0]}"
    return name


def attachment_disposition(name: str) -> str:
    """``Content-Disposition: attachment`` with the UTF-8 name (RFC 6266, RFC 5987) and an
    ASCII fallback for the rare client that reads only ``filename``."""
    name = safe_filename(name)
    suffix = PurePosixPath(name).suffix
    stem = name[: len(name) - len(suffix)]

    def ascii_part(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9 ._()-]+", "_", text).strip(" ._")

    fallback_stem = ascii_part(stem)
    if not re.search(r"[A-Za-z0-9]", fallback_stem):
        fallback_stem = "document"
    fallback_suffix = ascii_part(suffix)
    fallback = f"{fallback_stem}.{fallback_suffix}" if fallback_suffix else fallback_stem
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


@transaction.atomic
def documents_store(
    model: type[StoredDocument],
    *,
    actor,
    uploads: Iterable[UploadedFile],
    field: str = "file",
    max_bytes: int = DOCUMENT_MAX_BYTES,
    check: Callable[[UploadedFile, str, str], str | None] | None = None,
    **owner,
) -> list[StoredDocument]:
    """Keep uploads as documents of ``model`` that belong to ``owner`` (the model's other fields).

    Every upload is checked (size, type by content, then ``check(upload, name, content_type)``,
    which returns a refusal in Chinese or None, for a use that takes fewer types) before
    anything is written, so a refused file leaves none of the others behind; a refusal names
    the file, under the form's ``field``. A content already on disk is not written again. The
    caller checks the actor's permission and scope.
    """
    checked = []
    for upload in uploads:
        name = safe_filename(upload.name)
        if not upload.size:
            raise _refused(field, _("%(name)s is empty.") % {"name": name})
        if upload.size > max_bytes:
            raise _refused(
                field,
                _("%(name)s is larger than %(limit)d MB.")
                % {"name": name, "limit": max_bytes // (1024 * 1024)},
            )
        content_type = content_type_sniff(upload, name=upload.name)
        if content_type is None:
            raise _refused(
                field,
                _(
                    "%(name)s is not a type of file that may be uploaded. Accepted, as judged "
                    "by the content and not by the name: PDF, OFD, Word, Excel, PowerPoint and "
                    "WPS documents, JPEG, PNG, GIF, WebP and BMP images, and plain text."
                )
                % {"name": name},
            )
        if check is not None and (refusal := check(upload, name, content_type)):
            raise _refused(field, refusal)
        sha256, size = content_sha256(upload)
        checked.append((upload, name, sha256, size, content_type))
    documents = []
    for upload, name, sha256, size, content_type in checked:
        document = model(
            original_name=name,
            sha256=sha256,
            size=size,
            content_type=content_type,
            uploaded_by=actor,
            **owner,
        )
        document.file = _keep(document, upload)
        document.save()
        documents.append(document)
    return documents


def _keep(document: StoredDocument, upload: UploadedFile) -> str:
    """Write the upload at its hash path unless that content is there already."""
    storage = document.file.storage
    path = document_path(document, upload.name)
    if storage.exists(path):
        if storage.size(path) == document.size:
            return path
        # The remains of a write that died midway: replace them.
        storage.delete(path)
    saved = storage.save(path, upload)
    if saved != path:
        # A concurrent upload of the same content won the path; its file is this one.
        storage.delete(saved)
    return path


def _document_models() -> list[type[StoredDocument]]:
    return [model for model in apps.get_models() if issubclass(model, StoredDocument)]


def document_files_release(documents: Iterable[StoredDocument]) -> None:
    """Once the transaction that deleted these documents commits, delete their files, except
    those that another document still holds (the same content is stored once)."""
    files = {(document.file.storage, document.file.name) for document in documents}
    files = {(storage, name) for storage, name in files if name}
    if not files:
        return

    def release() -> None:
        names = {name for _storage, name in files}
        held = set()
        for model in _document_models():
            held.update(model._base_manager.filter(file__in=names).values_list("file", flat=True))
        for storage, name in files:
            if name not in held:
                storage.delete(name)

    transaction.on_commit(release)


def document_response(
    request, document, *, file: FieldFile | None = None, filename: str = ""
) -> FileResponse:
    """Send a stored file to the user: the one way every view serves a file.

    ``document`` must have been fetched through the user's scoped queryset (a 404 outside
    it): this function trusts it. ``file`` and ``filename`` are for stored files that are not
    documents (a disclosure photo, the monthly workbook); a document brings its own. Writes
    the download to the access log, and sends an attachment, typed by the content, under a
    safe name, never sniffed by the browser and never cached. A file missing on disk is a 404.
    """
    stored = document.file if file is None else file
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    # A document's type was sniffed when it was stored; another file's is sniffed now.
    known = document.content_type if isinstance(document, StoredDocument) else ""
    content_type = known or content_type_sniff(handle, name=stored.name) or OCTET_STREAM
    name = download_name(filename or document.original_name, content_type)
    access_log_append(
        user=request.user, action=AccessLogEntry.Action.DOWNLOAD, obj=document, detail=name
    )
    return attachment(FileResponse(handle, content_type=content_type), name)


def attachment(response: HttpResponse, name: str) -> HttpResponse:
    """Make ``response`` a download under the safe ``name``: never shown inline, never
    sniffed by the browser. (No cache keeps it either: dongchang.middleware.NoStoreMiddleware
    marks every response to a signed-in user.)"""
    response["Content-Disposition"] = attachment_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def documents_fill(model) -> int:
    """Give the rows of ``model`` (a StoredDocument model, or its state in a migration) the
    SHA-256, size and content type of their stored files, and return how many were filled.

    Run by the migrations that made every app's documents StoredDocuments: a type found only
    by the name before becomes the sniffed one, or octet-stream when it is off the allowlist.
    A row whose file is missing keeps what it had (empty for the apps that kept nothing).
    """
    storage = model._meta.get_field("file").storage
    rows = list(model._base_manager.values_list("pk", "file", "original_name"))
    filled = 0
    for pk, name, original_name in rows:
        if not name:
            continue
        try:
            with storage.open(name, "rb") as handle:
                sha256, size = content_sha256(handle)
                content_type = content_type_sniff(handle, name=original_name) or OCTET_STREAM
        except OSError:
            continue
        model._base_manager.filter(pk=pk).update(
            sha256=sha256, size=size, content_type=content_type
        )
        filled += 1
    return filled
