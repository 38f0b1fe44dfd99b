# ruff: noqa: S608
# (The SQL is assembled from model table names and constants; values are always parameters.)
"""The matching engine: persons against list entries, set-wise, in the database.

Per chunk of subjects, one read finds every match of the chunk's rules, keeps the
strongest rule per (subject, entry), and one INSERT … ON CONFLICT writes the hits that
changed, so a run may be repeated or a chunk redone without duplicates. The SQL is
portable between SQLite and PostgreSQL; every join is an equality on an indexed column
(or on the one-character keys that the entries' and the subjects' indexes hold), so one subject
is screened through index lookups. A full run (run_chunks) merges ranges of ID numbers
with the list's index, and probes the subjects' indexes from the few entries without ID
number for the rules by name.

Rules, strongest first (rank, match kind, score, matched fields):
  id_number        strong    100  equal normalized ID number
  name_birth       probable   90  equal name key and birth date, both known to the day
  name_birth_month probable   85  equal name key and birth month, one side known to the month
  name_birth_year  possible   75  equal name key and birth year, one side known to the year
  homophone        possible   70  equal name pinyin, birth year and sex
  one_character    possible   60  names of 3+ characters one character apart, same birth year
                                  and sex
  name_only        possible   50  equal name key, the entry has no birth date

Birth dates may be known to the day, the month or the year (出生年月 1972.08; cadres.dates):
stored as the first day of their period with its precision. The rules by birth date compare
two dates at the coarser precision of the two: 1972.08 on a list and a relative born on
1972-08-15 are the same month (probable), 1972 and 1972-08-15 the same year (possible). A
subject or an entry with an ID number has the birth date inside it, known to the day; the
rules by birth year compare years, which every precision knows.

The rules by name stand in for an ID number that one side does not have. A subject and
an entry that both have one, and different ones, are two people however alike their
names: every stored number has passed its check character, which catches any one
mistyped digit, and namesakes born on the same day are common (a frequent name has a
dozen per birth date nationwide). Compared by name as well, a 1,000,000-entry list gave
2.6 possible hits per subject, nearly all such pairs, a queue no reviewer could clear
(benchmarks/README.md).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from cadres.dates import DatePrecision
from cadres.models import Person, Post, Relative, Village
from vetting.models import (
    CandidateCase,
    CandidateRelative,
    Hit,
    WatchlistEntry,
)
from vetting.models.screening import ScreeningChunk, SubjectKind

# Name positions the one-character rule blanks; longer names are compared on their first 12.
_POSITIONS = "(" + " UNION ALL ".join(f"SELECT {i} AS i" for i in range(1, 13)) + ")"


@dataclass(frozen=True)
class Subject:
    """How to screen one kind of subject: its table, its key on Hit, its owner.

    The owner is the serving cadre (a Person) of register subjects: only subjects
    whose cadre serves are screened, and the hit is placed at the cadre's village.
    """

    kind: str
    table: str
    hit_column: str
    cadre_column: str  # column of the subject row holding the owner's id
    # The table has the indexes that entries probe for the rules by name: (name key,
    # birth date), pinyin, and the one-character keys of migration 0010.
    indexed: bool = False

    def live_sql(self, owner_ref: str) -> tuple[str, list]:
        """Condition (and its parameters) on the owner for the subject to be screened."""
        return _serving_sql(owner_ref), ["today", "today"]

    def village_sql(self, owner_ref: str) -> tuple[str, list]:
        """The village id where hits of the owner are placed."""
        post = Post._meta.db_table
        return (
            f"(SELECT MIN(p.village_id) FROM {post} p WHERE p.person_id = {owner_ref} "
            f"AND p.term_start <= %s AND (p.ended_on IS NULL OR p.ended_on > %s))"
        ), ["today", "today"]


@dataclass(frozen=True)
class CandidateSubject(Subject):
    """Candidates and their relatives: owned by a case, screened while it is under review,
    placed at the case's target village."""

    def live_sql(self, owner_ref: str) -> tuple[str, list]:
        case = CandidateCase._meta.db_table
        states = ", ".join(f"'{state}'" for state in CandidateCase.SCREENED_STATES)
        return (
            f"EXISTS (SELECT 1 FROM {case} c WHERE c.id = {owner_ref} AND c.state IN ({states}))",
            [],
        )

    def village_sql(self, owner_ref: str) -> tuple[str, list]:
        return (
            f"(SELECT c.village_id FROM {CandidateCase._meta.db_table} c WHERE c.id = {owner_ref})",
            [],
        )


