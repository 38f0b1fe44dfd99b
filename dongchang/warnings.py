# ruff: noqa: S608 (SQL composed from compiled querysets, ranks and _meta names; values are parameters)
"""Warning lights (综合预警): every serving cadre's red, yellow or blue light from the rules of
the active WarningRules version over every app's records.

Each rule is one query over a set of people (``_SOURCES``), never a loop over people: it
returns (person id, source id) pairs, the source being the record that made it fire (a hit,
a case, an audit …; the year or village where the source is a list). On the nightly run the
set is every serving cadre, given as None: a rule then reads all its records and may name
people who serve no more, whom the run leaves out. A person's light is the worst colour
fired and the score the sum of the weights. ``lights_refresh`` stores the lights of a set
of people and keeps each change with its reasons; it runs for one person when their
records change (dongchang.receivers, on commit, through a task) and for everyone nightly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.choices import Light
from cadres.jobs import on_commit_batch, task_send
from cadres.models import Person, Post, Village
from cadres.records.models import AnnualEvaluation, DutyShift, Grade, PersonalReport
from cadres.services import require_perm
from dongchang.models import WarningLight, WarningLightChange, WarningRule, WarningRules
from supervision import selectors as supervision
from supervision.models import Audit, MisconductCase, SupervisionRecord
from training.models import Attendance, DailyStudy
from vetting import rules as vetting_rules
from vetting.models import EligibilityRules, Hit, RemovalCase

Code = WarningRule.Code
REFRESH_TASK = "dongchang.tasks.warning_lights_refresh"
LIGHTS_RED_TASK = "dongchang.tasks.lights_red_notify"
CHANGE_PERM = "dongchang.add_warningrules"

# The annual personal report of a year is due by this day of the year (个人有关事项年度集中报告).
REPORT_DUE = (1, 31)


def active_rules() -> WarningRules:
    version = WarningRules.objects.filter(active=True).prefetch_related("rules").first()
    if version is None:
        raise ValidationError(_("No warning rules are active; the district must set them."))
    return version


# The sources ----------------------------------------------------------------------------

# values_list("person_id", "source_id"); a pair may come more than once (a person with two
# posts), the fold keeps it once.
Pairs = QuerySet
# The people judged (a query of person ids), or None for every serving cadre.
People = QuerySet | None
Source = Callable[[WarningRule, People, dt.date], Pairs | None]


def _among(records: QuerySet, people: People, field: str = "person_id") -> QuerySet:
    """``records`` of ``people``; for every serving cadre, all of them: the nightly run
    keeps the serving cadres in its final join, and a semi-join on the serving posts in
    each rule cost 30-50 ms a rule at 100,000 cadres."""
    return records if people is None else records.filter(**{f"{field}__in": people})


def _cadre_hits(people: People) -> QuerySet:
    return _among(Hit.objects.current().filter(subject_kind="cadre"), people)


def _barring_hit(rule, people, today):
    hits = _cadre_hits(people).filter(status=Hit.Status.CONFIRMED)
    return hits.values_list("person_id", "pk")


def _removal_open(rule, people, today):
    cases = _among(RemovalCase.objects.filter(status=RemovalCase.Status.OPEN), people)
    return cases.values_list("person_id", "pk")


def _strict_control(rule, people, today):
    under = _among(Person.objects.filter(strict_control_since__isnull=False), people, "pk")
    return under.values_list("pk", "pk")


def _misconduct_open(rule, people, today):
    # Every recorded case is an opened one (立案); it is open until closed, referred included.
    cases = MisconductCase.objects.exclude(status=MisconductCase.Status.CLOSED)
    cases = _among(cases, people)
    return cases.values_list("person_id", "pk")


def _latest_grade(grade: str):
    def source(rule, people, today):
        later = AnnualEvaluation.objects.filter(
            person_id=OuterRef("person_id"), year__gt=OuterRef("year")
        )
        latest = _among(AnnualEvaluation.objects.filter(grade=grade), people)
        return latest.filter(~Exists(later)).values_list("person_id", "pk")

    return source


def _pending_hit(*kinds: str):
    def source(rule, people, today):
        hits = _cadre_hits(people).filter(status=Hit.Status.PENDING, match_kind__in=kinds)
        return hits.values_list("person_id", "pk")

    return source


def _rectification_overdue(rule, people, today):
    overdue = supervision.overdue_rectifications(SupervisionRecord.objects.all(), today)
    cadres = SupervisionRecord.cadres.through.objects.filter(supervisionrecord__in=overdue)
    return _among(cadres, people).values_list("person_id", "supervisionrecord_id")


def _report_due(year: int) -> dt.date:
    return dt.date(year, *REPORT_DUE)


def _report_missing(rule, people, today):
    due = _report_due(today.year)
    if today <= due + dt.timedelta(days=rule.days or 0):
        return None
    reported = PersonalReport.objects.filter(
        person_id=OuterRef("person_id"), year=today.year, kind=PersonalReport.Kind.ANNUAL
    )
    # Those who held a post on the due day; someone appointed later is not yet in arrears.
    posts = _among(Post.objects.serving(today).filter(term_start__lte=due), people)
    return posts.filter(~Exists(reported)).values_list("person_id", Value(today.year))


def _departure_audit_due(rule, people, today):
    audits = Audit.objects.filter(kind=Audit.Kind.DEPARTURE, status=Audit.Status.PLANNED)
    audits = _among(audits, people, "post__person_id")
    return audits.values_list("post__person_id", "pk")


def _duty_missed(rule, people, today):
    since = today - dt.timedelta(days=(rule.days or 30) - 1)
    missed = DutyShift.objects.filter(
        outcome=DutyShift.Outcome.MISSED, date__gte=since, date__lte=today
    )
    return (
        _among(missed, people)
        .values("person_id")
        .annotate(missed=Count("pk"), roster=Max("roster_id"))
        .filter(missed__gte=rule.number or 2)
        .values_list("person_id", "roster")
        .order_by()
    )


def _eligibility_review(rule, people, today):
    version = EligibilityRules.objects.filter(active=True).prefetch_related("rules").first()
    if version is None:
        return None
    posts = vetting_rules.eligibility_review(_among(Post.objects.all(), people), version, today)
    return posts.values_list("person_id", "pk")


def _training_short(rule, people, today):
    # The same hours as the coverage pages (training.selectors): sessions attended and study.
    # Set-wise: those short are the serving cadres less those whose year's study and
    # attended hours, taken together as one set of rows and summed per person, reach the
    # requirement (a sum of attended hours looked up per row of study cost a correlated
    # query for each).
    required = rule.number or 0
    if required <= 0:
        return None
    studied = DailyStudy.objects.filter(studied_on__year=today.year).values_list(
        "person_id", "hours"
    )
    attended = Attendance.objects.filter(
        status=Attendance.Status.PRESENT, session__starts_at__year=today.year
    ).values_list("person_id", "session__hours")
    studied_sql, studied_params = studied.order_by().query.sql_with_params()
    attended_sql, attended_params = attended.order_by().query.sql_with_params()
    enough = RawSQL(  # noqa: S611 (compiled querysets; the hours are a parameter)
        f"""SELECT person_id FROM ({studied_sql} UNION ALL {attended_sql}) credited
        GROUP BY person_id HAVING SUM(hours) >= %s""",
        (*studied_params, *attended_params, required),
    )
    short = _among(Post.objects.serving(today), people).exclude(person_id__in=enough)
    return short.values_list("person_id", Value(today.year))


def _term_ending(rule, people, today):
    ending = Post.objects.serving(today).filter(
        term_end__gte=today, term_end__lte=today + dt.timedelta(days=rule.days or 90)
    )
    return _among(ending, people).values_list("person_id", "person_id")


def _disclosure_overdue(rule, people, today):
    late = supervision.villages_late_with_disclosures(Village.objects.all(), today)
    posts = _among(Post.objects.serving(today).filter(village__in=late), people)
    return posts.values_list("person_id", "village__township_id")


_SOURCES: dict[str, Source] = {
    Code.BARRING_HIT: _barring_hit,
    Code.REMOVAL_OPEN: _removal_open,
    Code.STRICT_CONTROL: _strict_control,
    Code.MISCONDUCT_OPEN: _misconduct_open,
    Code.GRADE_INCOMPETENT: _latest_grade(Grade.INCOMPETENT),
    Code.HIT_PENDING: _pending_hit(Hit.MatchKind.STRONG, Hit.MatchKind.PROBABLE),
    Code.RECTIFICATION_OVERDUE: _rectification_overdue,
    Code.REPORT_MISSING: _report_missing,
    Code.DEPARTURE_AUDIT_DUE: _departure_audit_due,
    Code.DUTY_MISSED: _duty_missed,
    Code.GRADE_BASIC: _latest_grade(Grade.BASIC),
    Code.ELIGIBILITY_REVIEW: _eligibility_review,
    Code.POSSIBLE_HIT: _pending_hit(Hit.MatchKind.POSSIBLE),
    Code.TRAINING_SHORT: _training_short,
    Code.TERM_ENDING: _term_ending,
    Code.DISCLOSURE_OVERDUE: _disclosure_overdue,
}


def _link(code: str, source) -> str:
    """Where a fired rule's source is shown."""
    match code:
        case Code.BARRING_HIT | Code.HIT_PENDING | Code.POSSIBLE_HIT:
            return reverse("vetting:hit_detail", args=[source])
        case Code.REMOVAL_OPEN:
            return reverse("vetting:removal_detail", args=[source])
        case Code.STRICT_CONTROL:
            return reverse("cadres:detail", args=[source]) + "#strict-control"
        case Code.TERM_ENDING:
            return reverse("cadres:detail", args=[source]) + "#posts"
        case Code.MISCONDUCT_OPEN:
            return reverse("supervision:case_detail", args=[source])
        case Code.GRADE_INCOMPETENT | Code.GRADE_BASIC:
            return reverse("cadres:records:evaluation_detail", args=[source])
        case Code.RECTIFICATION_OVERDUE:
            return reverse("supervision:record_detail", args=[source])
        case Code.REPORT_MISSING:
            return f"{reverse('cadres:records:missing_report_list')}?year={source}"
        case Code.DEPARTURE_AUDIT_DUE:
            return reverse("supervision:audit_detail", args=[source])
        case Code.DUTY_MISSED:
            return reverse("cadres:records:roster_detail", args=[source])
        case Code.ELIGIBILITY_REVIEW:
            return reverse("vetting:eligibility_review")
        case Code.TRAINING_SHORT:
            return f"{reverse('training:coverage')}?year={source}"
        case Code.DISCLOSURE_OVERDUE:
            return f"{reverse('supervision:disclosure_overdue')}?township={source}"
    raise ValueError(code)


