"""Reactions to register events (cadres.signals): the people changed in one transaction
are screened in one run, and so is an imported roster; a removal proposed by a misconduct
case opens a removal case."""

from vetting.models.screening import SubjectKind
from vetting.services.removal import removal_case_open_for_misconduct
from vetting.services.screening import screening_person_enqueue, screening_subjects_enqueue


def person_changed(sender, *, person, **kwargs) -> None:
    screening_person_enqueue(subject_kind=SubjectKind.CADRE, subject_id=person.pk)


def relative_changed(sender, *, relative, **kwargs) -> None:
    screening_person_enqueue(subject_kind=SubjectKind.RELATIVE, subject_id=relative.pk)


def register_imported(sender, *, person_ids, relative_ids, **kwargs) -> None:
    screening_subjects_enqueue(cadre_ids=person_ids, relative_ids=relative_ids)


def removal_proposed(
    sender,
    *,
    person,
    township,
    actor,
    misconduct_case_id,
    misconduct_case_label,
    reason,
    **kwargs,
) -> None:
    removal_case_open_for_misconduct(
        actor=actor,
        person=person,
        township=township,
        misconduct_case_id=misconduct_case_id,
        misconduct_case_label=misconduct_case_label,
        reason=reason,
    )