SUBJECTS = {
    SubjectKind.CADRE: Subject(
        SubjectKind.CADRE, Person._meta.db_table, "person_id", "id", indexed=True
    ),
    SubjectKind.RELATIVE: Subject(
        SubjectKind.RELATIVE, Relative._meta.db_table, "relative_id", "cadre_id", indexed=True
    ),
    SubjectKind.CANDIDATE: CandidateSubject(
        SubjectKind.CANDIDATE, CandidateCase._meta.db_table, "candidate_id", "id"
    ),
    SubjectKind.CANDIDATE_RELATIVE: CandidateSubject(
        SubjectKind.CANDIDATE_RELATIVE,
        CandidateRelative._meta.db_table,
        "candidate_relative_id",
        "case_id",
    ),
}


def _bind(params: list, today: dt.date) -> list:
    return [today if param == "today" else param for param in params]


_F = Hit.MatchedField
RULES = {
    # rule: (rank, match kind, score, matched fields)
    Hit.Rule.ID_NUMBER: (1, Hit.MatchKind.STRONG, 100, [_F.ID_NUMBER]),
    Hit.Rule.NAME_BIRTH: (2, Hit.MatchKind.PROBABLE, 90, [_F.NAME, _F.BIRTH_DATE]),
    Hit.Rule.NAME_BIRTH_MONTH: (3, Hit.MatchKind.PROBABLE, 85, [_F.NAME, _F.BIRTH_MONTH]),
    Hit.Rule.NAME_BIRTH_YEAR: (4, Hit.MatchKind.POSSIBLE, 75, [_F.NAME, _F.BIRTH_YEAR]),
    Hit.Rule.HOMOPHONE: (5, Hit.MatchKind.POSSIBLE, 70, [_F.NAME_PINYIN, _F.BIRTH_YEAR, _F.SEX]),
    Hit.Rule.ONE_CHARACTER: (6, Hit.MatchKind.POSSIBLE, 60, [_F.NAME, _F.BIRTH_YEAR, _F.SEX]),
    Hit.Rule.NAME_ONLY: (7, Hit.MatchKind.POSSIBLE, 50, [_F.NAME]),
}
_DAY, _YEAR = DatePrecision.DAY, DatePrecision.YEAR


def _year(column: str) -> str:
    """The birth year; on PostgreSQL the expression of entry_pinyin_year_idx (migration
    0008), so the homophone join probes (pinyin, year) exactly or hash-joins with the
    index's statistics. Both forms print as "1975", as the stored variant keys do."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})"
    return f"substr(CAST({column} AS TEXT), 1, 4)"


def _year_bounds(column: str) -> tuple[str, str]:
    """The first day of ``column``'s year and of the next: a range the (name key, birth
    date) indexes answer, where the year's expression would leave only the name key."""
    if connection.vendor == "postgresql":
        start = f"date_trunc('year', CAST({column} AS timestamp))"
        return f"CAST({start} AS date)", f"CAST({start} + interval '1 year' AS date)"
    return f"date({column}, 'start of year')", f"date({column}, 'start of year', '+1 year')"


def _same_year(inner: str, outer: str) -> str:
    """``inner``'s birth date in the year of ``outer``'s, as a range on ``inner``'s column."""
    start, end = _year_bounds(f"{outer}.birth_date")
    return f"{inner}.birth_date >= {start} AND {inner}.birth_date < {end}"


def variant_key_sql(alias: str, position: str | int = "pos.i") -> str:
    """The variant key of ``alias``'s name with ``position`` blanked: "1975|male|张*伟".

    With a constant position, on PostgreSQL the expression of a subject index of migration
    0010: the cast of the year to text makes it immutable, as an index needs.
    """
    before = f"{position} - 1" if isinstance(position, str) else str(position - 1)
    after = f"{position} + 1" if isinstance(position, str) else str(position + 1)
    return (
        f"CAST({_year(alias + '.birth_date')} AS TEXT) || '|' || {alias}.sex || '|' || "
        f"substr({alias}.name_key, 1, {before}) || '*' || substr({alias}.name_key, {after})"
    )


def _variant_filter(alias: str) -> str:
    return f"length({alias}.name_key) >= 3 AND {alias}.birth_date IS NOT NULL AND {alias}.sex <> ''"


