"""Reactions to register events (cadres.signals): a changed person is screened alone."""

from vetting.models.screening import SubjectKind
from vetting.services.screening import screening_person_enqueue


def person_changed(sender, *, person, **kwargs) -> None:
    screening_person_enqueue(subject_kind=SubjectKind.CADRE, subject_id=person.pk)


def relative_changed(sender, *, relative, **kwargs) -> None:
    screening_person_enqueue(subject_kind=SubjectKind.RELATIVE, subject_id=relative.pk)
