"""The to-do centre (待办中心): what waits for the user, each item linked, with its deadline.

``items_for(user, today)`` gives every item the user can act on, oldest first; ``groups_for``
gives the home page's groups (a count, how many are overdue, the oldest items and the list
page with all of them); ``overdue_by_township`` gives the district every township's overdue
counts per kind.

Each kind is counted only for the roles that can act on it, within their townships, and is
one query over a set of rows (never a query per item): a kind's rows carry the day they
became due to act on (``todo_since``), their township's name (``todo_township``) and, where
the record keeps its own deadline, that date (``todo_due``). Other kinds are due a number of
days after ``todo_since`` by the district's TodoDeadlines in force (``deadline_field``).

A few kinds only count (``CountOnly``): they have no deadline of their own.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.choices import Light
from cadres.models import IdNumberConflict, Post, Village
from cadres.records import selectors as records
from cadres.records.models import AnnualEvaluation, PersonalReport, SecretaryChange, SecretaryFiling
from cadres.scoping import scope, sees_all_townships, user_townships
from cadres.selectors import strict_control_people
from cadres.services import STRICT_CONTROL_PERM, require_perm
from dongchang.models import TodoDeadlines, WarningLightChange
from supervision import selectors as supervision
from supervision.models import Handover
from vetting import selectors as vetting
from vetting.models import CandidateCase, CaseTransition, Hit, RemovalCase
from vetting.rules import eligibility_review_count

CHANGE_PERM = "dongchang.add_tododeadlines"
# The home page shows the oldest items of each kind; "查看全部" opens the kind's list page.
ITEMS_SHOWN = 5
# How far back the district's to-do counts the ID numbers tried outside their townships.
ID_CONFLICT_DAYS = 30
# "Lights turned red this week": changes to red in the last seven days, still red.
RED_LIGHT_WINDOW = 7


@dataclass(frozen=True)
class TodoItem:
    kind: str
    # Stable per item (kind and record), for reminders that must not repeat.
    key: str
    label: str
    url: str
    township: str
    since: dt.date
    due_on: dt.date
    overdue: bool
    days_overdue: int
    # The TodoDeadlines version the due date was computed under (None: the record's own date).
    rules: int | None = None


@dataclass
class TodoGroup:
    kind: str
    label: str
    count: int
    url: str
    overdue: int = 0
    items: list[TodoItem] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


def active_deadlines() -> TodoDeadlines:
    """The deadlines in force; the fields' defaults (unsaved) if the district has none."""
    return TodoDeadlines.objects.filter(active=True).first() or TodoDeadlines()


def _person_township(today: dt.date, person: str = "pk") -> Subquery:
    """The township of a person's first serving post (by village code), for rows whose
    ``person`` column is a person's id."""
    posts = Post.objects.serving(today).filter(person=OuterRef(person))
    return Subquery(posts.order_by("village__code").values("village__township__name")[:1])


