# ruff: noqa: S608
# (The SQL is assembled from model table names and constants; values are always parameters.)
"""The matching engine: persons against list entries, set-wise, in the database.

One INSERT … SELECT … ON CONFLICT per chunk of subjects finds every match of
every rule, keeps the strongest rule per (subject, entry) and writes the hits, so
a run may be repeated or a chunk redone without duplicates. The SQL is portable
between SQLite and PostgreSQL; every join is an equality on an indexed column
(or on the derived keys of EntryNameVariant), so one subject is screened through
index lookups and a full run through hash joins.

Rules, strongest first (rank, match kind, score, matched fields):
  id_number     strong    100  equal normalized ID number
  name_birth    probable   90  equal name key and birth date
  homophone     possible   70  equal name pinyin, birth year and sex
  one_character possible   60  names of 3+ characters one character apart, same birth year and sex
  name_only     possible   50  equal name key, the entry has no birth date

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
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from cadres.models import Person, Post, Relative, Village
from vetting.models import (
    CandidateCase,
    CandidateRelative,
    EntryNameVariant,
    Hit,
    WatchlistEntry,
)
from vetting.models.screening import SubjectKind

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
    SubjectKind.CADRE: Subject(SubjectKind.CADRE, Person._meta.db_table, "person_id", "id"),
    SubjectKind.RELATIVE: Subject(
        SubjectKind.RELATIVE, Relative._meta.db_table, "relative_id", "cadre_id"
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


RULES = {
    # rule: (rank, match kind, score, matched fields)
    Hit.Rule.ID_NUMBER: (1, Hit.MatchKind.STRONG, 100, ["id_number"]),
    Hit.Rule.NAME_BIRTH: (2, Hit.MatchKind.PROBABLE, 90, ["name", "birth_date"]),
    Hit.Rule.HOMOPHONE: (3, Hit.MatchKind.POSSIBLE, 70, ["name_pinyin", "birth_year", "sex"]),
    Hit.Rule.ONE_CHARACTER: (4, Hit.MatchKind.POSSIBLE, 60, ["name", "birth_year", "sex"]),
    Hit.Rule.NAME_ONLY: (5, Hit.MatchKind.POSSIBLE, 50, ["name"]),
}


def _year(column: str) -> str:
    """The birth year; on PostgreSQL the expression of entry_pinyin_year_idx (migration
    0008), so the homophone join probes (pinyin, year) exactly or hash-joins with the
    index's statistics. Both forms print as "1975", as the stored variant keys do."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})"
    return f"substr(CAST({column} AS TEXT), 1, 4)"


def variant_key_sql(alias: str) -> str:
    """The variant key of ``alias``'s name with position ``pos.i`` blanked: "1975|male|张*伟"."""
    return (
        f"{_year(alias + '.birth_date')} || '|' || {alias}.sex || '|' || "
        f"substr({alias}.name_key, 1, pos.i - 1) || '*' || substr({alias}.name_key, pos.i + 1)"
    )


def _variant_filter(alias: str) -> str:
    return f"length({alias}.name_key) >= 3 AND {alias}.birth_date IS NOT NULL AND {alias}.sex <> ''"


def entry_variants_rebuild(
    *, screen_import_id: int | None = None, entry_ids: Sequence[int] = ()
) -> None:
    """Derive the one-character keys of the entries an import added or changed, or of the
    given entries, and bring the planner's statistics of the list up to date."""
    variant = EntryNameVariant._meta.db_table
    entry = WatchlistEntry._meta.db_table
    selections = [("e.screen_import_id = %s", [screen_import_id])] if screen_import_id else []
    for first in range(0, len(entry_ids), 500):
        ids = list(entry_ids[first : first + 500])
        selections.append((f"e.id IN ({', '.join(['%s'] * len(ids))})", ids))
    if not selections:
        return  # nothing changed: the statistics stand
    with connection.cursor() as cursor:
        for where, params in selections:
            cursor.execute(
                f"DELETE FROM {variant} WHERE entry_id IN "
                f"(SELECT e.id FROM {entry} e WHERE {where})",
                params,
            )
            # The entries' old keys are gone, so DISTINCT (a name holding "*" can repeat a
            # key) is all uniqueness needs: cheaper than ON CONFLICT's check per row.
            cursor.execute(
                f"INSERT INTO {variant} (entry_id, key, without_id_number) "
                f"SELECT DISTINCT e.id, {variant_key_sql('e')}, e.id_number IS NULL "
                f"FROM {entry} e JOIN {_POSITIONS} pos ON pos.i <= length(e.name_key) "
                f"WHERE {where} AND {_variant_filter('e')}",
                params,
            )
        if connection.vendor == "postgresql":
            # The import's delta run follows at once, before autovacuum has looked: on
            # statistics that knew nothing of this import the planner expected one entry
            # and nested its loops (95 s for 10,000 entries against 2,000 cadres).
            # Only the columns the matching filters and joins on: half the time of all.
            cursor.execute(
                f"ANALYZE {entry} (id_number, name_key, name_pinyin, birth_date, sex, active, "
                f"screen_import_id), {variant} (key, without_id_number)"
            )


