"""Reads of the vetting app: hit lists and their flat rows for exports."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from vetting.models import Hit
from vetting.models.screening import SubjectKind

# The keys of a hit as the screening_hits command prints it, in order.
HIT_EXPORT_KEYS = (
    "subject_name",
    "subject_id_number",
    "subject_role",
    "township_code",
    "village_code",
    "list_kind",
    "entry_name",
    "entry_id_number",
    "match_kind",
    "status",
)


def hits_with_related(queryset: QuerySet[Hit] | None = None) -> QuerySet[Hit]:
    """Hits with everything a list or export shows, in a constant number of queries."""
    queryset = Hit.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "person", "relative__cadre", "entry__source", "township", "village", "reviewer"
    )


def hit_rows(queryset: QuerySet[Hit]) -> Iterator[dict]:
    """One flat dict per hit, keys HIT_EXPORT_KEYS (full ID numbers: for commands only)."""
    for hit in hits_with_related(queryset).order_by("pk").iterator(chunk_size=2000):
        subject = hit.person if hit.subject_kind == SubjectKind.CADRE else hit.relative
        yield {
            "subject_name": subject.name,
            "subject_id_number": subject.id_number or "",
            "subject_role": hit.subject_kind,
            "township_code": hit.township.code if hit.township else "",
            "village_code": hit.village.code if hit.village else "",
            "list_kind": hit.entry.source.kind,
            "entry_name": hit.entry.name,
            "entry_id_number": hit.entry.id_number or "",
            "match_kind": hit.match_kind,
            "status": hit.status,
        }