# The kinds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of work item over a queryset.

    ``rows(user, today, deadlines)`` gives the user's rows (scoped, annotated with
    ``todo_since`` and ``todo_township``, and ``todo_due`` where ``deadline_field`` is empty);
    ``oversight`` the same rows for the district's overview, whoever in the townships acts on
    them (defaults to ``rows``)."""

    code: str
    label: object  # a lazy string
    acts: Callable[[object], bool]
    rows: Callable
    item_label: Callable[[object], str]
    item_url: Callable[[object], str]
    list_url: Callable[[object], str]
    deadline_field: str = ""
    oversight: Callable | None = None
    select: tuple[str, ...] = ()

    def due(self, row, deadlines: TodoDeadlines) -> dt.date:
        if self.deadline_field:
            return _due_after(row.todo_since, deadlines, self.deadline_field)
        return row.todo_due

    def overdue_q(self, today: dt.date, deadlines: TodoDeadlines) -> Q:
        if self.deadline_field == "evaluation_month":
            start = dt.date(today.year, deadlines.evaluation_month, 1)
            due = _due_after(start, deadlines, "evaluation_month")
            return Q(pk__isnull=False) if due < today else Q(pk__in=[])
        if self.deadline_field:
            days = getattr(deadlines, self.deadline_field)
            return Q(todo_since__lt=today - dt.timedelta(days=days))
        return Q(todo_due__lt=today)

    def item(self, row, today: dt.date, deadlines: TodoDeadlines) -> TodoItem:
        due = self.due(row, deadlines)
        late = max((today - due).days, 0)
        return TodoItem(
            kind=self.code,
            key=f"{self.code}:{row.pk}",
            label=self.item_label(row),
            url=self.item_url(row),
            township=row.todo_township or "",
            since=row.todo_since,
            due_on=due,
            overdue=late > 0,
            days_overdue=late,
            rules=deadlines.pk if self.deadline_field else None,
        )


def _due_after(since: dt.date, deadlines: TodoDeadlines, name: str) -> dt.date:
    if name == "evaluation_month":
        month = deadlines.evaluation_month
        return dt.date(since.year, month, calendar.monthrange(since.year, month)[1])
    return since + dt.timedelta(days=getattr(deadlines, name))


def _perm(name: str) -> Callable[[object], bool]:
    return lambda user: user.has_perm(name)


def _const(url_name: str, query: str = "") -> Callable[[object], str]:
    return lambda user: reverse(url_name) + query


def _may_open_cases(name: str) -> Callable[[object], bool]:
    """A role that acts on cases and may open them (the administrator holds the workflow's
    permissions but opens no case)."""
    return lambda user: user.has_perm(name) and user.has_perm("vetting.view_candidatecase")


def _case_url(row) -> str:
    return reverse("vetting:case_detail", args=[row.pk])


def _cases(state: str, since) -> Callable:
    def rows(user, today, deadlines, oversight=False):
        cases = (
            scope(CandidateCase.objects.filter(state=state), user)
            if oversight
            else vetting.case_queue(user).filter(state=state)
        )
        return cases.annotate(todo_since=since, todo_township=F("village__township__name"))

    return rows


def _entered(state: str):
    """The day a case last entered ``state`` (its latest transition to it)."""
    last = CaseTransition.objects.filter(case=OuterRef("pk"), to_state=state).order_by("-at")
    return Coalesce(TruncDate(Subquery(last.values("at")[:1])), TruncDate("submitted_at"))


def _case_label(row) -> str:
    return f"{row.name} → {row.village.name}{row.get_title_display()}"


def _opinions(user, today, deadlines, oversight=False):
    return vetting.opinions_awaited(vetting.opinions_followed(user)).annotate(
        todo_since=TruncDate("created_at"),
        todo_due=F("due_on"),
        todo_township=F("case__village__township__name"),
    )


def _opinion_label(row) -> str:
    return f"{row.case.name}：{row.get_department_display()}"


def _opinions_list(user) -> str:
    if user.has_perm("vetting.review_district"):
        return reverse("vetting:opinions_overdue")
    return reverse("vetting:case_queue")


def _hits(user, today, deadlines, oversight=False):
    return scope(Hit.objects.filter(status=Hit.Status.PENDING), user).annotate(
        todo_since=TruncDate(Coalesce("reopened_at", "created_at")),
        todo_township=F("township__name"),
    )


def _removals(user, today, deadlines, oversight=False):
    return scope(RemovalCase.objects.filter(status=RemovalCase.Status.OPEN), user).annotate(
        todo_since=TruncDate("created_at"), todo_township=F("township__name")
    )


def _filings(user, today, deadlines, oversight=False):
    return (
        records.filings(user)
        .filter(status=SecretaryFiling.Status.SUBMITTED)
        .annotate(todo_since=TruncDate("created_at"), todo_township=F("village__township__name"))
    )


def _reports(user, today, deadlines, oversight=False):
    return (
        records.personal_reports(user)
        .filter(status=PersonalReport.Status.SUBMITTED)
        .annotate(todo_since=TruncDate("created_at"), todo_township=F("village__township__name"))
    )


def _changes(status: str, since: str):
    def rows(user, today, deadlines, oversight=False):
        changes = records.secretary_changes(user).filter(status=status)
        return changes.annotate(
            todo_since=TruncDate(since), todo_township=F("village__township__name")
        )

    return rows


def _audits(user, today, deadlines, oversight=False):
    return supervision.posts_due_for_audit(user, today).annotate(
        todo_since=Coalesce("ended_on", "term_end"), todo_township=F("village__township__name")
    )


def _rectifications(user, today, deadlines, oversight=False):
    overdue = supervision.overdue_rectifications(supervision.visible_records(user), today)
    return overdue.annotate(
        todo_since=F("rectification_deadline"),
        todo_due=F("rectification_deadline"),
        todo_township=F("village__township__name"),
    )


def _handovers(user, today, deadlines, oversight=False):
    # A handover keeps its own due date (set when the election ended the post, editable).
    open_ = scope(Handover.objects.filter(state=Handover.State.OPEN), user)
    return open_.annotate(
        todo_since=F("opened_on"), todo_due=F("due_on"), todo_township=F("village__township__name")
    )


def _strict_control(user, today, deadlines, oversight=False):
    return (
        strict_control_people(user)
        .strict_control_due(today)
        .annotate(
            todo_since=F("strict_control_review_on"),
            todo_due=F("strict_control_review_on"),
            todo_township=_person_township(today),
        )
    )


def _evaluations(user, today, deadlines, oversight=False):
    """Serving village party secretaries without an evaluation of this year, listed from the
    first day of the district's evaluation month."""
    month = deadlines.evaluation_month
    posts = Post.objects.none()
    if today.month >= month:
        evaluated = AnnualEvaluation.objects.filter(
            person=OuterRef("person"), village=OuterRef("village"), year=today.year
        )
        posts = (
            scope(Post.objects.serving(today), user)
            .filter(body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
            .exclude(Exists(evaluated))
        )
    start = dt.date(today.year, month, 1)
    return posts.annotate(
        todo_since=Value(start, output_field=DateField()),
        todo_township=F("village__township__name"),
    )


def _red_lights(user, today, deadlines, oversight=False):
    # From the first day's midnight, local time: a range on the column itself, which the
    # index on (light_to, at) serves (a date taken of every row's time would read them all).
    since = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=RED_LIGHT_WINDOW - 1), dt.time.min)
    )
    changes = WarningLightChange.objects.filter(
        light_to=Light.RED, at__gte=since, person__warning_light__light=Light.RED
    )
    return scope(changes, user).annotate(
        todo_since=TruncDate("at"), todo_township=_person_township(today, "person_id")
    )