def _serving_sql(cadre_ref: str) -> str:
    post = Post._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {post} p WHERE p.person_id = {cadre_ref} "
        f"AND p.term_start <= %s AND (p.ended_on IS NULL OR p.ended_on > %s))"
    )


# The chunk's live subjects with the columns the rules compare, computed once, and the
# chunk's matches, one row per (subject, entry) with its strongest rule and its place.
_SUBJECTS = "screening_subjects"
_FOUND = "screening_found"


def _subjects_sql(subject: Subject) -> str:
    """The chunk's live subjects, for a temporary table that every rule joins.

    A table, not a CTE: the liveness test runs once per subject, and ANALYZE gives
    PostgreSQL's planner the subjects' statistics. Without them it took every ID number
    of a CTE for one of 200 values and hashed the million entries rather than the
    chunk's subjects, once for each rule.
    """
    owner = "s0." + subject.cadre_column
    return (
        f"SELECT s0.id, {owner} AS owner_id, s0.id_number, s0.name_key, s0.name_pinyin, "
        f"s0.birth_date, s0.sex, {_year('s0.birth_date')} AS birth_year "
        f"FROM {subject.table} s0 WHERE s0.id BETWEEN %s AND %s AND {subject.live_sql(owner)[0]}"
    )


def _matches_sql(entry_filter: str) -> str:
    """Every (subject, entry, rule) of the chunk; each SELECT has the same columns.

    Each SELECT is one equality join that PostgreSQL can hash or probe. Each rule by name
    is split by whether the subject has an ID number: one that has is compared only with
    the entries that have none, through partial indexes over those few, so a chunk of
    subjects with ID numbers reads the whole list once, for the join on ID number.
    """
    entry = WatchlistEntry._meta.db_table
    variant = EntryNameVariant._meta.db_table

    def select(name: str, snapshot: str) -> str:
        return (
            f"SELECT s.id AS subject_id, s.owner_id, e.id AS entry_id, {RULES[name][0]} AS rnk, "
            f"'{name}' AS rule, {snapshot} AS snapshot"
        )

    def by_name(statement: str, entry_without_id: str = "e.id_number IS NULL") -> list[str]:
        return [
            f"{statement} AND s.id_number IS NULL",
            f"{statement} AND s.id_number IS NOT NULL AND {entry_without_id}",
        ]

    entry_ok = f"e.active AND {entry_filter}"
    names_year_sex = "s.name_key || '|' || e.name_key || '|' || s.birth_year || '|' || s.sex"
    return " UNION ALL ".join(
        [
            select(Hit.Rule.ID_NUMBER, "s.id_number")
            + f" FROM {_SUBJECTS} s JOIN {entry} e ON e.id_number = s.id_number WHERE {entry_ok}",
            *by_name(
                select(Hit.Rule.NAME_BIRTH, "s.name_key || '|' || CAST(s.birth_date AS TEXT)")
                + f" FROM {_SUBJECTS} s JOIN {entry} e"
                " ON e.name_key = s.name_key AND e.birth_date = s.birth_date"
                f" WHERE {entry_ok}"
            ),
            *by_name(
                select(Hit.Rule.HOMOPHONE, names_year_sex) + f" FROM {_SUBJECTS} s JOIN {entry} e"
                f" ON e.name_pinyin = s.name_pinyin AND {_year('e.birth_date')} = s.birth_year"
                f" WHERE s.name_pinyin <> '' AND s.sex <> '' AND e.sex = s.sex AND {entry_ok}"
            ),
            *by_name(
                select(Hit.Rule.ONE_CHARACTER, names_year_sex)
                + f" FROM {_SUBJECTS} s JOIN {_POSITIONS} pos ON pos.i <= length(s.name_key)"
                f" JOIN {variant} v ON v.key = {variant_key_sql('s')}"
                f" JOIN {entry} e ON e.id = v.entry_id"
                f" WHERE {_variant_filter('s')} AND {entry_ok}",
                entry_without_id="v.without_id_number",
            ),
            # An entry without a birth date has no ID number either.
            select(Hit.Rule.NAME_ONLY, "s.name_key")
            + f" FROM {_SUBJECTS} s JOIN {entry} e ON e.name_key = s.name_key"
            f" WHERE e.birth_date IS NULL AND {entry_ok}",
        ]
    )


# Rule selects in _matches_sql that take the entry filter's parameter.
_RULE_SELECTS = 8


def _json(value) -> str:
    literal = "'" + json.dumps(value).replace("'", "''") + "'"
    return f"CAST({literal} AS jsonb)" if connection.vendor == "postgresql" else literal


@dataclass(frozen=True)
class ChunkCounts:
    subjects: int  # live subjects screened
    matches: int  # (subject, entry) pairs found, written or not
    hits_new: int
    hits_reopened: int


