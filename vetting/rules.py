"""Reading the district's rules: what a list entry means under the negative list, which
eligibility conditions a candidate fails, and which serving cadres fail them (资格复核).

One piece of logic for each question, used by the candidate workflow, by the review of hits
and by the pages. The rules themselves are rows (vetting.models.rules); writes are in
vetting.services.rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan, LessThan
from django.utils.translation import gettext as _

from cadres.choices import PoliticalStatus
from cadres.models import Person, Post, Relative, serving_q
from cadres.scoping import kept_today, scope
from vetting.models import (
    CandidateCase,
    EligibilityRule,
    EligibilityRules,
    NegativeList,
    NegativeListItem,
    WatchlistEntry,
)

Body = Post.Body
Code = EligibilityRule.Code
# The village's two committees (两委) and the body that supervises them.
TWO_COMMITTEES = (Body.PARTY_BRANCH, Body.VILLAGERS_COMMITTEE)
SUPERVISION = (Body.SUPERVISION_COMMITTEE,)
# Spouse, parent, child, brother or sister: the close family of the supervision rule.
CLOSE_FAMILY = (
    Relative.Relation.SPOUSE,
    Relative.Relation.FATHER,
    Relative.Relation.MOTHER,
    Relative.Relation.CHILD,
    Relative.Relation.SIBLING,
)


def active_negative_list() -> NegativeList:
    version = NegativeList.objects.filter(active=True).prefetch_related("items").first()
    if version is None:
        raise ValidationError(_("No negative list is active; the district must set one."))
    return version


def active_eligibility_rules() -> EligibilityRules:
    version = EligibilityRules.objects.filter(active=True).prefetch_related("rules").first()
    if version is None:
        raise ValidationError(_("No eligibility rules are active; the district must set them."))
    return version


# The negative list ---------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """What a confirmed entry means: bars a candidate, opens a removal case; by which line."""

    bars: bool
    removes: bool
    item: NegativeListItem | None


NO_EFFECT = Effect(bars=False, removes=False, item=None)


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def entry_effect(entry: WatchlistEntry, version: NegativeList, on: dt.date) -> Effect:
    """The entry's effect under ``version`` on the day ``on``.

    The line of the entry's list kind whose term the measure contains decides, the longest
    term first; the kind's line without a term covers other measures; no line, no effect.
    """
    lines = [
        item
        for item in version.items.all()
        if item.kind == entry.source.kind and item.measure in (entry.measure or "")
    ]
    if not lines:
        return NO_EFFECT
    item = max(lines, key=lambda line: len(line.measure))
    if (
        item.within_years
        and entry.decided_on is not None
        and _years_later(entry.decided_on, item.within_years) <= on
    ):
        return NO_EFFECT
    return Effect(bars=item.bars_candidate, removes=item.opens_removal, item=item)


def entry_label(entry: WatchlistEntry) -> str:
    """The list and measure of an entry, as refusals name them."""
    return _("%(list)s (%(kind)s): %(measure)s") % {
        "list": entry.source.name,
        "kind": entry.source.get_kind_display(),
        "measure": entry.measure or _("no measure given"),
    }


# Eligibility ---------------------------------------------------------------------------


def _age_reached(birth_date: dt.date, on: dt.date, years: int) -> bool:
    # The same arithmetic as the database's (_age_below): yyyymmdd numbers differ by
    # at least years × 10000.
    number = lambda day: day.year * 10000 + day.month * 100 + day.day  # noqa: E731
    return number(on) - number(birth_date) >= years * 10000


def _other_side(body: str) -> tuple[str, ...]:
    if body in TWO_COMMITTEES:
        return SUPERVISION
    if body in SUPERVISION:
        return TWO_COMMITTEES
    return ()


def _supervision_conflict(case: CandidateCase, on: dt.date) -> bool:
    """The candidate, or a close family member, serves on the other side in the village."""
    other_side = _other_side(case.body)
    if not other_side:
        return False
    across = Post.objects.serving(on).filter(village_id=case.village_id, body__in=other_side)
    if case.person_id and across.filter(person_id=case.person_id).exists():
        return True
    if not case.id_number:
        return False
    if across.filter(person__id_number=case.id_number).exists():
        return True
    family_numbers = case.relatives.filter(
        relation__in=CLOSE_FAMILY, id_number__isnull=False
    ).values("id_number")
    return (
        across.filter(person__id_number__in=family_numbers).exists()
        or Relative.objects.filter(
            cadre__in=across.values("person_id"),
            relation__in=CLOSE_FAMILY,
            id_number=case.id_number,
        ).exists()
    )


def case_eligibility_failures(
    case: CandidateCase, version: EligibilityRules, on: dt.date
) -> list[str]:
    """The message of every enabled rule that the nomination does not meet."""
    failures = []
    for rule in version.rules.all():
        if not rule.enabled:
            continue
        if rule.code == Code.PARTY_MEMBER:
            failed = (
                case.body == Body.PARTY_BRANCH
                and case.political_status != PoliticalStatus.CPC_MEMBER
            )
        elif rule.code == Code.MINIMUM_AGE:
            failed = case.birth_date is None or not _age_reached(
                case.birth_date, case.term_start, rule.years
            )
        else:
            failed = _supervision_conflict(case, on)
        if failed:
            failures.append(rule.message)
    return failures


class _YearsBefore(Func):
    """The day ``years`` whole years before a date, 29 February falling on 28 February in a
    year without it (PostgreSQL's date less an interval of years)."""

    template = "(%(expressions)s - make_interval(years => %(years)s))::date"
    output_field = DateField()

    def __init__(self, expression: str, years: int):
        super().__init__(expression, years=int(years))


def _under_age(years: int):
    """Posts whose holder was younger than ``years`` when the term began: the arithmetic of
    _age_reached (yyyymmdd numbers less than years × 10000 apart). On PostgreSQL as a date
    comparison, which is the same test (a birthday after the day that many years before),
    at a fraction of the cost of six EXTRACTs a row."""
    if connection.vendor == "postgresql":
        return GreaterThan(F("person__birth_date"), _YearsBefore("term_start", years))

    def number(field: str):
        return ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)

    return LessThan(number("term_start") - number("person__birth_date"), years * 10000)


