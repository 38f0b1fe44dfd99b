"""Watchlists that give 出生年月 (1972.08) or a year: accepted where the ID number agrees as far
as the list goes, kept at their precision, and screened by it: an equal name and birth
month is probable, an equal name and birth year alone possible, on either side."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from cadres.dates import DAY, MONTH, YEAR, PartialDate, partial_date
from cadres.models import ImportFile
from tests.factories import RelativeFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline, upload, workbook_bytes
from vetting import engine
from vetting.models import Hit, WatchlistEntry
from vetting.services import watchlists
from vetting.services.review import hit_dismiss

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1972, 8, 15)


def hits_of(**subject) -> list[tuple[str, str, str]]:
    return sorted(Hit.objects.filter(**subject).values_list("entry__name", "match_kind", "rule"))


def test_a_list_of_birth_months_is_accepted_and_kept_at_its_precision(district_reviewer):
    with_number = make_id_number(BIRTH, 1)
    import_list(
        district_reviewer,
        [
            # The ID number's birth date agrees as far as the list goes.
            {"name": "王元", "id_number": with_number, "birth_date": "1972.08"},
            {"name": "李明", "birth_date": "1972年8月", "decided_on": "2023.05"},
            {"name": "张华", "birth_date": 1968, "decided_on": "2023"},
            {"name": "赵刚", "birth_date": "1970-02-03", "decided_on": "2023-05-10"},
        ],
    )
    entries = {entry.name: entry for entry in WatchlistEntry.objects.all()}
    assert partial_date(entries["王元"], "birth_date") == PartialDate(BIRTH)
    assert partial_date(entries["李明"], "birth_date") == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert partial_date(entries["李明"], "decided_on") == PartialDate(dt.date(2023, 5, 1), MONTH)
    assert partial_date(entries["张华"], "birth_date") == PartialDate(dt.date(1968, 1, 1), YEAR)
    assert partial_date(entries["张华"], "decided_on") == PartialDate(dt.date(2023, 1, 1), YEAR)
    assert partial_date(entries["赵刚"], "decided_on") == PartialDate(dt.date(2023, 5, 10), DAY)


def test_a_birth_month_that_disagrees_with_the_id_number_is_refused_by_row_and_column(
    district_reviewer,
):
    with pytest.raises(ValidationError) as refused:
        import_list(
            district_reviewer,
            [{"name": "王元", "id_number": make_id_number(BIRTH, 1), "birth_date": "1972.09"}],
        )
    assert refused.value.messages == ["第3行「出生日期」：出生日期与身份证号中的出生日期不一致。"]
    assert not WatchlistEntry.objects.exists()


def test_the_preview_and_the_hit_show_the_dates_at_their_precision(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    relative = RelativeFactory(
        cadre=cadre(name="孙强", id_number=make_id_number(BIRTH, 2)),
        name="孙丽",
        id_number=None,
        birth_date=PartialDate(dt.date(1975, 3, 1), MONTH),
    )
    client.force_login(district_reviewer)
    content = workbook_bytes(
        [{"name": "孙丽", "birth_date": "1975-03-20", "decided_on": "2023.05", "measure": "涉恶"}]
    )
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("vetting:watchlist_upload"),
            {"file": upload(content), "source": "公安涉黑涉恶名单", "kind": "gang"},
        )
    record = ImportFile.objects.get()
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    preview = client.get(response.url).text
    assert "1975-03-20" in preview
    assert "2023.05" in preview
    with django_capture_on_commit_callbacks():
        client.post(reverse("vetting:watchlist_confirm", args=[record.pk]))
    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    record.refresh_from_db()
    assert record.status == "imported", record.summary
    run_inline()
    hit = Hit.objects.get(relative=relative)
    assert (hit.match_kind, hit.rule) == ("probable", "name_birth_month")
    assert hit.matched_fields == ["name", "birth_month"]
    assert hit.snapshot == "孙丽|1975-03"
    page = client.get(reverse("vetting:hit_detail", args=[hit.pk])).text
    assert "<dd>1975.03</dd>" in page
    assert "<dd>1975-03-20</dd>" in page
    assert "<dd>2023.05</dd>" in page
    assert "出生年月" in page


def test_rules_by_birth_month_and_year_on_either_side(district_reviewer):
    person = cadre(name="王建国", id_number=make_id_number(BIRTH, 3))
    without = cadre(name="刘洋", id_number=None, birth_date=PartialDate(dt.date(1972, 1, 1), YEAR))
    relative = RelativeFactory(
        cadre=person,
        name="李秀英",
        id_number=None,
        birth_date=PartialDate(dt.date(1974, 3, 1), MONTH),
    )
    import_list(
        district_reviewer,
        [
            {"name": "王建国", "birth_date": "1972.08"},  # probable: the month
            {"name": "王建国", "birth_date": "1972年"},  # possible: the year alone
            {"name": "王建国", "birth_date": "1972.09"},  # another month: nobody
            {"name": "王建国", "birth_date": "1972-08-16"},  # another day: nobody
            {"name": "刘洋", "birth_date": "1972-05-05"},  # the subject gives the year alone
            {"name": "刘洋", "birth_date": "1972.05"},
            {"name": "刘洋", "birth_date": "1973.05"},  # another year: nobody
            # A list entry with an ID number against a relative without one: the month.
            {"name": "李秀英", "id_number": make_id_number(dt.date(1974, 3, 9), 4, male=False)},
            {"name": "李秀英", "birth_date": "1974.03"},  # both known to the month
            {"name": "李秀英", "birth_date": "1974.04"},  # both to the month, another one
        ],
    )
    run_inline()
    assert hits_of(person=person) == [
        ("王建国", "possible", "name_birth_year"),
        ("王建国", "probable", "name_birth_month"),
    ]
    assert hits_of(person=without) == [
        ("刘洋", "possible", "name_birth_year"),
        ("刘洋", "possible", "name_birth_year"),
    ]
    assert hits_of(relative=relative) == [
        ("李秀英", "probable", "name_birth_month"),
        ("李秀英", "probable", "name_birth_month"),
    ]
    assert {hit.snapshot for hit in Hit.objects.filter(rule=Hit.Rule.NAME_BIRTH_YEAR)} == {
        "王建国|1972",
        "刘洋|1972",
    }


def test_a_dismissed_month_hit_stays_dismissed_until_the_list_gives_the_day(district_reviewer):
    person = cadre(name="王建国", id_number=make_id_number(BIRTH, 5))
    import_list(district_reviewer, [{"name": "王建国", "birth_date": "1972.08"}])
    run_inline()
    hit = hit_dismiss(actor=district_reviewer, hit=Hit.objects.get(person=person), reason="同名")
    run_inline()
    hit.refresh_from_db()
    assert (hit.status, hit.rule) == ("dismissed", "name_birth_month")
    # Next month the list gives the day: another entry, the same birth date, probable.
    import_list(district_reviewer, [{"name": "王建国", "birth_date": "1972-08-15"}])
    run_inline()
    assert hits_of(person=person, status=Hit.Status.PENDING) == [
        ("王建国", "probable", "name_birth")
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes and plans")
def test_the_rules_by_month_and_year_probe_the_name_and_birth_date_indexes(district_reviewer):
    """A subject probes the list's (name key, birth date) index with a range of its birth
    year; an entry probes the subjects' the same way."""
    person = cadre(name="王小明", id_number=make_id_number(BIRTH, 6))
    for year in range(1950, 2010):
        RelativeFactory(cadre=person, name="王小明", id_number=None, birth_date=dt.date(year, 1, 1))
    import_list(
        district_reviewer,
        [{"name": "王小明", "birth_date": f"{year}.05"} for year in range(1950, 2010)],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cadres_person, cadres_relative, vetting_watchlistentry")
        # A table this small would be read whole: this asks which index answers a probe.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        for outer, inner in (
            ("cadres_person", "vetting_watchlistentry"),
            ("vetting_watchlistentry", "cadres_relative"),
        ):
            cursor.execute(
                f"EXPLAIN SELECT 1 FROM {outer} o JOIN {inner} i ON i.name_key = o.name_key "  # noqa: S608
                f"AND {engine._same_year('i', 'o')} WHERE o.id = %s",
                [WatchlistEntry.objects.first().pk if outer.startswith("vetting") else person.pk],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # The inner side: a (name key, birth date) index, the year's range in its condition.
            probe = re.search(
                r"(?:Scan using|Bitmap Index Scan on) \w*name_birth_idx\b.*\n\s*Index Cond: (.*)",
                plan,
            )
            assert probe is not None, plan
            assert "birth_date >=" in probe.group(1), plan