def _person_url(person_id: int) -> str:
    return reverse("cadres:detail", args=[person_id])


KINDS: tuple[Kind, ...] = (
    Kind(
        "case_township_review",
        gettext_lazy("Candidates awaiting township preliminary review"),
        _may_open_cases("vetting.review_township"),
        _cases(CandidateCase.State.TOWNSHIP_REVIEW, TruncDate("submitted_at")),
        _case_label,
        _case_url,
        _const("vetting:case_queue"),
        deadline_field="case_township_review_days",
        select=("village__township",),
    ),
    Kind(
        "case_district_review",
        gettext_lazy("Candidates awaiting district joint review"),
        _may_open_cases("vetting.review_district"),
        _cases(CandidateCase.State.DISTRICT_REVIEW, _entered("district_review")),
        _case_label,
        _case_url,
        _const("vetting:case_queue"),
        deadline_field="case_district_review_days",
        select=("village__township",),
    ),
    Kind(
        "case_returned",
        gettext_lazy("Candidates returned for revision"),
        _may_open_cases("vetting.nominate_candidate"),
        _cases(CandidateCase.State.RETURNED, _entered("returned")),
        _case_label,
        _case_url,
        _const("vetting:case_queue"),
        deadline_field="case_returned_days",
        select=("village__township",),
    ),
    Kind(
        "opinion",
        gettext_lazy("Department opinions awaited"),
        lambda user: (
            user.has_perm("vetting.review_district")
            or bool(user.has_perm("vetting.give_opinion") and user.department)
        ),
        _opinions,
        _opinion_label,
        lambda row: reverse("vetting:case_detail", args=[row.case_id]),
        _opinions_list,
    ),
    Kind(
        "hit_review",
        gettext_lazy("Screening hits awaiting review"),
        _perm("vetting.review_hit"),
        _hits,
        lambda row: f"{row.entry.name}（{row.get_match_kind_display()}）",
        lambda row: reverse("vetting:hit_detail", args=[row.pk]),
        _const("vetting:hit_list", "?status=pending"),
        deadline_field="hit_review_days",
        select=("entry",),
    ),
    Kind(
        "removal_decision",
        gettext_lazy("Removal cases awaiting a decision"),
        _perm("vetting.decide_removal"),
        _removals,
        lambda row: row.person.name,
        lambda row: reverse("vetting:removal_detail", args=[row.pk]),
        _const("vetting:removal_list"),
        deadline_field="removal_decision_days",
        select=("person",),
    ),
    Kind(
        "strict_control_review",
        gettext_lazy("Strict-control reviews due"),
        _perm(STRICT_CONTROL_PERM),
        _strict_control,
        lambda row: row.name,
        lambda row: _person_url(row.pk),
        _const("cadres:strict_control_list", "?due=yes"),
    ),
    Kind(
        "filing_confirm",
        gettext_lazy("Secretary filings awaiting confirmation"),
        _perm("records.confirm_secretaryfiling"),
        _filings,
        lambda row: f"{row.village.name} {row.person.name}",
        lambda row: reverse("cadres:records:filing_detail", args=[row.pk]),
        _const("cadres:records:filing_list", "?status=submitted"),
        deadline_field="filing_confirm_days",
        select=("village__township", "person"),
    ),
    Kind(
        "report_review",
        gettext_lazy("Personal matters reports awaiting review"),
        _perm("records.review_personalreport"),
        _reports,
        lambda row: f"{row.person.name} {row.year} {row.get_kind_display()}",
        lambda row: reverse("cadres:records:report_detail", args=[row.pk]),
        _const("cadres:records:report_list", "?status=submitted"),
        deadline_field="report_review_days",
        select=("person",),
    ),
    Kind(
        "change_request",
        gettext_lazy("Secretary change requests awaiting approval"),
        _perm("records.decide_secretarychange"),
        _changes(SecretaryChange.Status.REQUESTED, "created_at"),
        lambda row: f"{row.village.name} {row.person.name}",
        lambda row: reverse("cadres:records:change_detail", args=[row.pk]),
        _const("cadres:records:change_list", "?status=requested"),
        deadline_field="change_request_days",
        select=("village", "person"),
    ),
    Kind(
        "change_returned",
        gettext_lazy("Secretary change requests returned by the district"),
        _perm("records.change_secretarychange"),
        _changes(SecretaryChange.Status.RETURNED, "decided_at"),
        lambda row: f"{row.village.name} {row.person.name}",
        lambda row: reverse("cadres:records:change_detail", args=[row.pk]),
        _const("cadres:records:change_list", "?status=returned"),
        deadline_field="change_returned_days",
        select=("village", "person"),
    ),
    Kind(
        "audit_due",
        gettext_lazy("Posts whose audit is due"),
        _perm("supervision.add_audit"),
        _audits,
        lambda row: f"{row.village.name} {row.person.name} {row.get_title_display()}",
        lambda row: f"{reverse('supervision:audit_create')}?post={row.pk}",
        _const("supervision:audit_due_list"),
        deadline_field="audit_start_days",
    ),
    Kind(
        "rectification_overdue",
        gettext_lazy("Overdue rectifications"),
        _perm("supervision.change_supervisionrecord"),
        _rectifications,
        lambda row: f"{row.village.name}：{row.rectification[:30]}",
        lambda row: reverse("supervision:record_detail", args=[row.pk]),
        _const("supervision:record_overdue"),
        select=("village",),
    ),
    Kind(
        "handover",
        gettext_lazy("Handovers not yet completed"),
        _perm("supervision.change_handover"),
        _handovers,
        lambda row: f"{row.village.name} {row.outgoing_post.person.name}",
        lambda row: reverse("supervision:handover_detail", args=[row.pk]),
        _const("supervision:handover_list", "?state=open"),
        select=("village", "outgoing_post__person"),
    ),
    Kind(
        "evaluation_missing",
        gettext_lazy("Party secretaries not yet evaluated this year"),
        _perm("records.add_annualevaluation"),
        _evaluations,
        lambda row: f"{row.village.name} {row.person.name}",
        lambda row: f"{reverse('cadres:records:evaluation_create')}?person={row.person_id}",
        _const("cadres:records:evaluation_list"),
        deadline_field="evaluation_month",
        select=("village", "person"),
    ),
    Kind(
        "light_red",
        gettext_lazy("Cadres whose light turned red this week"),
        # Who looks into a red light: the townships that keep the register, and the district
        # that keeps the rules.
        lambda user: (
            user.has_perm("cadres.change_person") or user.has_perm("dongchang.view_warningrules")
        ),
        _red_lights,
        lambda row: row.person.name,
        lambda row: _person_url(row.person_id),
        _const("cadres:list", "?light=red"),
        deadline_field="light_red_days",
        select=("person",),
    ),
)
KINDS_BY_CODE = {kind.code: kind for kind in KINDS}
DISCLOSURE = "disclosure_overdue"
DISCLOSURE_LABEL = gettext_lazy("Overdue affairs disclosures")