def holds_star_sql(alias: str) -> str:
    """Whether ``alias``'s name key holds "*" (a name masked on a list, 张*): only two such
    names can share a one-character key blanked at different positions ("张**" is both
    张*伟's key at 3 and 张三*'s at 2). On PostgreSQL the predicate of entry_star_name_idx."""
    find = "strpos" if connection.vendor == "postgresql" else "instr"
    return f"{find}({alias}.name_key, '*') > 0"


def entries_analyze() -> None:
    """Bring the planner's statistics of the list up to date after an import wrote to it.

    The import's delta run follows at once, before autovacuum has looked: on statistics that
    knew nothing of this import the planner expected one entry and nested its loops (95 s for
    10,000 entries against 2,000 cadres). The whole table, not a list of columns: only then
    does PostgreSQL gather the statistics of the one-character keys' expression indexes
    (migration 0026), which tell the planner how many entries a key finds.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {WatchlistEntry._meta.db_table}")


def _serving_sql(cadre_ref: str) -> str:
    post = Post._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {post} p WHERE p.person_id = {cadre_ref} "
        f"AND p.term_start <= %s AND (p.ended_on IS NULL OR p.ended_on > %s))"
    )


# The chunk's matches, one row per (subject, entry) with its strongest rule and its place.
_FOUND = "screening_found"
# Positions of the one-character rule that migration 0010 indexes on the register's
# subjects; longer names have their later positions' keys computed in the chunk.
INDEXED_POSITIONS = 3


@dataclass
class _Branches:
    """The rule SELECTs of a chunk with their parameters, in order."""

    sql: list[str]
    params: list

    def add(self, sql: str, *params) -> None:
        self.sql.append(sql)
        self.params.extend(params)


def _fence() -> str:
    """Keeps PostgreSQL's planner from flattening a subquery into the query around it."""
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


def _probe(table: str, condition: str) -> str:
    """Join the subjects of ``table`` as ``s`` to the entry rows before it, on ``condition``.

    On PostgreSQL a LATERAL subquery, which the planner cannot flatten: it probes the
    subjects' index once per entry. Left to choose, it hashed the whole chunk instead,
    computing every subject's key, several times the cost of the probes when the entries
    are few (benchmarks/README.md). SQLite always probes.
    """
    if connection.vendor == "postgresql":
        return f"CROSS JOIN LATERAL (SELECT * FROM {table} s WHERE {condition}{_fence()}) s"
    return f"JOIN {table} s ON {condition}"


@dataclass(frozen=True)
class Chunk:
    """The subjects of a chunk and the rules it applies (ScreeningChunk)."""

    subject_kind: str
    pk_from: int
    pk_to: int
    part: str = ScreeningChunk.Part.ALL
    id_number_from: str = ""
    id_number_to: str = ""

    def subjects_sql(self, alias: str) -> tuple[str, list]:
        """The condition (and its parameters) on ``alias`` for a subject of the chunk."""
        sql, params = f"{alias}.id BETWEEN %s AND %s", [self.pk_from, self.pk_to]
        if self.part == ScreeningChunk.Part.ID_NUMBER:
            id_sql, id_params = self.id_numbers_sql(alias)
            sql, params = f"{sql} AND {id_sql}", params + id_params
        return sql, params

    def id_numbers_sql(self, alias: str) -> tuple[str, list]:
        """``alias``'s ID number in the chunk's range (which excludes none)."""
        sql, params = f"{alias}.id_number >= %s", [self.id_number_from]
        if self.id_number_to:
            sql, params = f"{sql} AND {alias}.id_number < %s", [*params, self.id_number_to]
        return sql, params