def match_chunk(
    *,
    subject_kind: str,
    pk_from: int,
    pk_to: int,
    run_id: int,
    screen_import_id: int | None = None,
    today: dt.date | None = None,
) -> ChunkCounts:
    """Find and write the hits of the serving subjects with ids in [pk_from, pk_to].

    New pairs become pending hits. A hit whose rule, matched values or place changed
    is refreshed (kind, rule, place, last run); a dismissed one is reopened only when
    its matched values changed. A hit found as it stands is not written at all, so a
    re-screen where nothing changed only reads: the nightly run costs the matching.
    ``screen_import_id`` restricts the entries to those an import added or changed.

    The matching is one read-only CREATE TABLE … AS, and the write takes only the
    changed rows from it. The read runs in one process: the subjects are a temporary
    table, which parallel workers cannot read; a run's chunks are its parallelism.
    """
    subject = SUBJECTS[subject_kind]
    today = today or timezone.localdate()
    now = timezone.now()
    hit = Hit._meta.db_table
    column = subject.hit_column
    village = Village._meta.db_table
    entry_filter = "e.screen_import_id = %s" if screen_import_id is not None else "1 = 1"
    live_params = _bind(subject.live_sql("")[1], today)
    entry_params = [screen_import_id] * _RULE_SELECTS if screen_import_id is not None else []
    serving_village, village_params = subject.village_sql("b.owner_id")
    village_params = _bind(village_params, today)
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    # A hit found as it stands is marked here, in the read: tested in the INSERT, the
    # lookup would be planned against the table as it was before the INSERT filled it
    # (a first run starts from none) and could scan the growing table for every row.
    # Kind, score and fields follow from the rule: these columns are all that can change.
    find = (
        f"CREATE TEMPORARY TABLE {_FOUND} AS "
        f"WITH best AS (SELECT m.*, ROW_NUMBER() OVER "
        f"(PARTITION BY m.subject_id, m.entry_id ORDER BY m.rnk) AS rn "
        f"FROM ({_matches_sql(entry_filter)}) m) "
        f"SELECT f.*, EXISTS (SELECT 1 FROM {hit} x WHERE x.{column} = f.subject_id "
        f"AND x.entry_id = f.entry_id AND x.rule = f.rule AND x.snapshot = f.snapshot "
        f"AND x.township_id {same} f.township_id AND x.village_id {same} f.village_id) "
        f"AS unchanged "
        # The village is looked up once per hit and its township joined, not a subquery each.
        f"FROM (SELECT h.subject_id, h.entry_id, h.rule, h.snapshot, h.village_id, "
        f"v.township_id FROM (SELECT b.subject_id, b.entry_id, b.rule, b.snapshot, "
        f"{serving_village} AS village_id FROM best b WHERE b.rn = 1) h "
        f"LEFT JOIN {village} v ON v.id = h.village_id) f"
    )

    def by_rule(spec: int) -> str:
        return " ".join(f"WHEN '{rule}' THEN {value[spec]}" for rule, value in RULES.items())

    kinds = " ".join(f"WHEN '{rule}' THEN '{value[1]}'" for rule, value in RULES.items())
    fields = " ".join(f"WHEN '{rule}' THEN {_json(spec[3])}" for rule, spec in RULES.items())
    reopen = f"{hit}.status = 'dismissed' AND {hit}.snapshot <> excluded.snapshot"
    write = (
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
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Compiling the matching statement took ~3 s of a 50,000-subject chunk's
            # ~12 s, more than it saved (EXPLAIN ANALYZE, 1,000,000 entries). Local to
            # the chunk's transaction, where nothing else is costly enough for JIT.
            # A sample of 3,000 rows tells unique ID numbers from repeated ones as well
            # as the default 30,000, in a third of the time.
            cursor.execute("SET LOCAL jit = off; SET LOCAL default_statistics_target = 10")
        # No finally: a failed chunk rolls its transaction back, and the tables with it.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_SUBJECTS} AS {_subjects_sql(subject)}",
            [pk_from, pk_to, *live_params],
        )
        subjects = _created_rows(cursor, _SUBJECTS)
        if postgresql:
            cursor.execute(f"ANALYZE {_SUBJECTS}")
        cursor.execute(find, [*entry_params, *village_params])
        matches = _created_rows(cursor, _FOUND)
        cursor.execute(write, [now, now, run_id, run_id, run_id])
        written = cursor.fetchall()
        for table in (_FOUND, _SUBJECTS):
            cursor.execute(f"DROP TABLE {table}")
    return ChunkCounts(
        subjects=subjects,
        matches=matches,
        hits_new=sum(1 for new, _reopened in written if new),
        hits_reopened=sum(1 for _new, reopened in written if reopened),
    )


def _created_rows(cursor, table: str) -> int:
    """The rows a CREATE TABLE … AS just wrote: PostgreSQL reports them, SQLite does not."""
    if connection.vendor == "postgresql":
        return cursor.rowcount
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return cursor.fetchone()[0]


def subject_ranges(*, subject_kind: str, size: int) -> list[tuple[int, int]]:
    """Split a subject table into id ranges of about ``size`` rows each."""
    table = SUBJECTS[subject_kind].table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM {table}) t "
            f"WHERE (rn - 1) %% %s = 0 ORDER BY id",
            [size],
        )
        starts = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        last = cursor.fetchone()[0]
    return [
        (start, (starts[i + 1] - 1) if i + 1 < len(starts) else last)
        for i, start in enumerate(starts)
    ]
