"""Each village's stage in the general election, derived from the data, never stored.

提名 (no candidate submitted yet) → 联审 (candidates in the township or district review) →
选举 (every candidate decided, results not in) → 结果录入 (results entered, not confirmed) →
交接 (confirmed, handovers outstanding) → 备案 (confirmed, waiting for the district's filing)
→ 完成 (filed).

交接 comes from handovers, which belong to supervision; vetting cannot import it (DESIGN.md
§2). The project registers a query with ``handover_query_register`` (in an AppConfig.ready()
of an app that may read both); until one is registered the stage is not tracked: confirmed
villages go straight to 备案 and ``handovers_tracked()`` is False, which the pages say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vetting.models import CandidateCase, ElectionVillage

State = CandidateCase.State

NOMINATION, JOINT_REVIEW, ELECTION, RESULTS, HANDOVER, FILING, DONE = (
    "nomination",
    "joint_review",
    "election",
    "results",
    "handover",
    "filing",
    "done",
)
STAGES = {
    NOMINATION: pgettext_lazy("election stage", "Nomination"),
    JOINT_REVIEW: pgettext_lazy("election stage", "Joint review"),
    ELECTION: pgettext_lazy("election stage", "Election"),
    RESULTS: _("Results entry"),
    HANDOVER: pgettext_lazy("election stage", "Handover"),
    FILING: _("Filing"),
    DONE: pgettext_lazy("election stage", "Done"),
}
# Drafts are still being nominated; a returned case is back with the nominator but under
# review all the same (the 联审 deadline counts it as not cleared).
PENDING_STATES = (State.TOWNSHIP_REVIEW, State.DISTRICT_REVIEW, State.RETURNED)

# (village ids of the confirmed ElectionVillages given) → the ids among them whose handovers
# are not all confirmed. One query for any number of villages.
HandoverQuery = Callable[[list[ElectionVillage]], set[int]]
_handover_query: HandoverQuery | None = None


def handover_query_register(query: HandoverQuery | None) -> None:
    global _handover_query
    _handover_query = query


def handovers_tracked() -> bool:
    return _handover_query is not None


def with_counts(villages: QuerySet[ElectionVillage]) -> QuerySet[ElectionVillage]:
    """Annotate what the stage is derived from: the village's cases in this election by
    state, and its results (two subquery counts, whatever the number of villages)."""
    cases = "village__candidate_cases"
    in_election = Q(**{f"{cases}__election_id": F("plan__election_id")})
    return villages.annotate(
        pending_cases=Count(
            cases, filter=in_election & Q(**{f"{cases}__state__in": PENDING_STATES}), distinct=True
        ),
        approved_cases=Count(
            cases, filter=in_election & Q(**{f"{cases}__state": State.APPROVED}), distinct=True
        ),
        result_count=Count("results", distinct=True),
    )


def stage_of(village: ElectionVillage, handover_pending: Iterable[int] = ()) -> str:
    if village.filed_on is not None:
        return DONE
    if village.confirmed_at is not None:
        return HANDOVER if village.pk in handover_pending else FILING
    if village.result_count:
        return RESULTS
    if village.pending_cases:
        return JOINT_REVIEW
    if village.approved_cases:
        return ELECTION
    return NOMINATION


def with_stages(villages: list[ElectionVillage]) -> list[ElectionVillage]:
    """Set ``stage`` and ``stage_label`` on villages annotated by ``with_counts``."""
    confirmed = [v for v in villages if v.confirmed_at is not None and v.filed_on is None]
    pending = _handover_query(confirmed) if (_handover_query and confirmed) else set()
    for village in villages:
        village.stage = stage_of(village, pending)
        village.stage_label = STAGES[village.stage]
    return villages


def not_cleared(villages: QuerySet[ElectionVillage], on: dt.date) -> QuerySet[ElectionVillage]:
    """Villages whose candidates are not all cleared while the plan's 联审 deadline has come
    (on or before ``on``): some case still under review, or none approved at all."""
    return (
        with_counts(villages)
        .filter(plan__joint_review_deadline__lte=on, confirmed_at__isnull=True)
        .filter(Q(pending_cases__gt=0) | Q(approved_cases=0))
    )