def _matches_sql(
    subject: Subject,
    chunk_spec: Chunk,
    *,
    entry_filter: str,
    entry_params: list,
    from_entries: bool,
    stars: bool = False,
) -> tuple[str, list]:
    """Every (subject, entry, rule) of the chunk's subjects, live or not; each SELECT has
    the same columns and is one equality join that the database can hash or probe.

    Each rule by name is split by whether the subject has an ID number: one that has is
    compared only with the entries that have none. Those are few, so with
    ``from_entries`` their side drives: each probes the subjects' indexes, and a chunk of
    subjects with ID numbers reads the whole list only once, for the join on ID number.
    """
    entry = WatchlistEntry._meta.db_table
    table = subject.table
    chunk, chunk_params = chunk_spec.subjects_sql("s")
    entry_ok = f"e.active AND {entry_filter}"
    names_year_sex = (
        f"s.name_key || '|' || e.name_key || '|' || {_year('s.birth_date')} || '|' || s.sex"
    )
    year_sex = f"{_year('e.birth_date')} = {_year('s.birth_date')} AND e.sex = s.sex"
    branches = _Branches([], [])

    def select(name: str | tuple[str, str], snapshot: str) -> str:
        """The head of a rule's SELECT; ``name`` is a rule, or the SQL of its rank and rule."""
        rank, rule = (RULES[name][0], f"'{name}'") if isinstance(name, str) else name
        return (
            f"SELECT s.id AS subject_id, s.{subject.cadre_column} AS owner_id, "
            f"e.id AS entry_id, {rank} AS rnk, {rule} AS rule, {snapshot} AS snapshot"
        )

    def by_name(
        name: str | tuple[str, str],
        snapshot: str,
        on: str,
        where: str = "1 = 1",
        probe_on: str | None = None,
    ) -> None:
        """The rule ``name`` joining on ``on``, both ways round; ``probe_on``, if given, is
        the same condition written for the subjects' indexes, when the entries probe them."""
        head = select(name, snapshot)
        branches.add(
            f"{head} FROM {table} s JOIN {entry} e ON {on} "
            f"WHERE {chunk} AND s.id_number IS NULL AND {where} AND {entry_ok}",
            *chunk_params,
            *entry_params,
        )
        if from_entries:
            branches.add(
                f"{head} FROM {entry} e {_probe(table, probe_on or on)} "
                f"WHERE e.id_number IS NULL AND {entry_ok} AND {chunk} "
                f"AND s.id_number IS NOT NULL AND {where}",
                *entry_params,
                *chunk_params,
            )
        else:
            branches.add(
                f"{head} FROM {table} s JOIN {entry} e ON {on} WHERE {chunk} "
                f"AND s.id_number IS NOT NULL AND e.id_number IS NULL AND {where} AND {entry_ok}",
                *chunk_params,
                *entry_params,
            )

    if chunk_spec.part != ScreeningChunk.Part.NAMES:
        # The entries' side of the range too: the planner does not carry it over the join.
        id_range, id_params = (
            chunk_spec.id_numbers_sql("e")
            if chunk_spec.part == ScreeningChunk.Part.ID_NUMBER
            else ("1 = 1", [])
        )
        branches.add(
            select(Hit.Rule.ID_NUMBER, "s.id_number")
            + f" FROM {table} s JOIN {entry} e ON e.id_number = s.id_number "
            f"WHERE {chunk} AND {id_range} AND {entry_ok}",
            *chunk_params,
            *id_params,
            *entry_params,
        )
    if chunk_spec.part == ScreeningChunk.Part.ID_NUMBER:
        return " UNION ALL ".join(branches.sql), branches.params
    by_name(
        Hit.Rule.NAME_BIRTH,
        "s.name_key || '|' || CAST(s.birth_date AS TEXT)",
        "s.name_key = e.name_key AND s.birth_date = e.birth_date",
        f"s.birth_date_precision = {_DAY} AND e.birth_date_precision = {_DAY}",
    )
    # One side known only to the month or the year: the same year (a range on the probed
    # side's index), then the same month where neither is known only to the year.
    coarser = (
        "CASE WHEN s.birth_date_precision > e.birth_date_precision "
        "THEN s.birth_date_precision ELSE e.birth_date_precision END"
    )
    month = "substr(CAST({}.birth_date AS TEXT), 1, 7)"
    partial = (
        f"CASE {coarser} WHEN {_YEAR} THEN {RULES[Hit.Rule.NAME_BIRTH_YEAR][0]} "
        f"ELSE {RULES[Hit.Rule.NAME_BIRTH_MONTH][0]} END",
        f"CASE {coarser} WHEN {_YEAR} THEN '{Hit.Rule.NAME_BIRTH_YEAR}' "
        f"ELSE '{Hit.Rule.NAME_BIRTH_MONTH}' END",
    )
    partial_snapshot = (
        f"s.name_key || '|' || substr(CAST(s.birth_date AS TEXT), 1, "
        f"CASE {coarser} WHEN {_YEAR} THEN 4 ELSE 7 END)"
    )
    same_year = f"s.name_key = e.name_key AND {_same_year('e', 's')}"
    same_period = f"({coarser} = {_YEAR} OR {month.format('s')} = {month.format('e')})"
    # The entry known less precisely than the subject. Its own test comes first, on the
    # entries alone, so that a list given to the day is left out before any join (a subject
    # with an ID number is known to the day).
    by_name(
        partial,
        partial_snapshot,
        same_year,
        f"e.birth_date_precision > {_DAY} "
        f"AND e.birth_date_precision > s.birth_date_precision AND {same_period}",
        probe_on=f"s.name_key = e.name_key AND {_same_year('s', 'e')}",
    )
    # The subject known less precisely than the entry, or as little: only a subject without
    # an ID number, and few of them.
    branches.add(
        f"{select(partial, partial_snapshot)} FROM {table} s JOIN {entry} e ON {same_year} "
        f"WHERE {chunk} AND s.id_number IS NULL AND s.birth_date_precision > {_DAY} "
        f"AND s.birth_date_precision >= e.birth_date_precision AND {same_period} AND {entry_ok}",
        *chunk_params,
        *entry_params,
    )
    by_name(
        Hit.Rule.HOMOPHONE,
        names_year_sex,
        "s.name_pinyin = e.name_pinyin",
        f"s.name_pinyin <> '' AND s.sex <> '' AND {year_sex}",
    )
    # An entry without a birth date has no ID number either: only the by_name form whose
    # entries have none applies, and the subject's ID number does not matter.
    head = select(Hit.Rule.NAME_ONLY, "s.name_key")
    on = "s.name_key = e.name_key"
    if from_entries:
        branches.add(
            f"{head} FROM {entry} e {_probe(table, on)} WHERE e.id_number IS NULL "
            f"AND e.birth_date IS NULL AND {entry_ok} AND {chunk}",
            *entry_params,
            *chunk_params,
        )
    else:
        branches.add(
            f"{head} FROM {table} s JOIN {entry} e ON {on} "
            f"WHERE {chunk} AND e.birth_date IS NULL AND {entry_ok}",
            *chunk_params,
            *entry_params,
        )

    # One character apart: names of the same length with one position blanked share a key.
    # The first positions, where nearly every name has its keys, are equal keys at the same
    # position: both sides have them as expression indexes on PostgreSQL (the entries'
    # migration 0026, the subjects' 0010), so either side may probe the other's.
    head = select(Hit.Rule.ONE_CHARACTER, names_year_sex)
    for position in range(1, INDEXED_POSITIONS + 1):
        by_name(
            Hit.Rule.ONE_CHARACTER,
            names_year_sex,
            f"{variant_key_sql('e', position)} = {variant_key_sql('s', position)}",
            # A name of two characters blanked at the third position keeps both ("张三*"):
            # the entry's length is what tells it from 张三丰's key.
            f"{_variant_filter('s')} AND length(e.name_key) >= {max(3, position)}",
        )

    def computed(entries: str, subjects: str, positions: str) -> None:
        """The keys of the few entries and subjects that ``entries`` and ``subjects`` select,
        computed at ``positions`` and joined on equal keys at any of them."""
        keys = (
            f"(SELECT e.id AS entry_id, {variant_key_sql('e')} AS key, "
            f"e.id_number IS NULL AS without_id_number FROM {entry} e "
            f"JOIN {_POSITIONS} pos ON {positions.format('e')} "
            f"WHERE {_variant_filter('e')} AND {entries})"
        )
        branches.add(
            f"{head} FROM {table} s JOIN {_POSITIONS} pos ON {positions.format('s')} "
            f"JOIN {keys} v ON v.key = {variant_key_sql('s')} "
            f"JOIN {entry} e ON e.id = v.entry_id WHERE {chunk} AND {_variant_filter('s')} "
            f"AND {subjects} AND (s.id_number IS NULL OR v.without_id_number) AND {entry_ok}",
            *chunk_params,
            *entry_params,
        )

    # The few longer names: their later positions (the entries' and the subjects' through
    # their long-name indexes on PostgreSQL).
    longer = f"length({{0}}.name_key) > {INDEXED_POSITIONS}"
    computed(
        longer.format("e"),
        longer.format("s"),
        f"pos.i > {INDEXED_POSITIONS} AND pos.i <= length({{0}}.name_key)",
    )
    if stars:
        computed(holds_star_sql("e"), holds_star_sql("s"), "pos.i <= length({0}.name_key)")
    return " UNION ALL ".join(branches.sql), branches.params


