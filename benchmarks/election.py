"""General election results confirmed (issue 23): one township, 120 villages.

Runs on whatever DATABASE_URL is set, in a fresh test database that it creates and drops.
Builds, in each of two townships (金厂镇 and 环通乡), 120 villages, each with a serving team of
seven (secretary, two party branch members, villagers' committee director and two members,
supervision committee director), an open election and, per village, seven approved candidate
cases (four of the old team re-elected, three newcomers, the secretary also director: 一肩挑)
with their results entered. Then the district confirms 金厂镇's villages one transaction each,
as the village page does (the time and query count per village, constant: min = max), and
环通乡's all at once, as the township's button does (``results_confirm_many``: its time and
queries). The budget is for the township: total_seconds (the batch) ≤ 5.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/election.py [--villages 120]

Prints `name value` lines.
"""

import argparse
import datetime as dt
import os
import time

from scratch import scratch_database

VILLAGES = 120


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=VILLAGES)
    parser.add_argument(
        "--show-queries", action="store_true", help="print the last village's queries, timed"
    )
    args = parser.parse_args()
    with scratch_database():
        run(args.villages, show_queries=args.show_queries)


def _id_number(birth: dt.date, sequence: int) -> str:
    from cadres.identity import check_character

    first17 = f"220502{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


def run(count: int, show_queries: bool = False) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cadres.identity import name_initials
    from cadres.models import Person, Post, Township, Village
    from cadres.scoping import township_access_set
    from cadres.services import identity_values
    from vetting.models import CandidateCase, ElectionVillage
    from vetting.services import election

    townships = list(Township.objects.filter(code__in=["220502100", "220502200"]).order_by("code"))
    villages_of = {
        township.pk: Village.objects.bulk_create(
            Village(township=township, code=f"{township.code}{200 + i:03d}", name=f"第{i + 1}村")
            for i in range(count)
        )
        for township in townships
    }
    villages = [village for of_township in villages_of.values() for village in of_township]
    users = get_user_model()
    staff = users.objects.create_user(username="bench-staff", name="乡镇干事")
    staff.groups.add(Group.objects.get(name="乡镇工作人员"))
    township_access_set(user=staff, townships=townships)
    district = users.objects.create_user(username="bench-district", name="组织部")
    district.groups.add(Group.objects.get(name="区级审核人"))

    old_team = [
        ("party_branch", "secretary"),
        ("party_branch", "member"),
        ("party_branch", "member"),
        ("villagers_committee", "director"),
        ("villagers_committee", "member"),
        ("villagers_committee", "member"),
        ("supervision_committee", "director"),
    ]
    sequence = 0

    def person(name: str) -> Person:
        nonlocal sequence
        sequence += 1
        birth = dt.date(1960 + sequence % 40, sequence % 12 + 1, sequence % 28 + 1)
        identity = identity_values(name=name, id_number=_id_number(birth, sequence))
        return Person(**identity, name_initials=name_initials(identity["name_key"]))

    def hanzi(number: int) -> str:
        return "".join("零一二三四五六七八九"[int(digit)] for digit in str(number))

    people = Person.objects.bulk_create(
        [
            person(f"原{hanzi(v)}班子{hanzi(i)}")
            for v in range(len(villages))
            for i in range(len(old_team))
        ]
    )
    Post.objects.bulk_create(
        Post(
            person=people[v * len(old_team) + i],
            village=village,
            body=body,
            title=title,
            term_start=dt.date(2021, 12, 1),
            term_end=dt.date(2026, 12, 1),
            origin="roster",
        )
        for v, village in enumerate(villages)
        for i, (body, title) in enumerate(old_team)
    )
    newcomers = Person.objects.bulk_create(
        [person(f"新{hanzi(v)}人选{hanzi(i)}") for v in range(len(villages)) for i in range(3)]
    )
    the_election = election.election_open(
        actor=district,
        name="2026年换届",
        year=2026,
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 31),
        joint_review_deadline=dt.date(2026, 11, 30),
        filing_deadline=dt.date(2026, 12, 31),
    )
    ElectionVillage.objects.filter(plan__election=the_election).update(
        election_on=dt.date(2026, 12, 10)
    )
    now = timezone.now()
    cases = []
    for v, village in enumerate(villages):
        old = people[v * len(old_team) : (v + 1) * len(old_team)]
        new = newcomers[v * 3 : (v + 1) * 3]
        team = [
            (new[0], "party_branch", "secretary"),
            (new[0], "villagers_committee", "director"),  # 一肩挑
            (old[1], "party_branch", "member"),
            (old[2], "party_branch", "member"),
            (old[4], "villagers_committee", "member"),
            (new[1], "villagers_committee", "member"),
            (old[6], "supervision_committee", "director"),
        ]
        for who, body, title in team:
            cases.append(
                CandidateCase(
                    **identity_values(name=who.name, id_number=who.id_number),
                    person=who,
                    village=village,
                    body=body,
                    title=title,
                    term_start=dt.date(2026, 12, 10),
                    reason="换届提名",
                    state="approved",
                    nominated_by=staff,
                    decided_by=district,
                    decided_at=now,
                    election=the_election,
                )
            )
    cases = CandidateCase.objects.bulk_create(cases)
    by_village: dict[int, dict[int, int]] = {}
    for case in cases:
        by_village.setdefault(case.village_id, {})[case.pk] = 500
    rows = {
        township.pk: list(
            ElectionVillage.objects.filter(
                plan__election=the_election, village__in=villages_of[township.pk]
            )
        )
        for township in townships
    }
    for ev in rows[townships[0].pk] + rows[townships[1].pk]:
        election.results_enter(actor=staff, village=ev, elected=by_village[ev.village_id])

    one_by_one, at_once = rows[townships[0].pk], rows[townships[1].pk]
    print(f"villages {len(one_by_one)}", flush=True)
    print(f"load_before {os.getloadavg()[0]:.2f}", flush=True)
    queries, seconds = [], []
    started = time.perf_counter()
    for ev in one_by_one:
        connection.queries_log.clear()  # its window is 9,000 queries
        begin = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            election.results_confirm(actor=district, village=ev)
        seconds.append(time.perf_counter() - begin)
        queries.append(len(captured))
    per_village_total = time.perf_counter() - started
    connection.queries_log.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as batch:
        election.results_confirm_many(actor=district, villages=at_once)
    batch_total = time.perf_counter() - started
    if show_queries:
        for label, shown in (("village", captured), ("batch", batch)):
            print(f"{label}:")
            for query in shown.captured_queries:
                print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
    for township in townships:
        ended = Post.objects.filter(
            village__in=villages_of[township.pk], end_reason="election"
        ).count()
        started_posts = Post.objects.filter(
            village__in=villages_of[township.pk], origin="case"
        ).count()
        print(f"posts_ended_{township.code} {ended}")
        print(f"posts_started_{township.code} {started_posts}")
    print(f"queries_per_village_first {queries[0]}")
    print(f"queries_per_village_min {min(queries[1:] or queries)}")
    print(f"queries_per_village_max {max(queries[1:] or queries)}")
    print(f"ms_per_village_median {sorted(seconds)[len(seconds) // 2] * 1000:.1f}")
    print(f"per_village_total_seconds {per_village_total:.2f}")
    print(f"batch_queries {len(batch)}")
    print(f"batch_seconds {batch_total:.2f}")
    print(f"load_after {os.getloadavg()[0]:.2f}")
    # The budget is the township's: its results confirmed at once.
    print(f"total_seconds {batch_total:.2f}")
    print(f"budget_ratio {batch_total / 5:.2f}")


if __name__ == "__main__":
    main()