# Computing ------------------------------------------------------------------------------


@dataclass
class Judgement:
    """One person's light: the rules fired (worst first) and their sources."""

    light: int = Light.NONE
    score: int = 0
    sources: dict[str, list] = field(default_factory=dict)

    @property
    def reasons(self) -> list[str]:
        return list(self.sources)


def serving_people(today: dt.date, person_ids: Iterable[int] | None = None) -> QuerySet:
    people = Person.objects.serving(today)
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    return people


def _in_order(version: WarningRules) -> list[WarningRule]:
    """The enabled rules, worst first: a light's reasons are in this order."""
    rules = sorted(version.rules.all(), key=lambda r: (-r.light, -r.weight, r.pk))
    return [rule for rule in rules if rule.enabled]


def _judged_sql(
    version: WarningRules, ids: People, today: dt.date
) -> tuple[list[WarningRule], str, list]:
    """The rules that can fire (their position is their rank) and the WITH clauses of one
    statement whose ``judged(person_id, signature)`` holds every person of ``ids`` (a query of
    person ids; None: every serving cadre, and maybe others, whom the caller leaves out) who
    fires a rule: each rule's pairs query as it stands, folded into one set; per person the
    rules fired (their rank) with their sources, in order (``_parse`` reads it back)."""
    rules, ctes, ranked, params = [], [], [], []
    for rule in _in_order(version):
        pairs = _SOURCES[rule.code](rule, ids, today)
        if pairs is None:
            continue
        try:
            sql, pair_params = pairs.order_by().query.sql_with_params()
        except EmptyResultSet:  # a condition that no row can meet: nothing fires
            continue
        ctes.append(f"r{len(rules)}(person_id, source) AS ({sql})")
        ranked.append(f"SELECT person_id, {len(rules)} AS rnk, source FROM r{len(rules)}")
        params += pair_params
        rules.append(rule)
    if not rules:  # nothing can fire: an empty set of the same shape
        ranked.append("SELECT 0 AS person_id, 0 AS rnk, 0 AS source WHERE 1 = 0")
    ctes.append(f"fired(person_id, rnk, source) AS ({' UNION ALL '.join(ranked)})")
    # Per person, each source as ``rank:source``, in the order of the ranks and sources: the
    # pairs sorted once, each kept once, then concatenated in that order, as both databases
    # do for a sorted subquery (PostgreSQL's manual: "usually"; _parse sorts them again, so
    # an order lost would rewrite an unchanged light, never change one). An ORDER BY inside
    # string_agg sorted each person's pairs apart (100,000 small sorts, 125 ms), and the
    # rules' own DISTINCTs hashed 170,000 pairs; PostgreSQL's DISTINCT ON is always the
    # sort's, where a DISTINCT was hashed before the sort.
    if connection.vendor == "postgresql":
        concat, distinct = "string_agg", "DISTINCT ON (person_id, rnk, source)"
    else:
        concat, distinct = "group_concat", "DISTINCT"
    ctes.append(
        f"""judged(person_id, signature) AS (
            SELECT person_id, {concat}(rnk || ':' || source, ';') FROM (
                SELECT {distinct} * FROM fired ORDER BY person_id, rnk, source
            ) ordered GROUP BY person_id)"""
    )
    return rules, "WITH " + ",\n".join(ctes), params