def _json(value) -> str:
    literal = "'" + json.dumps(value).replace("'", "''") + "'"
    return f"CAST({literal} AS jsonb)" if connection.vendor == "postgresql" else literal


@dataclass(frozen=True)
class ChunkCounts:
    subjects: int  # live subjects screened
    matches: int  # (subject, entry) pairs found, written or not
    hits_new: int
    hits_reopened: int


# What the probes of the subjects' indexes from one entry cost (one per rule by name and
# position) against hashing and reading one subject of a chunk: tens of times as much
# (benchmarks/README.md: the delta run's 10,000 entries without ID number against 100,000
# relatives took 1.5-1.9 s by hash joins and 4.9-5.4 s by probes; 2,000 entries probed
# 300,000 relatives in 0.2 s).
_PROBE_COST = 20


def _entries_drive(cursor, entry_filter: str, entry_params: list, *, subjects: int) -> bool:
    """Whether the entries without ID number are few enough, against ``subjects``, to drive
    the rules by name. Counted only as far as the answer needs: one subject, one entry."""
    cursor.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {WatchlistEntry._meta.db_table} e "
        f"WHERE e.id_number IS NULL AND e.active AND {entry_filter} LIMIT %s) t",
        [*entry_params, subjects // _PROBE_COST + 1],
    )
    return cursor.fetchone()[0] * _PROBE_COST < subjects