def kind_label(code: str):
    """The label of a kind of item, the disclosures' included."""
    return DISCLOSURE_LABEL if code == DISCLOSURE else KINDS_BY_CODE[code].label


def _may_disclose(user) -> bool:
    return user.has_perm("supervision.add_disclosure")


def _disclosure_items(user, today: dt.date) -> list[TodoItem]:
    """Overdue disclosures come from the schedule (supervision's selector, a query per kind)."""
    rows = supervision.overdue_disclosures(scope(Village.objects.all(), user), today)
    url = reverse("supervision:disclosure_create")
    items = [
        TodoItem(
            kind=DISCLOSURE,
            key=f"{DISCLOSURE}:{row.village.pk}:{row.kind}:{row.period_start:%Y-%m-%d}",
            label=f"{row.village.name} {row.period_label}{row.kind_label}",
            url=url,
            township=row.village.township.name,
            since=row.period_start,
            due_on=row.deadline,
            overdue=True,
            days_overdue=(today - row.deadline).days,
        )
        for row in rows
    ]
    items.sort(key=lambda item: (item.since, item.key))
    return items


# Kinds that only count (no deadline of their own) -------------------------------------------


@dataclass(frozen=True)
class CountOnly:
    code: str
    acts: Callable[[object], bool]
    count: Callable[[object, dt.date], int]
    label: Callable[[], str]
    url: Callable[[], str]