def _parse(signature: str, rules: list[WarningRule]) -> Judgement:
    """A person's judgement from the rules fired as ``_judged_sql`` writes them."""
    judgement = Judgement()
    fired = sorted(tuple(map(int, pair.split(":"))) for pair in signature.split(";") if pair)
    for rank, source in fired:
        rule = rules[rank]
        sources = judgement.sources.setdefault(rule.code, [])
        if not sources:
            judgement.light = max(judgement.light, rule.light)
            judgement.score += rule.weight
        sources.append(source)
    return judgement


def _signature(version: WarningRules, signature: str) -> str:
    """What a stored light keeps to be compared: the version and the rules fired."""
    return f"{version.pk}|{signature}"


def judge(
    people: QuerySet, *, version: WarningRules | None = None, today: dt.date | None = None
) -> dict[int, Judgement]:
    """Every person of ``people`` who fires a rule: the rules' queries folded into one."""
    version = version or active_rules()
    today = today or timezone.localdate()
    rules, sql, params = _judged_sql(version, people.values("pk"), today)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} SELECT person_id, signature FROM judged", params)
        return {person_id: _parse(signature, rules) for person_id, signature in cursor}


@dataclass(frozen=True)
class Reason:
    code: str
    light: int
    message: str
    links: list[str]