def match_chunk(
    chunk: Chunk,
    *,
    run_id: int,
    screen_import_id: int | None = None,
    today: dt.date | None = None,
    from_entries: bool | None = None,
) -> ChunkCounts:
    """Find and write the hits of the chunk's serving subjects, by the chunk's rules.

    New pairs become pending hits. A hit whose rule, matched values or place changed
    is refreshed (kind, rule, place, last run); a dismissed one is reopened only when
    its matched values changed. A hit found as it stands is not written at all, so a
    re-screen where nothing changed only reads: the nightly run costs the matching.
    ``screen_import_id`` restricts the entries to those an import added or changed.

    The matching is one read-only CREATE TABLE … AS over the subjects' own table, and the
    write takes only the changed rows from it. Whether a subject serves is asked of its
    matches only. ``from_entries`` drives the rules by name from the entries without ID
    number; by default it does when the subjects' table is indexed for it and those
    entries are few against the chunk's ids (_entries_drive).

    The pairs the parts find are disjoint: the rules by name compare only pairs of which
    one side has no ID number. So the subjects counted are those with an ID number in the
    range for the ID number part, those without one for the rules by name, and all of the
    range for both.
    """
    subject = SUBJECTS[chunk.subject_kind]
    today = today or timezone.localdate()
    now = timezone.now()
    hit = Hit._meta.db_table
    column = subject.hit_column
    village = Village._meta.db_table
    entry_filter = "e.screen_import_id = %s" if screen_import_id is not None else "1 = 1"
    entry_params = [screen_import_id] if screen_import_id is not None else []
    live, live_params = subject.live_sql("m.owner_id")
    serving_village, village_params = subject.village_sql("b.owner_id")
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Compiling the matching statement took ~3 s of a 50,000-subject chunk's
            # ~12 s, more than it saved (EXPLAIN ANALYZE, 1,000,000 entries). Local to
            # the chunk's transaction, where nothing else is costly enough for JIT.
            # Chunks are the parallelism: each worker runs one, so workers of the statement
            # would only contend with the other chunks for the cores.
            cursor.execute("SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0")
        if from_entries is None and not subject.indexed:
            from_entries = False
        elif from_entries is None and chunk.part != ScreeningChunk.Part.ID_NUMBER:
            from_entries = _entries_drive(
                cursor,
                entry_filter,
                entry_params,
                subjects=chunk.pk_to - chunk.pk_from + 1,
            )
        stars = False
        if chunk.part != ScreeningChunk.Part.ID_NUMBER:
            # Masked names are rare: their rule is left out unless a list holds one.
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {WatchlistEntry._meta.db_table} e "
                f"WHERE {holds_star_sql('e')} AND e.active AND {entry_filter})",
                entry_params,
            )
            stars = bool(cursor.fetchone()[0])
        matches, match_params = _matches_sql(
            subject,
            chunk,
            entry_filter=entry_filter,
            entry_params=entry_params,
            from_entries=bool(from_entries),
            stars=stars,
        )
        if postgresql and chunk.part == ScreeningChunk.Part.ID_NUMBER:
            # Both sides of the range are read in ID number order from their indexes and
            # merged, the list's index-only (migration 0012): 0.25 s for 100,000 cadres
            # against 1,000,000 entries, where the planner's choice, hashing the cadres
            # and reading the whole list, took 0.7 s.
            cursor.execute("SET LOCAL enable_hashjoin = off")
        # A hit found as it stands is marked here, in the read: tested in the INSERT, the
        # lookup would be planned against the table as it was before the INSERT filled it
        # (a first run starts from none) and could scan the growing table for every row.
        # Kind, score and fields follow from the rule: these columns are all that can change.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_FOUND} AS "
            f"WITH best AS (SELECT m.*, ROW_NUMBER() OVER "
            f"(PARTITION BY m.subject_id, m.entry_id ORDER BY m.rnk) AS rn "
            # Whether the subject serves is asked of the pairs found, after the joins: pushed
            # into them, the test ran for every subject of the range (0.3 s a chunk).
            f"FROM ({matches}{_fence()}) m WHERE {live}) "
            f"SELECT f.*, EXISTS (SELECT 1 FROM {hit} x WHERE x.{column} = f.subject_id "
            f"AND x.entry_id = f.entry_id AND x.rule = f.rule AND x.snapshot = f.snapshot "
            f"AND x.township_id {same} f.township_id AND x.village_id {same} f.village_id) "
            f"AS unchanged "
            # The village is looked up once per hit and its township joined, not a subquery
            # each.
            f"FROM (SELECT h.subject_id, h.entry_id, h.rule, h.snapshot, h.village_id, "
            f"v.township_id FROM (SELECT b.subject_id, b.entry_id, b.rule, b.snapshot, "
            f"{serving_village} AS village_id FROM best b WHERE b.rn = 1) h "
            f"LEFT JOIN {village} v ON v.id = h.village_id) f",
            [*match_params, *_bind(live_params, today), *_bind(village_params, today)],
        )
        found = _created_rows(cursor, _FOUND)
        if postgresql and chunk.part == ScreeningChunk.Part.ID_NUMBER:
            cursor.execute("RESET enable_hashjoin")
        cursor.execute(_write_sql(subject), [now, now, run_id, run_id, run_id])
        written = cursor.fetchall()
        cursor.execute(f"DROP TABLE {_FOUND}")
        counted, counted_params = chunk.subjects_sql("m")
        if chunk.part == ScreeningChunk.Part.NAMES:
            counted += " AND m.id_number IS NULL"
        cursor.execute(
            f"SELECT COUNT(*) FROM {subject.table} m WHERE {counted} AND "
            + subject.live_sql(f"m.{subject.cadre_column}")[0],
            [*counted_params, *_bind(live_params, today)],
        )
        subjects = cursor.fetchone()[0]
    return ChunkCounts(
        subjects=subjects,
        matches=found,
        hits_new=sum(1 for new, _reopened in written if new),
        hits_reopened=sum(1 for _new, reopened in written if reopened),
    )