def _apart_q(on: dt.date, among: QuerySet) -> Q:
    """Posts of one side (of the serving posts ``among``) whose holder, or a close family
    member of them, serves on the other side of the same village (anywhere in the district).

    Each way of failing is its own query of post ids, a semi-join on (village, holder or ID
    number) that the database hashes and may spill to disk. Asked instead as conditions of
    each post under one OR, they were subplans that PostgreSQL hashes only while they fit in
    ``work_mem``: with 300,000 relatives they did not, and each post scanned every key (the
    district's count ran for minutes). Only the failing posts' ids, few, meet the OR.

    The family checks read only the close relatives who are cadres themselves (their ID
    number a person's): one hashed pass over the relatives leaves a few rows to match by
    village and side, where every relative matched was hundreds of thousands of rows."""
    # Anyone's recorded number will do to narrow the relatives: the EXISTS asks for a post.
    numbers = Person.objects.filter(id_number__isnull=False).values("id_number")
    close = {
        "person__relatives__relation__in": CLOSE_FAMILY,
        "person__relatives__id_number__in": numbers,
    }
    supervising = {"supervising": Q(body__in=SUPERVISION)}
    sides = Post.objects.serving(on).filter(body__in=TWO_COMMITTEES + SUPERVISION)
    sides = sides.annotate(**supervising)
    # The posts asked about: one person's on a light's refresh, a township's for its
    # reviewer; only what they are checked against spans the district.
    mine = among.filter(body__in=TWO_COMMITTEES + SUPERVISION).annotate(**supervising)

    def across(**same):
        return Exists(sides.filter(**same).exclude(supervising=OuterRef("supervising")))

    failing = (
        # The holder serves across in the same village.
        mine.filter(across(person_id=OuterRef("person_id"), village_id=OuterRef("village_id"))),
        # The holder has a close family member (by ID number) serving across. One filter
        # call, so that the EXISTS reads the relative the other conditions chose.
        mine.filter(
            across(
                village_id=OuterRef("village_id"),
                person__id_number=OuterRef("person__relatives__id_number"),
            ),
            **close,
        ),
        # The holder is recorded as a family member of someone serving across.
        mine.filter(
            across(
                village_id=OuterRef("village_id"),
                person__relatives__id_number=OuterRef("person__id_number"),
                **close,
            )
        ),
    )
    conditions = Q()
    for posts in failing:
        conditions |= Q(pk__in=posts.values("pk").order_by())
    return conditions


def eligibility_review(posts: QuerySet, version: EligibilityRules, on: dt.date) -> QuerySet:
    """The serving posts of ``posts`` whose holder fails an enabled rule of ``version``,
    set-wise; each row carries a flag per rule (``fails_<code>``), read by ``failures``."""
    posts = posts.filter(serving_q(on))
    among = posts
    failing = Q(pk__in=[])
    for rule in version.rules.all():
        if not rule.enabled:
            continue
        flag = f"fails_{rule.code}"
        if rule.code == Code.PARTY_MEMBER:
            condition = Q(body=Body.PARTY_BRANCH) & ~Q(
                person__political_status=PoliticalStatus.CPC_MEMBER
            )
        elif rule.code == Code.MINIMUM_AGE:
            condition = Q(person__birth_date__isnull=False) & _under_age(rule.years)
        else:
            condition = _apart_q(on, among)
        posts = posts.annotate(**{flag: ExpressionWrapper(condition, BooleanField())})
        failing |= Q(**{flag: True})
    return posts.filter(failing)


def failures(post: Post, version: EligibilityRules) -> list[str]:
    """The messages of the rules that an annotated row of ``eligibility_review`` fails."""
    return [
        rule.message
        for rule in version.rules.all()
        if rule.enabled and getattr(post, f"fails_{rule.code}", False)
    ]


def eligibility_review_count(user, on: dt.date) -> int:
    """How many serving posts of the user's townships fail the active eligibility rules:
    a pass over every serving post and its holder's family, so today's count is kept a few
    minutes (``kept_today``); a new rules version is counted at once."""
    version = active_eligibility_rules()
    return kept_today(
        "eligibility-review",
        user,
        on,
        [version.pk],
        lambda: eligibility_review(scope(Post.objects.all(), user), version, on).count(),
    )
