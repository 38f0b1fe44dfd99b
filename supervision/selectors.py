"""Reads of the supervision app: who sees what, and what is overdue or due.

Every "overdue" and "due" computation takes ``today`` (a date in Asia/Shanghai,
``timezone.localdate()`` by default) so that tests can freeze time.
"""

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cadres.choices import Department
from cadres.models import Person, Post, Village
from cadres.scoping import scope, sees_all_townships
from supervision.models import (
    Audit,
    Disclosure,
    DisclosureKind,
    DisclosureSchedule,
    Handover,
    MisconductCase,
    SupervisionRecord,
)

AGRICULTURE_PERM = "supervision.record_agriculture_supervision"

# Term-end and departure audits are economic-responsibility audits: they concern the
# two committees (村“两委”), who handle the village's money; group leaders and the
# supervision committee are not audited on leaving.
AUDITED_BODIES = (Post.Body.PARTY_BRANCH, Post.Body.VILLAGERS_COMMITTEE)

# Used when the district has not saved a schedule row for a kind (the migration makes them).
DEFAULT_SCHEDULE = {
    DisclosureKind.PARTY: (DisclosureSchedule.Period.QUARTERLY, 10),
    DisclosureKind.VILLAGE: (DisclosureSchedule.Period.QUARTERLY, 10),
    DisclosureKind.FINANCE: (DisclosureSchedule.Period.MONTHLY, 10),
}


def today() -> dt.date:
    return timezone.localdate()


def is_agriculture_bureau(user) -> bool:
    """A 联审部门 user of the agriculture and rural affairs bureau (the third supervision tier)."""
    return (
        user.is_authenticated
        and getattr(user, "department", "") == Department.AGRICULTURE
        and user.has_perm(AGRICULTURE_PERM)
    )


def visible_records(user) -> QuerySet[SupervisionRecord]:
    """Records in the user's townships; the agriculture bureau also sees its own tier everywhere."""
    records = SupervisionRecord.objects.all()
    if is_agriculture_bureau(user) and not sees_all_townships(user):
        return records.filter(
            Q(pk__in=scope(records, user).values("pk"))
            | Q(tier=SupervisionRecord.Tier.AGRICULTURE_BUREAU)
        )
    return scope(records, user)


def record_villages(user) -> QuerySet[Village]:
    """Villages the user may record supervision for."""
    if is_agriculture_bureau(user):
        return Village.objects.select_related("township")
    return scope(Village.objects.select_related("township"), user)


def village_cadres(village: Village) -> QuerySet[Person]:
    """People who may be named in a village's records: who held a post there or live there."""
    return Person.objects.filter(
        Q(pk__in=Post.objects.filter(village=village).values("person_id")) | Q(home_village=village)
    )


def overdue_rectifications(
    records: QuerySet[SupervisionRecord], on: dt.date | None = None
) -> QuerySet[SupervisionRecord]:
    """Rectifications whose deadline has passed (the deadline day itself is still in time)."""
    return records.filter(rectified_on__isnull=True, rectification_deadline__lt=on or today())


# A post ended by a general election (换届) ends with its term, as at term end: the holder's
# term is audited; an adjustment (调整) during the term is a departure.
TERM_OVER_REASONS = (Post.EndReason.TERM_EXPIRED, Post.EndReason.ELECTION)


def posts_due_for_audit(user, on: dt.date | None = None) -> QuerySet[Post]:
    """Posts of the two committees whose term-end or departure audit is due and not yet opened.

    * term-end audit: the term has run out while the post is still held, or the post
      ended because its term expired;
    * departure audit: the post ended for any other reason (resigned, recalled …).

    Any audit of the right kind, planned or later, takes the post off this list.
    Each row is annotated with ``due_kind`` (an Audit.Kind value).
    """
    on = on or today()
    departed = Q(ended_on__isnull=False) & ~Q(end_reason__in=TERM_OVER_REASONS)
    term_over = Q(ended_on__isnull=True, term_end__lte=on) | Q(end_reason__in=TERM_OVER_REASONS)

    # Set membership, not EXISTS: under the OR, an EXISTS is asked once per post (150 ms at
    # 100,000 posts), a set is hashed once.
    def audited(kind: str) -> Q:
        return Q(pk__in=Audit.objects.filter(kind=kind, post__isnull=False).values("post"))

    has_term_audit = audited(Audit.Kind.TERM_END)
    has_departure_audit = audited(Audit.Kind.DEPARTURE)
    return (
        scope(Post.objects.filter(body__in=AUDITED_BODIES), user)
        .filter((term_over & ~has_term_audit) | (departed & ~has_departure_audit))
        .annotate(
            due_kind=Case(
                When(departed, then=Value(Audit.Kind.DEPARTURE.value)),
                default=Value(Audit.Kind.TERM_END.value),
            )
        )
        .select_related("person", "village__township")
    )