def _write_sql(subject: Subject) -> str:
    """Write the found rows not marked unchanged: new pairs as pending hits, the rest
    refreshed; returns (new, reopened) per row written."""
    hit = Hit._meta.db_table
    column = subject.hit_column

    def by_rule(spec: int) -> str:
        return " ".join(f"WHEN '{rule}' THEN {value[spec]}" for rule, value in RULES.items())

    kinds = " ".join(f"WHEN '{rule}' THEN '{value[1]}'" for rule, value in RULES.items())
    fields = " ".join(f"WHEN '{rule}' THEN {_json(spec[3])}" for rule, spec in RULES.items())
    reopen = f"{hit}.status = 'dismissed' AND {hit}.snapshot <> excluded.snapshot"
    return (
        f"INSERT INTO {hit} (created_at, updated_at, subject_kind, {column}, "
        f"entry_id, township_id, village_id, match_kind, rule, score, matched_fields, snapshot, "
        f"status, reason, first_run_id, last_run_id) "
        f"SELECT %s, %s, '{subject.kind}', f.subject_id, f.entry_id, f.township_id, "
        f"f.village_id, CASE f.rule {kinds} END, f.rule, CASE f.rule {by_rule(2)} END, "
        f"CASE f.rule {fields} END, f.snapshot, 'pending', '', %s, %s "
        f"FROM {_FOUND} f WHERE NOT f.unchanged "
        f"ON CONFLICT ({column}, entry_id) DO UPDATE SET "
        f"updated_at = excluded.updated_at, match_kind = excluded.match_kind, "
        f"rule = excluded.rule, score = excluded.score, "
        f"matched_fields = excluded.matched_fields, township_id = excluded.township_id, "
        f"village_id = excluded.village_id, last_run_id = excluded.last_run_id, "
        f"status = CASE WHEN {reopen} THEN 'pending' ELSE {hit}.status END, "
        f"reopened_at = CASE WHEN {reopen} THEN excluded.updated_at "
        f"ELSE {hit}.reopened_at END, "
        f"snapshot = excluded.snapshot "
        f"RETURNING first_run_id = %s, reopened_at = updated_at"
    )


