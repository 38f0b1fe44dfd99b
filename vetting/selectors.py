"""Reads of the vetting app: hit lists and their flat rows for exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cadres.scoping import scope
from vetting import workflow
from vetting.models import (
    CandidateCase,
    DepartmentOpinion,
    Election,
    ElectionPlan,
    ElectionResult,
    ElectionVillage,
    Hit,
    WatchlistEntry,
    WatchlistSource,
)

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


def watchlist_sources() -> QuerySet[WatchlistSource]:
    """Each list with its active and retired entries and its last import.

    The entries are counted in subqueries: counted over a join with the imports, every entry
    would be counted once per import.
    """

    def entries(active: bool) -> Coalesce:
        counted = (
            WatchlistEntry.objects.filter(source=OuterRef("pk"), active=active)
            .order_by()
            .values("source")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return WatchlistSource.objects.annotate(
        active_entries=entries(True),
        retired_entries=entries(False),
        last_import_at=Max("imports__created_at"),
    )


def hits_with_related(queryset: QuerySet[Hit] | None = None) -> QuerySet[Hit]:
    """Hits with everything a list or export shows, in a constant number of queries."""
    queryset = Hit.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "person",
        "relative__cadre",
        "candidate",
        "candidate_relative__case",
        "entry__source",
        "township",
        "village",
        "reviewer",
    )


def hit_rows(queryset: QuerySet[Hit]) -> Iterator[dict]:
    """One flat dict per hit, keys HIT_EXPORT_KEYS (full ID numbers: for commands only)."""
    for hit in hits_with_related(queryset).order_by("pk").iterator(chunk_size=2000):
        subject = hit.subject
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


def open_elections(user, on: dt.date | None = None) -> QuerySet[Election]:
    """The general elections a nomination may stand in: not over by ``on`` (today), with a
    plan for one of the user's townships."""
    plans = scope(ElectionPlan.objects.all(), user)
    return Election.objects.filter(
        ends_on__gte=on or timezone.localdate(), pk__in=plans.values("election_id")
    )


def election_open_in(election_id: int, township_id: int, on: dt.date | None = None) -> bool:
    return ElectionPlan.objects.filter(
        election_id=election_id,
        township_id=township_id,
        election__ends_on__gte=on or timezone.localdate(),
    ).exists()


def results_to_confirm(villages: QuerySet[ElectionVillage]) -> QuerySet[ElectionVillage]:
    """The villages whose results are entered and not yet confirmed by the district."""
    return villages.filter(
        Exists(ElectionResult.objects.filter(village=OuterRef("pk"))), confirmed_at__isnull=True
    )


def plans_with_results_to_confirm(plans: QuerySet[ElectionPlan]) -> QuerySet[ElectionPlan]:
    """Each plan with ``to_confirm``, how many of its villages have results to confirm."""
    counted = (
        results_to_confirm(ElectionVillage.objects.filter(plan=OuterRef("pk")))
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return plans.annotate(to_confirm=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


def cases_visible(user) -> QuerySet[CandidateCase]:
    """The candidate cases a user may open: their townships' cases, or, for a joint-review
    department, the cases it was asked about. Other users may open none (PermissionDenied)."""
    if user.has_perm("vetting.view_candidatecase"):
        return scope(CandidateCase.objects.all(), user)
    if user.has_perm("vetting.give_opinion") and user.department:
        return CandidateCase.objects.filter(
            pk__in=DepartmentOpinion.objects.filter(department=user.department).values("case_id")
        )
    raise PermissionDenied


def cases_with_related(queryset: QuerySet[CandidateCase]) -> QuerySet[CandidateCase]:
    """What the case list and its export show, in a constant number of queries."""
    return (
        queryset.select_related("village__township", "nominated_by", "decided_by")
        .annotate(
            hits_total=Count("hits", distinct=True),
            relative_hits=Count("relatives__hits", distinct=True),
        )
        # Grouped queries drop the model's default ordering; pages need a stable one.
        .order_by("-created_at", "-pk")
    )


def case_queue(user) -> QuerySet[CandidateCase]:
    """What waits for the user, by role: returned and draft cases for nominators,
    township review for township reviewers, district review for the district, pending
    opinions for a department; none that separation of duties bars the user from."""
    waiting = Q(pk__in=[])
    if user.has_perm("vetting.nominate_candidate"):
        waiting |= Q(state__in=["draft", "returned"], nominated_by=user)
    if user.has_perm("vetting.review_township"):
        waiting |= Q(state="township_review") & ~workflow.acted_in(
            user, workflow.BARRED_BY[workflow.TOWNSHIP]
        )
    if user.has_perm("vetting.review_district"):
        waiting |= Q(state="district_review") & ~workflow.acted_in(
            user, workflow.BARRED_BY[workflow.DISTRICT]
        )
    if user.has_perm("vetting.give_opinion") and user.department:
        waiting |= Q(
            state="district_review",
            pk__in=DepartmentOpinion.objects.filter(
                department=user.department, verdict=DepartmentOpinion.Verdict.PENDING
            ).values("case_id"),
        ) & ~workflow.acted_in(user, workflow.BARRED_BY[workflow.OPINION])
    return cases_visible(user).filter(waiting)


def pipeline_counts(queryset: QuerySet[CandidateCase]) -> list[dict]:
    """Cases per township and state: [{township, counts: {state: n}, total}], one query."""
    rows = (
        queryset.order_by()
        .values("village__township__name", "state")
        .annotate(n=Count("pk"))
        .order_by("village__township__name")
    )
    table: dict[str, dict] = {}
    for row in rows:
        entry = table.setdefault(
            row["village__township__name"],
            {"township": row["village__township__name"], "counts": {}, "total": 0},
        )
        entry["counts"][row["state"]] = row["n"]
        entry["total"] += row["n"]
    return list(table.values())


def opinions_followed(user) -> QuerySet[DepartmentOpinion]:
    """The opinions a user follows: the district's reviewers every opinion in their scope, a
    joint-review department its own department's. Other users follow none (PermissionDenied)."""
    if user.has_perm("vetting.review_district"):
        return scope(DepartmentOpinion.objects.all(), user)
    if user.has_perm("vetting.give_opinion") and user.department:
        return DepartmentOpinion.objects.filter(department=user.department)
    raise PermissionDenied


def opinions_awaited(queryset: QuerySet[DepartmentOpinion]) -> QuerySet[DepartmentOpinion]:
    """Opinions still to come on cases under district review, oldest due first."""
    return (
        queryset.filter(
            verdict=DepartmentOpinion.Verdict.PENDING,
            case__state=CandidateCase.State.DISTRICT_REVIEW,
        )
        .select_related("case__village__township")
        .order_by("due_on", "pk")
    )


def opinions_overdue(
    queryset: QuerySet[DepartmentOpinion], today: dt.date
) -> QuerySet[DepartmentOpinion]:
    return opinions_awaited(queryset).filter(due_on__lt=today)
