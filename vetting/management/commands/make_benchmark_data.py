# ruff: noqa: S311, S608
# (Seeded generator: reproducibility, not secrecy; SQL names come from the models.)
"""Benchmark data for screening (DESIGN.md §5): cadres, relatives and list entries.

Fixed seed, so every run builds the same data. Rows are written in large batches
(COPY on PostgreSQL); names come from a small vocabulary so that their keys are
computed once each.
"""

import datetime as dt
import functools
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cadres.identity import check_character
from cadres.models import ImportFile, Person, Post, Relative, Township, Village
from cadres.services import identity_values
from vetting import engine
from vetting.bulk import insert_rows
from vetting.models import WatchlistEntry, WatchlistImport, WatchlistSource

SEED = 20260501
SOURCE_NAME = "基准测试名单"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌海燕鹏飞波宇"


@functools.cache
def _identity(name: str) -> tuple[str, str]:
    values = identity_values(name=name)
    return values["name_key"], values["name_pinyin"]


def _id_number(rng: random.Random, birth: dt.date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"220502{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def _person(rng: random.Random, start: int, end: int) -> dict:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    birth = dt.date(rng.randrange(start, end), rng.randrange(1, 13), rng.randrange(1, 29))
    male = rng.random() < 0.5
    key, pinyin = _identity(name)
    return {
        "name": name,
        "name_key": key,
        "name_pinyin": pinyin,
        "id_number": _id_number(rng, birth, male),
        "birth_date": birth,
        "sex": "male" if male else "female",
    }


def _write(model, columns: list[str], rows) -> None:
    insert_rows(model._meta.db_table, columns, rows)


class Command(BaseCommand):
    help = (
        "Generate screening benchmark data with a fixed seed (N cadres, 3N relatives, M entries)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cadres", type=int, default=100_000)
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies both counts")

    def handle(self, *args, cadres: int, entries: int, scale: float, **options):
        cadres, entries = max(1, int(cadres * scale)), max(1, int(entries * scale))
        if WatchlistSource.objects.filter(name=SOURCE_NAME).exists():
            raise CommandError("benchmark data already exist in this database")
        rng = random.Random(SEED)
        now = timezone.now()
        with transaction.atomic():
            self._build(rng, now, cadres, entries)
        self.stdout.write(f"{cadres} cadres, {3 * cadres} relatives, {entries} entries")

    def _build(self, rng, now, cadres: int, entries: int) -> None:
        township = Township.objects.get(code="220502100")
        villages = Village.objects.bulk_create(
            Village(township=township, code=f"220502100{n:03d}", name=f"基准{n}村")
            for n in range(700, 1000)
        )
        person_base = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        relative_base = (
            Relative.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        people, seen = [], set()
        while len(people) < cadres:  # a cadre's ID number is unique in the register
            person = _person(rng, 1960, 2000)
            if person["id_number"] not in seen:
                seen.add(person["id_number"])
                people.append(person)
        identity = ["name", "name_key", "name_pinyin", "id_number", "birth_date", "sex"]
        _write(
            Person,
            [
                "id",
                "created_at",
                "updated_at",
                *identity,
                "name_initials",
                "ethnicity",
                "political_status",
                "education",
                "phone",
                "strict_control_reason",
            ],
            (
                (person_base + i, now, now, *(p[k] for k in identity), "", "01", "", "", "", "")
                for i, p in enumerate(people)
            ),
        )
        _write(
            Post,
            [
                "created_at",
                "updated_at",
                "person_id",
                "village_id",
                "body",
                "title",
                "term_start",
                "term_end",
                "end_reason",
                "end_note",
            ],
            (
                (
                    now,
                    now,
                    person_base + i,
                    villages[i % len(villages)].pk,
                    "villagers_committee",
                    "member",
                    "2021-12-01",
                    "2026-12-01",
                    "",
                    "",
                )
                for i in range(cadres)
            ),
        )
        relatives = [_person(rng, 1940, 2015) for _ in range(3 * cadres)]
        _write(
            Relative,
            [
                "id",
                "created_at",
                "updated_at",
                *identity,
                "cadre_id",
                "relation",
                "work_unit_and_post",
            ],
            (
                (
                    relative_base + i,
                    now,
                    now,
                    *(r[k] for k in identity),
                    person_base + i // 3,
                    "other",
                    "",
                )
                for i, r in enumerate(relatives)
            ),
        )
        user, _created = get_user_model().objects.get_or_create(
            username="benchmark", defaults={"name": "基准测试"}
        )
        record = ImportFile.objects.create(
            kind=ImportFile.Kind.WATCHLIST,
            original_name="benchmark.xlsx",
            sha256="0" * 64,
            size=0,
            file="imports/benchmark.xlsx",
            uploaded_by=user,
            status=ImportFile.Status.IMPORTED,
        )
        source = WatchlistSource.objects.create(
            name=SOURCE_NAME, kind=WatchlistSource.Kind.CRIMINAL
        )
        imp = WatchlistImport.objects.create(
            source=source, import_file=record, imported_by=user, rows=entries, added=entries
        )
        subjects = people + relatives

        def entry(i: int) -> tuple:
            roll = rng.random()
            if roll < 0.002:  # the same person: strong
                e = dict(rng.choice(subjects))
            elif roll < 0.004:  # same name and birth date, no ID number: probable
                e = {**rng.choice(subjects), "id_number": None}
            else:
                e = _person(rng, 1940, 2005)
            return (
                now,
                now,
                *(e[k] for k in identity),
                source.pk,
                f"{e['id_number'] or e['name_key']}|{i}",
                "有期徒刑",
                "",
                "",
                "{}",
                True,
                imp.pk,
                imp.pk,
            )

        _write(
            WatchlistEntry,
            [
                "created_at",
                "updated_at",
                *identity,
                "source_id",
                "row_key",
                "measure",
                "deciding_body",
                "description",
                "raw",
                "active",
                "last_import_id",
                "screen_import_id",
            ],
            (entry(i) for i in range(entries)),
        )
        engine.entry_variants_rebuild(screen_import_id=imp.pk)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Person, Relative, WatchlistEntry):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                        f"(SELECT MAX(id) FROM {model._meta.db_table}))"
                    )
                cursor.execute("ANALYZE")