def audit_kind_due_for(post: Post) -> str:
    """Which audit a post calls for: departure if it ended early, term-end otherwise."""
    if post.ended_on is not None and post.end_reason not in TERM_OVER_REASONS:
        return Audit.Kind.DEPARTURE
    return Audit.Kind.TERM_END


# Disclosure periods ------------------------------------------------------------------


def schedules() -> dict[str, tuple[str, int]]:
    """kind → (period, grace days), the district's settings over the defaults."""
    result = dict(DEFAULT_SCHEDULE)
    for row in DisclosureSchedule.objects.all():
        result[row.kind] = (row.period, row.grace_days)
    return result


def period_start(day: dt.date, period: str) -> dt.date:
    if period == DisclosureSchedule.Period.MONTHLY:
        return day.replace(day=1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_deadline(start: dt.date, grace_days: int) -> dt.date:
    """The last day on which a period's disclosure is in time: its grace_days-th day."""
    return start + dt.timedelta(days=grace_days - 1)


def period_label(start: dt.date, period: str) -> str:
    if period == DisclosureSchedule.Period.MONTHLY:
        return f"{start.year}年{start.month}月"
    return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"


@dataclass(frozen=True)
class OverdueDisclosure:
    village: Village
    kind: str
    period_start: dt.date
    period_label: str
    deadline: dt.date

    @property
    def kind_label(self) -> str:
        return str(DisclosureKind(self.kind).label)


def _overdue_by_kind(villages: QuerySet[Village], on: dt.date, kind: str = ""):
    """(kind, period start, deadline, the villages without that disclosure) for each kind
    whose current period's deadline has passed. A village that had ended by ``on`` (merged,
    split) owes nothing: the village that followed it discloses."""
    villages = villages.valid_on(on)
    for each_kind, (period, grace) in schedules().items():
        if kind and each_kind != kind:
            continue
        start = period_start(on, period)
        deadline = period_deadline(start, grace)
        if on <= deadline:
            continue
        published = Disclosure.objects.filter(
            village=OuterRef("pk"), kind=each_kind, period_start=start
        )
        yield each_kind, period, start, deadline, villages.filter(~Exists(published))


def overdue_disclosures(
    villages: QuerySet[Village], on: dt.date | None = None, kind: str = ""
) -> list[OverdueDisclosure]:
    """Villages without a disclosure of a kind for the current period once its deadline has passed.

    One query per kind (three at most), whatever the number of villages.
    """
    on = on or today()
    rows: list[OverdueDisclosure] = []
    for each_kind, period, start, deadline, late in _overdue_by_kind(villages, on, kind):
        label = period_label(start, period)
        rows.extend(
            OverdueDisclosure(village, each_kind, start, label, deadline)
            for village in late.select_related("township")
        )
    rows.sort(key=lambda row: (row.village.code, row.kind))
    return rows


def overdue_disclosure_counts(
    villages: QuerySet[Village], on: dt.date | None = None
) -> dict[str, int]:
    """How many rows ``overdue_disclosures`` lists, per township name, counted by the
    database (the dashboard and the district's to-do overview: a district has thousands)."""
    on = on or today()
    counts: dict[str, int] = {}
    for *_head, late in _overdue_by_kind(villages, on):
        for row in late.order_by().values("township__name").annotate(n=Count("pk")):
            name = row["township__name"]
            counts[name] = counts.get(name, 0) + row["n"]
    return counts


def villages_late_with_disclosures(
    villages: QuerySet[Village], on: dt.date | None = None
) -> QuerySet[Village]:
    """The villages that ``overdue_disclosures`` lists under any kind, as one query (the
    warning lights join the serving posts to it instead of a check for each post)."""
    on = on or today()
    late = [Q(pk__in=each.values("pk")) for *_head, each in _overdue_by_kind(villages, on)]
    return villages.filter(reduce(operator.or_, late)) if late else villages.none()


def person_cases(person: Person, user) -> QuerySet[MisconductCase]:
    """A person's misconduct cases, as the user may see them (for the profile)."""
    return scope(MisconductCase.objects.filter(person=person), user).select_related("village")


# Handovers (移交) -------------------------------------------------------------------------

# The bodies whose posts are handed over when a general election ends them: the village
# committees, which hold the seals, the accounts, the archives and the assets. A group
# leader's handover, or one for a post that ended otherwise, is opened by hand.
HANDOVER_BODIES = (
    Post.Body.PARTY_BRANCH,
    Post.Body.VILLAGERS_COMMITTEE,
    Post.Body.SUPERVISION_COMMITTEE,
)
# 村民委员会组织法 第十五条: the outgoing committee hands over within ten days of the new
# committee's election (印章、办公场所、办公用具、集体财务账目、固定资产、工作档案、债权债务).
# The district's rule (the to-do deadlines, which belong to the project) starts from it.
HANDOVER_DAYS = 10

# The district's days live in a versioned rule of the project, which this app cannot import
# (DESIGN.md §2): the project registers how to read them (dongchang.receivers).
_handover_days: Callable[[], int] | None = None


def handover_days_register(provider: Callable[[], int] | None) -> None:
    global _handover_days
    _handover_days = provider


def handover_days() -> int:
    """Days from an election to its handovers' due date, under the rule in force."""
    return _handover_days() if _handover_days is not None else HANDOVER_DAYS


def handover_due_on(ended_on: dt.date, days: int | None = None) -> dt.date:
    return ended_on + dt.timedelta(days=handover_days() if days is None else days)


def _group_key(path: str):
    return Coalesce(path, Value(0), output_field=IntegerField())


def incoming_candidates(prefix: str = "outgoing_post__") -> QuerySet[Post]:
    """The posts that may take over an outgoing post, for a correlated subquery on handovers
    (``prefix`` the path from the outer row to the outgoing post): the same title of the same
    body (and villager group) in the same village, begun on or after the day it ended, held
    by someone else."""
    return (
        Post.objects.annotate(group_key=_group_key("villager_group_id"))
        .filter(
            village_id=OuterRef(f"{prefix}village_id"),
            body=OuterRef(f"{prefix}body"),
            title=OuterRef(f"{prefix}title"),
            term_start__gte=OuterRef(f"{prefix}ended_on"),
            group_key=_group_key(OuterRef(f"{prefix}villager_group_id")),
        )
        .exclude(person_id=OuterRef(f"{prefix}person_id"))
        .order_by()
    )


def with_incoming(handovers: QuerySet[Handover]) -> QuerySet[Handover]:
    """Annotate each handover with the incoming holder as far as it is known, set-wise (two
    correlated subqueries, whatever the number of rows):

    * ``resolved_post_id``: the incoming post named on the handover, or else the one post of
      the register that fits (``incoming_candidates``); None while none or several fit;
    * ``resolved_person_id``: the incoming person named, or else that post's holder.

    The register's answer is read at each read, so a post started after the handover opened
    (the new committee's, confirmed by the election) is found without any event; it is stored
    on the handover at its next write (``services``).
    """
    candidates = incoming_candidates()
    only = Q(incoming_person__isnull=True, candidate_count=1)
    return handovers.annotate(candidate_count=_candidate_count(candidates)).annotate(
        resolved_post_id=Case(
            When(incoming_post__isnull=False, then="incoming_post_id"),
            When(only, then=Subquery(candidates.values("pk")[:1])),
            default=None,
            output_field=IntegerField(),
        ),
        resolved_person_id=Case(
            When(incoming_person__isnull=False, then="incoming_person_id"),
            When(only, then=Subquery(candidates.values("person_id")[:1])),
            default=None,
            output_field=IntegerField(),
        ),
    )


def _candidate_count(candidates: QuerySet[Post]) -> Subquery:
    return Subquery(
        candidates.values("village_id").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def with_successor(posts: QuerySet[Post]) -> QuerySet[Post]:
    """Annotate ended posts with ``successor_post_id`` and ``successor_person_id``: the one
    post of the register that takes each over (``incoming_candidates``), None while none or
    several fit; what a handover opened on the post names at once. Two correlated subqueries,
    whatever the number of rows."""
    candidates = incoming_candidates(prefix="")
    only = Q(candidate_count=1)
    return posts.annotate(candidate_count=_candidate_count(candidates)).annotate(
        successor_post_id=Case(
            When(only, then=Subquery(candidates.values("pk")[:1])),
            default=None,
            output_field=IntegerField(),
        ),
        successor_person_id=Case(
            When(only, then=Subquery(candidates.values("person_id")[:1])),
            default=None,
            output_field=IntegerField(),
        ),
    )


def handovers(user) -> QuerySet[Handover]:
    """The handovers of the user's townships, with what their pages show."""
    return with_incoming(
        scope(
            Handover.objects.select_related(
                "village__township", "outgoing_post__person", "incoming_person"
            ),
            user,
        )
    )


def incoming_holders_attach(rows) -> None:
    """Give each row (annotated by ``with_incoming``) ``incoming_holder``: the Person or None,
    read in one query for all of them."""
    ids = {row.resolved_person_id for row in rows if row.resolved_person_id}
    people = Person.objects.only("pk", "name").in_bulk(ids)
    for row in rows:
        row.incoming_holder = people.get(row.resolved_person_id)


def overdue_handovers(user, today: dt.date | None = None) -> QuerySet[Handover]:
    """Handovers of the user's townships not completed by their due date (the due day itself
    is still in time); for the to-do centre and the list's filter."""
    return handovers_overdue(handovers(user), today)


def handovers_overdue(rows: QuerySet[Handover], on: dt.date | None = None) -> QuerySet[Handover]:
    return rows.filter(state=Handover.State.OPEN, due_on__lt=on or today())


def handover_posts(user) -> QuerySet[Post]:
    """Ended posts of the user's townships that have no handover: what may be opened by hand."""
    return (
        scope(Post.objects.filter(ended_on__isnull=False, handover__isnull=True), user)
        .select_related("person", "village__township")
        .order_by("-ended_on", "village__code", "pk")
    )