COUNT_ONLY: tuple[CountOnly, ...] = (
    CountOnly(
        "id_conflict",
        sees_all_townships,
        lambda user, today: IdNumberConflict.objects.filter(
            tried_at__date__gt=today - dt.timedelta(days=ID_CONFLICT_DAYS)
        ).count(),
        lambda: (
            _("ID numbers tried outside their holders' townships in the last %(days)d days")
            % {"days": ID_CONFLICT_DAYS}
        ),
        lambda: reverse("cadres:id_conflict_list"),
    ),
    CountOnly(
        "eligibility_review",
        _perm("vetting.view_eligibility_review"),
        eligibility_review_count,
        lambda: _("Serving cadres due for an eligibility review"),
        lambda: reverse("vetting:eligibility_review"),
    ),
    CountOnly(
        "unfiled_village",
        _perm("records.add_secretaryfiling"),
        lambda user, today: records.unfiled_villages(user).count(),
        lambda: _("Villages whose party secretary is not filed"),
        lambda: reverse("cadres:records:unfiled_list"),
    ),
    CountOnly(
        "report_missing",
        _perm("records.add_personalreport"),
        lambda user, today: records.missing_reports(
            records.serving_posts(user, today), today.year
        ).count(),
        lambda: _("Cadres without this year's personal matters report"),
        lambda: reverse("cadres:records:missing_report_list"),
    ),
)


# The public functions -----------------------------------------------------------------------


def _ordered(kind: Kind, rows: QuerySet) -> QuerySet:
    """Oldest first: by the day they began to wait, or by their own due date where they
    keep one (an opinion's due date says when its review opened better than its row)."""
    first = "todo_since" if kind.deadline_field else "todo_due"
    return rows.select_related(*kind.select).order_by(first, "todo_since", "pk")


def items_for(user, today: dt.date) -> list[TodoItem]:
    """Every item the user can act on, oldest first: one query per kind that applies."""
    deadlines = active_deadlines()
    items: list[TodoItem] = []
    for kind in KINDS:
        if kind.acts(user):
            rows = _ordered(kind, kind.rows(user, today, deadlines))
            items.extend(kind.item(row, today, deadlines) for row in rows)
    if _may_disclose(user):
        items.extend(_disclosure_items(user, today))
    items.sort(key=lambda item: (item.since, item.due_on, item.key))
    return items