def reasons_of(light: WarningLight) -> list[Reason]:
    """The stored reasons of a light, each with its message and links to its sources."""
    rules = {rule.code: rule for rule in light.rules.rules.all()}
    reasons = []
    for code, sources in (light.sources or {}).items():
        rule = rules.get(code)
        if rule is None:
            continue
        links = [_link(code, source) for source in sources[:5]]
        reasons.append(Reason(code, rule.light, rule.message, links))
    return reasons


# Storing --------------------------------------------------------------------------------


BATCH = 5000


@transaction.atomic
def lights_refresh(*, person_ids: Iterable[int] | None = None, today: dt.date | None = None) -> int:
    """Compute and store the lights of the given people (every serving cadre by default);
    a changed light is kept in the history with the rules fired before and after. A person
    in ``person_ids`` who no longer serves loses their light. Returns the changes.

    Set-wise: one statement judges the people and compares each result with the stored
    light's signature, so only new and changed lights come back to be written (in bulk);
    on unchanged data nothing does."""
    today = today or timezone.localdate()
    version = active_rules()
    # One refresh at a time (the nightly run and a person's, on commit): they queue on the
    # active rules' row instead of locking every stored light.
    WarningRules.objects.select_for_update().filter(pk=version.pk).exists()
    ids = None if person_ids is None else sorted(set(person_ids))
    if ids == []:
        return 0
    # The people with a serving post: a semi-join of the people on the posts costs less than
    # the posts' distinct holders (a hash aggregate, 100 ms at 100,000).
    serving = serving_people(today, ids).values("pk")
    lights = WarningLight.objects.all()
    if ids is not None:
        lights = lights.filter(person_id__in=ids)
    rules, sql, params = _judged_sql(version, serving if ids is not None else None, today)
    prefix = _signature(version, "")
    serving_sql, serving_params = serving.order_by().query.sql_with_params()
    stored = lights.order_by().values("person_id", "light", "reasons", "signature")
    stored_sql, stored_params = stored.query.sql_with_params()
    if connection.vendor == "postgresql":
        # One join of the serving people with the stored lights finds both the lights to
        # compare and those of people who serve no more (a query of its own took 60 ms).
        people = "serving p FULL JOIN stored w ON w.person_id = p.id"
    else:  # SQLite has a FULL JOIN since 3.39 only: the ids of both sides, each side joined
        people = """(SELECT id FROM serving UNION SELECT person_id FROM stored) k
            LEFT JOIN serving p ON p.id = k.id LEFT JOIN stored w ON w.person_id = k.id"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The statement's estimated cost sets off JIT compilation, which took longer than
            # the statement itself (7 s against 4 s at 100,000 cadres); this transaction only.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"""{sql}, serving(id) AS ({serving_sql}),
            stored(person_id, light, reasons, signature) AS ({stored_sql})
            SELECT COALESCE(p.id, w.person_id), p.id IS NULL, COALESCE(j.signature, ''),
                w.person_id IS NOT NULL, w.light, w.reasons
            FROM {people}
            LEFT JOIN judged j ON j.person_id = p.id
            WHERE p.id IS NULL OR w.person_id IS NULL
                OR w.signature <> (%s || COALESCE(j.signature, ''))""",
            [*params, *serving_params, *stored_params, prefix],
        )
        changed = cursor.fetchall()
    reasons_field = WarningLight._meta.get_field("reasons")
    now = timezone.now()
    create, update, gone, changes = [], [], [], []
    for person_id, left, signature, has_light, old_light, old_reasons in changed:
        if has_light:
            old_reasons = reasons_field.from_db_value(old_reasons, None, connection)
        else:
            old_light, old_reasons = Light.NONE, []
        if left:  # serves no more: the light goes
            gone.append(person_id)
            judgement = Judgement()
        else:
            judgement = _parse(signature, rules)
            row = WarningLight(
                person_id=person_id,
                light=judgement.light,
                score=judgement.score,
                reasons=judgement.reasons,
                sources=judgement.sources,
                rules=version,
                computed_at=now,
                signature=prefix + signature,
            )
            (update if has_light else create).append(row)
        if (old_light, old_reasons) != (judgement.light, judgement.reasons):
            changes.append(
                WarningLightChange(
                    person_id=person_id,
                    at=now,
                    light_from=old_light,
                    light_to=judgement.light,
                    reasons_from=old_reasons,
                    reasons_to=judgement.reasons,
                    rules=version,
                )
            )
    # A changed light is replaced: deleting and inserting in batches costs a fraction of
    # an UPDATE with a CASE per row (a new rules version changes every light).
    removed = gone + [row.person_id for row in update]
    for start in range(0, len(removed), BATCH):
        WarningLight.objects.filter(person_id__in=removed[start : start + BATCH]).delete()
    WarningLight.objects.bulk_create(create + update, batch_size=BATCH)
    WarningLightChange.objects.bulk_create(changes, batch_size=BATCH)
    if any(c.light_to == Light.RED and c.light_from != Light.RED for c in changes):
        # Who must hear of it is told by a task, after the commit (dongchang.notifications).
        transaction.on_commit(lambda: task_send(LIGHTS_RED_TASK, now.isoformat()))
    return len(changes)


# Recomputing on commit -------------------------------------------------------------------


def lights_refresh_enqueue(person_ids: Iterable[int]) -> None:
    """Recompute these people's lights once the transaction commits (one task for all the
    people touched by it); without a transaction, at once."""
    on_commit_batch(LIGHTS_BATCH, _refresh_changed, person=person_ids)


LIGHTS_BATCH = "warning_lights"


def _refresh_changed(ids: dict[str, set[int]]) -> None:
    if ids.get("person"):
        task_send(REFRESH_TASK, sorted(ids["person"]))


# Changing the rules ---------------------------------------------------------------------

RULE_FIELDS = {"code", "enabled", "light", "weight", "days", "number", "message"}


@transaction.atomic
def warning_rules_replace(*, actor, rules: Iterable[dict], note: str = "") -> WarningRules:
    """Make a new version of the warning rules: one dict of WarningRule fields per condition,
    every condition once. Lights are recomputed by the next nightly run, or at once by the
    caller's choice (the rules page starts it)."""
    require_perm(actor, CHANGE_PERM)
    rules = [dict(rule) for rule in rules]
    for rule in rules:
        unknown = set(rule) - RULE_FIELDS
        if unknown:
            raise TypeError(f"unknown warning rule fields: {sorted(unknown)}")
    if sorted(rule.get("code") for rule in rules) != sorted(Code.values):
        raise ValidationError(_("Give every warning condition once."))
    WarningRules.objects.select_for_update().filter(active=True).update(active=False)
    version = WarningRules.objects.create(active=True, created_by=actor, note=(note or "").strip())
    lines = [WarningRule(version=version, **rule) for rule in rules]
    for line in lines:
        line.message = (line.message or "").strip()
        try:
            line.full_clean(exclude=["version"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                [f"{line.get_code_display()}：{message}" for message in error.messages]
            ) from error
    WarningRule.objects.bulk_create(lines)
    transaction.on_commit(lambda: task_send(NIGHTLY_TASK))
    return version


NIGHTLY_TASK = "dongchang.tasks.warning_lights_nightly"


def first_places(people: QuerySet, today: dt.date) -> QuerySet:
    """``people`` with the township and village codes of their first serving post (by
    village code): one grouped query."""
    serving = Q(posts__term_start__lte=today) & (
        Q(posts__ended_on__isnull=True) | Q(posts__ended_on__gt=today)
    )
    return people.annotate(
        village_code=Min("posts__village__code", filter=serving),
        township_code=Min("posts__village__township__code", filter=serving),
    ).values("pk", "name", "village_code", "township_code")