def _created_rows(cursor, table: str) -> int:
    """The rows a CREATE TABLE … AS just wrote: PostgreSQL reports them, SQLite does not."""
    if connection.vendor == "postgresql":
        return cursor.rowcount
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return cursor.fetchone()[0]


def subject_ranges(
    *, subject_kind: str, size: int, without_id_number: bool = False
) -> list[tuple[int, int]]:
    """Split a subject table into id ranges of about ``size`` rows each, or of about
    ``size`` rows without an ID number each (the ranges still cover the whole table)."""
    table = SUBJECTS[subject_kind].table
    counted = "WHERE id_number IS NULL" if without_id_number else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table}")
        first, last = cursor.fetchone()
        if first is None:
            return []
        cursor.execute(
            f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn "
            f"FROM {table} {counted}) t WHERE (rn - 1) %% %s = 0 ORDER BY id",
            [size],
        )
        # The first range starts at the table's first id whatever was counted.
        starts = [first, *[row[0] for row in cursor.fetchall()][1:]]
    return [
        (start, (starts[i + 1] - 1) if i + 1 < len(starts) else last)
        for i, start in enumerate(starts)
    ]


def id_number_ranges(*, subject_kind: str, size: int) -> list[tuple[str, str]]:
    """Split the ID numbers of a subject table into ranges [from, below) of about ``size``
    subjects each; the first starts at "" and the last ends at "", no end, so together they
    take in any ID number, whatever the database's collation."""
    table = SUBJECTS[subject_kind].table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT id_number FROM (SELECT id_number, "
            f"ROW_NUMBER() OVER (ORDER BY id_number) AS rn FROM {table} "
            f"WHERE id_number IS NOT NULL) t WHERE (rn - 1) %% %s = 0 ORDER BY id_number",
            [size],
        )
        starts = [row[0] for row in cursor.fetchall()]
    if not starts:
        return []
    bounds = ["", *starts[1:]]
    return [(start, bounds[i + 1] if i + 1 < len(bounds) else "") for i, start in enumerate(bounds)]


def run_chunks(*, size: int, full: bool) -> list[Chunk]:
    """The chunks of a run over every subject, about ``size`` subjects each.

    A delta run applies every rule to ranges of subject ids: its entries are few. A full
    run splits the join on ID number by ranges of ID numbers, so that its chunks read the
    million entries once between them, not once each (~0.5 s a chunk), and the rules by
    name by ranges of subject ids. Those cost a chunk the probes of the entries without ID
    number, whatever its width, and the subjects without one: while such entries are few
    (_entries_drive), these chunks are sized by the subjects without ID number, one for a
    whole table of subjects that all have one.
    """
    chunks: list[Chunk] = []
    few = False
    if full:
        with connection.cursor() as cursor:
            few = _entries_drive(cursor, "1 = 1", [], subjects=size)
    for kind, subject in SUBJECTS.items():
        ranges = subject_ranges(
            subject_kind=kind, size=size, without_id_number=few and subject.indexed
        )
        if not full:
            chunks += [Chunk(kind, first, last) for first, last in ranges]
            continue
        if not ranges:
            continue
        first, last = ranges[0][0], ranges[-1][1]
        chunks += [
            Chunk(kind, first, last, ScreeningChunk.Part.ID_NUMBER, low, below)
            for low, below in id_number_ranges(subject_kind=kind, size=size)
        ]
        chunks += [Chunk(kind, first, last, ScreeningChunk.Part.NAMES) for first, last in ranges]
    return chunks