def groups_for(user, today: dt.date, shown: int = ITEMS_SHOWN) -> list[TodoGroup]:
    """The home page's groups: per kind that applies, its count, how many are overdue and its
    ``shown`` oldest items; two queries per kind whatever the number of items."""
    deadlines = active_deadlines()
    groups: list[TodoGroup] = []
    for kind in KINDS:
        if not kind.acts(user):
            continue
        rows = kind.rows(user, today, deadlines)
        counts = rows.order_by().aggregate(
            n=Count("pk"), late=Count("pk", filter=kind.overdue_q(today, deadlines))
        )
        items = (
            [kind.item(row, today, deadlines) for row in _ordered(kind, rows)[:shown]]
            if counts["n"]
            else []
        )
        groups.append(
            TodoGroup(
                kind.code,
                str(kind.label),
                counts["n"],
                kind.list_url(user),
                counts["late"],
                items,
            )
        )
    if _may_disclose(user):
        items = _disclosure_items(user, today)
        groups.append(
            TodoGroup(
                DISCLOSURE,
                str(DISCLOSURE_LABEL),
                len(items),
                reverse("supervision:disclosure_overdue"),
                len(items),
                items[:shown],
            )
        )
    for each in COUNT_ONLY:
        if each.acts(user):
            groups.append(TodoGroup(each.code, each.label(), each.count(user, today), each.url()))
    return groups


@dataclass(frozen=True)
class OverdueTable:
    kinds: list[tuple[str, str]]  # (code, label)
    rows: list[tuple[str, list[int], int]]  # (township, count per kind, total)
    totals: list[int]


# The overview's kinds: those whose items belong to a township and can run late, each with
# the permission to read its records (the administrator reads no candidate case).
OVERVIEW_KINDS = {
    "case_township_review": "vetting.view_candidatecase",
    "case_district_review": "vetting.view_candidatecase",
    "case_returned": "vetting.view_candidatecase",
    "opinion": "vetting.review_district",
    "hit_review": "vetting.view_hit",
    "removal_decision": "vetting.view_removalcase",
    "filing_confirm": "records.view_secretaryfiling",
    "report_review": "records.view_personalreport",
    "change_request": "records.view_secretarychange",
    "change_returned": "records.view_secretarychange",
    "audit_due": "supervision.view_audit",
    "rectification_overdue": "supervision.view_supervisionrecord",
    "handover": "supervision.view_handover",
    "evaluation_missing": "records.view_annualevaluation",
    DISCLOSURE: "supervision.view_disclosure",
}


def may_see_overview(user) -> bool:
    return sees_all_townships(user) and user.has_perm("dongchang.view_tododeadlines")


def overdue_by_township(user, today: dt.date) -> OverdueTable:
    """Every township's overdue items per kind, whoever in the township acts on them: one
    grouped query per kind (and the disclosures' schedule)."""
    deadlines = active_deadlines()
    townships = list(user_townships(user).order_by("code").values_list("name", flat=True))
    codes = [code for code, perm in OVERVIEW_KINDS.items() if user.has_perm(perm)]
    counts: dict[str, dict[str, int]] = {}
    for code in codes:
        if code == DISCLOSURE:
            continue
        kind = KINDS_BY_CODE[code]
        rows = kind.rows(user, today, deadlines, oversight=True)
        grouped = (
            rows.filter(kind.overdue_q(today, deadlines))
            .order_by()
            .values("todo_township")
            .annotate(n=Count("pk"))
        )
        counts[code] = {row["todo_township"]: row["n"] for row in grouped}
    if DISCLOSURE in codes:
        counts[DISCLOSURE] = supervision.overdue_disclosure_counts(
            scope(Village.objects.all(), user), today
        )
    rows = []
    for name in townships:
        cells = [counts[code].get(name, 0) for code in codes]
        rows.append((name, cells, sum(cells)))
    totals = [sum(row[1][i] for row in rows) for i in range(len(codes))]
    return OverdueTable([(code, str(kind_label(code))) for code in codes], rows, totals)


# Changing the deadlines ---------------------------------------------------------------------


@transaction.atomic
def todo_deadlines_replace(*, actor, note: str = "", **values) -> TodoDeadlines:
    """Make a new version of the deadlines; the old versions stay, with who set them and when."""
    require_perm(actor, CHANGE_PERM)
    unknown = set(values) - set(TodoDeadlines.FIELDS)
    if unknown:
        raise TypeError(f"unknown to-do deadlines: {sorted(unknown)}")
    version = TodoDeadlines(active=True, created_by=actor, note=(note or "").strip(), **values)
    version.full_clean(exclude=["active"], validate_unique=False, validate_constraints=False)
    if not version.note:
        raise ValidationError({"note": _("Say what changed and why.")})
    TodoDeadlines.objects.select_for_update().filter(active=True).update(active=False)
    version.save()
    return version
