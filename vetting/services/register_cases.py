"""Candidate cases that the register asks for (凡进必审): the 补审 of a post held before the
system, and the 需提名 rows of a township's roster import.

Both open ordinary draft cases through ``case_create``, which then follow the one
workflow; the family members on the register come with the person.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cadres.dates import partial_date
from cadres.models import ImportFile, Person, Post, Village, VillagerGroup
from cadres.scoping import require_object, require_township
from vetting import workflow
from vetting.models import CandidateCase
from vetting.services.candidates import case_create

RELATIVE_KEYS = ("name", "id_number", "birth_date", "sex", "relation", "work_unit_and_post")


def register_relatives(person: Person) -> list[dict]:
    """The person's family members on the register, as case_create takes them."""
    rows = person.relatives.order_by("pk").values(*RELATIVE_KEYS, "birth_date_precision")
    return [
        {**{key: row[key] for key in RELATIVE_KEYS}, "birth_date": partial_date(row, "birth_date")}
        for row in rows
    ]


def _require_nominator(actor) -> None:
    if not (actor.is_active and actor.has_perm(workflow.NOMINATE)):
        raise PermissionDenied


@transaction.atomic
def supplementary_case_create(*, actor, post: Post, reason: str, **fields) -> CandidateCase:
    """Open a 补审 of a serving post that no case vetted: a draft with the post's holder,
    place and term. ``fields`` are other CandidateCase fields (phone …)."""
    _require_nominator(actor)
    post = Post.objects.select_for_update().select_related("person", "village").get(pk=post.pk)
    require_object(actor, post)
    if post.ended_on is not None:
        raise ValidationError(
            _("The post %(post)s has ended: only a serving post is reviewed.") % {"post": post}
        )
    if post.vetted:
        raise ValidationError(
            _("The post %(post)s has already passed the joint review.") % {"post": post}
        )
    pending = post.supplementary_cases.exclude(state=CandidateCase.State.REJECTED).first()
    if pending is not None:
        raise ValidationError(
            _("The post %(post)s is already under supplementary review (case %(case)d).")
            % {"post": post, "case": pending.pk}
        )
    return case_create(
        actor=actor,
        person=post.person,
        village=post.village,
        body=post.body,
        title=post.title,
        villager_group=post.villager_group,
        term_start=partial_date(post, "term_start"),
        term_end=partial_date(post, "term_end"),
        reason=reason,
        relatives=register_relatives(post.person),
        reviewed_post=post,
        **fields,
    )


@transaction.atomic
def roster_nominations_create(*, actor, import_file: ImportFile) -> tuple[list[CandidateCase], int]:
    """Open a draft case for every 需提名 row of an imported roster; returns the new cases and
    the number of rows skipped because a case for that person and post was already opened
    (so running it twice opens nothing twice).

    All or nothing: a row that cannot be nominated (the village left the actor's townships,
    a person no longer visible …) is named and nothing is opened.
    """
    _require_nominator(actor)
    # Two clicks at once queue up here, and the second finds the first one's cases.
    import_file = ImportFile.objects.select_for_update().get(pk=import_file.pk)
    if import_file.kind != ImportFile.Kind.ROSTER or import_file.status != (
        ImportFile.Status.IMPORTED
    ):
        raise ValidationError(_("Only an imported roster has posts to nominate."))
    if import_file.township_id is not None:
        require_township(actor, import_file.township_id)
    rows = import_file.summary.get("nomination_rows", [])
    people = Person.objects.in_bulk({row["person_id"] for row in rows})
    villages = Village.objects.in_bulk({row["village_id"] for row in rows})
    groups = VillagerGroup.objects.in_bulk(
        {row["villager_group_id"] for row in rows if row["villager_group_id"]}
    )
    # A case for the same person and post counts as opened: any case since this upload
    # (decided ones too), or an undecided one from before it (the same roster uploaded twice).
    undecided = ~Q(state__in=[CandidateCase.State.APPROVED, CandidateCase.State.REJECTED])
    opened = set(
        CandidateCase.objects.filter(person_id__in=people)
        .filter(Q(created_at__gte=import_file.created_at) | undecided)
        .values_list("person_id", "village_id", "body", "title", "villager_group_id")
    )
    created, skipped, errors = [], 0, []
    reason = _("Roster import %(file)s: the roster names this person for this post.") % {
        "file": import_file.original_name
    }
    for row in rows:
        key = (row["person_id"], row["village_id"], row["body"], row["title"])
        if (*key, row["villager_group_id"]) in opened:
            skipped += 1
            continue
        person = people.get(row["person_id"])
        try:
            if person is None:
                raise ValidationError(_("The person is no longer in the register."))
            created.append(
                case_create(
                    actor=actor,
                    person=person,
                    village=villages[row["village_id"]],
                    body=row["body"],
                    title=row["title"],
                    villager_group=groups.get(row["villager_group_id"]),
                    term_start=partial_date(row, "term_start"),
                    term_end=partial_date(row, "term_end"),
                    reason=reason,
                    relatives=register_relatives(person),
                )
            )
        except (ValidationError, PermissionDenied) as error:
            detail = (
                "；".join(error.messages)
                if isinstance(error, ValidationError)
                else _("outside your townships")
            )
            errors.append(
                _("Row %(row)d, %(name)s: %(reason)s")
                % {"row": row["row"], "name": row["name"], "reason": detail}
            )
        else:
            opened.add((*key, row["villager_group_id"]))
    if errors:
        raise ValidationError(errors)
    return created, skipped
