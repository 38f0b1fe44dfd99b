"""Reactions to register events (cadres.signals): a changed person is screened alone,
an imported roster in one run."""

from vetting.models.screening import SubjectKind
from vetting.services.screening import screening_person_enqueue, screening_subjects_enqueue


def person_changed(sender, *, person, **kwargs) -> None:
    screening_person_enqueue(subject_kind=SubjectKind.CADRE, subject_id=person.pk)


def relative_changed(sender, *, relative, **kwargs) -> None:
    screening_person_enqueue(subject_kind=SubjectKind.RELATIVE, subject_id=relative.pk)


def register_imported(sender, *, person_ids, relative_ids, **kwargs) -> None:
    screening_subjects_enqueue(cadre_ids=person_ids, relative_ids=relative_ids)
