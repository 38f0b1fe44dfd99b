"""The register's detail rows of a person and their photo: every write goes through here.

Education (全日制 and 在职), 简历 lines and 奖惩 records are parts of a person's register
entry: whoever may edit the person (``cadres.change_person``, in the person's townships) adds,
changes and deletes them, and each change is kept in the person's history.

``Person.education`` is the highest level (最高学历) that lists, filters, the team structure
and the roster read. Once a person has education rows it follows them: every change to the
rows sets it to the highest level among them (README: Cadre register). A person without rows
keeps the level typed on the person or read from a roster.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from cadres.choices import Education
from cadres.dates import split_partial_dates
from cadres.documents import document_files_release, documents_store
from cadres.models import EducationRecord, Person, PersonPhoto, ResumeLine, RewardPunishment
from cadres.scoping import require_object
from cadres.services import require_perm

DETAIL_MODELS = (EducationRecord, ResumeLine, RewardPunishment)
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
EDIT_PERM = "cadres.change_person"


def _locked_person(actor, person: Person) -> Person:
    require_perm(actor, EDIT_PERM)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_object(actor, person)
    return person


def highest_education(levels) -> str:
    """The highest of the levels (Education lists them from the highest down); "" for none."""
    ranks = [Education.values.index(level) for level in levels if level in Education.values]
    return Education.values[min(ranks)] if ranks else ""


def _education_follow_rows(actor, person: Person) -> None:
    highest = highest_education(person.education_records.values_list("level", flat=True))
    if highest and highest != person.education:
        person.education = highest
        person._history_user = actor
        person.save(update_fields=["education"])


def _save_row(actor, person: Person, row, values: dict):
    for key, value in split_partial_dates(type(row), values).items():
        setattr(row, key, value)
    row.person = person
    row.full_clean()
    row._history_user = actor
    row.save()
    if isinstance(row, EducationRecord):
        _education_follow_rows(actor, person)
    return row


@transaction.atomic
def person_detail_add(*, actor, person: Person, model: type, **values):
    """Add an education row, a 简历 line or a 奖惩 record (``model``) to a person."""
    if model not in DETAIL_MODELS:
        raise ValueError(f"not a detail row model: {model!r}")
    person = _locked_person(actor, person)
    return _save_row(actor, person, model(), values)


@transaction.atomic
def person_detail_update(*, actor, row, **values):
    """Change an education row, a 简历 line or a 奖惩 record."""
    person = _locked_person(actor, row.person)
    row = type(row).objects.select_for_update().get(pk=row.pk, person=person)
    return _save_row(actor, person, row, values)


@transaction.atomic
def person_detail_delete(*, actor, row) -> None:
    """Delete an education row, a 简历 line or a 奖惩 record; its history stays."""
    person = _locked_person(actor, row.person)
    row = type(row).objects.select_for_update().get(pk=row.pk, person=person)
    row._history_user = actor
    row.delete()
    if isinstance(row, EducationRecord):
        _education_follow_rows(actor, person)


def photo_refusal(upload, name: str, content_type: str) -> str | None:
    """Why an upload is no photo: only a JPEG or PNG that Pillow reads as one, whatever its
    name says, so that a PDF or a GIF named .jpg is refused."""
    refusal = _("%(name)s is not a JPEG or PNG image.") % {"name": name}
    if content_type not in PHOTO_FORMATS.values():
        return refusal
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            found = image.format
            image.verify()
    # Pillow's UnidentifiedImageError is an OSError; a truncated file raises any of these.
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return refusal
    finally:
        upload.seek(0)
    if PHOTO_FORMATS.get(found) != content_type:
        return refusal
    return None


@transaction.atomic
def person_photo_store(*, actor, person: Person, upload) -> PersonPhoto:
    """Keep ``upload`` as the person's photo, replacing the one before (whose file goes once
    no other document holds it). JPEG or PNG, at most ``PERSON_PHOTO_MAX_BYTES``."""
    person = _locked_person(actor, person)
    old = PersonPhoto.objects.filter(person=person).first()
    if old is not None:
        old._history_user = actor
        old.delete()
        document_files_release([old])
    # A refused upload raises out of this transaction: the old photo's deletion is undone.
    (photo,) = documents_store(
        PersonPhoto,
        actor=actor,
        uploads=[upload],
        field="photo",
        max_bytes=settings.PERSON_PHOTO_MAX_BYTES,
        check=photo_refusal,
        person=person,
    )
    return photo


@transaction.atomic
def person_photo_delete(*, actor, person: Person) -> None:
    person = _locked_person(actor, person)
    photo = PersonPhoto.objects.filter(person=person).first()
    if photo is not None:
        photo._history_user = actor
        photo.delete()
        document_files_release([photo])
