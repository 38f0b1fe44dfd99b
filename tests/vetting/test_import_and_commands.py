"""Watchlist import (malformed files write nothing; re-imports retire) and the commands."""

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from cadres.models import ImportFile
from tests.factories import RelativeFactory, UserFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline, upload, workbook_bytes
from vetting.models import Hit, WatchlistEntry, WatchlistImport, WatchlistSource
from vetting.services.watchlists import watchlist_import_upload

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1982, 2, 2)


def nothing_written():
    return (
        not ImportFile.objects.exists()
        and not WatchlistSource.objects.exists()
        and not WatchlistEntry.objects.exists()
    )


def corrupt_zip() -> bytes:
    good = workbook_bytes([{"name": "某人"}])
    return good[: len(good) // 2]  # cut off: the zip's central directory is gone


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "不是工作簿")
    return buffer.getvalue()


MALFORMED = {
    "not a workbook": (b"name,id\n\xe5\xbc\xa0\xe4\xb8\x89,1\n", "xlsx"),
    "empty": (b"", "空"),
    "zip that is no workbook": (zip_without_workbook(), "xlsx"),
    "no header row": (workbook_bytes([], header=[1, 2, 3], title=None), "表头"),
    "no name and no ID column": (workbook_bytes([], header=["性别", "处分种类"]), "姓名"),
    "header but no rows": (workbook_bytes([]), "没有数据行"),
    "numeric ID cell": (
        workbook_bytes([{"name": "张三", "id_number": 220502198202020011.0}]),
        "身份证号",
    ),
    "corrupt zip": (corrupt_zip(), ""),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_every_malformed_file_gives_a_clear_error_and_writes_nothing(case, district_reviewer):
    content, words = MALFORMED[case]
    with pytest.raises(ValidationError) as error:
        watchlist_import_upload(
            actor=district_reviewer,
            upload=upload(content),
            source_name="区纪委监委处分名单",
            kind=WatchlistSource.Kind.PARTY_DISCIPLINE,
        )
    message = " ".join(error.value.messages)
    assert words in message
    assert nothing_written()


def test_numeric_id_error_names_the_row(district_reviewer):
    content = workbook_bytes(
        [{"name": "李四"}, {"name": "张三", "id_number": 220502198202020011.0}]
    )
    with pytest.raises(ValidationError) as error:
        watchlist_import_upload(
            actor=district_reviewer, upload=upload(content), source_name="名单", kind="criminal"
        )
    assert "第4行" in error.value.messages[0]  # title row, header row, 李四, then 张三


def test_only_importers_may_import(staff):
    with pytest.raises(PermissionDenied):
        import_list(staff, [{"name": "某人"}])


def test_reimport_retires_missing_entries_and_recognizes_the_same_file(district_reviewer):
    rows = [{"name": "甲某某", "birth_date": "1960-01-01"}, {"name": "乙某某"}]
    first = import_list(district_reviewer, rows)
    content = workbook_bytes(rows[:1])
    imp, earlier = watchlist_import_upload(
        actor=district_reviewer,
        upload=upload(content),
        source_name="区纪委监委处分名单",
        kind=WatchlistSource.Kind.PARTY_DISCIPLINE,
    )
    assert earlier is None
    assert (imp.unchanged, imp.retired, imp.added) == (1, 1, 0)
    retired = WatchlistEntry.objects.get(name="乙某某")
    assert not retired.active
    assert retired.retired_at
    _imp, earlier = watchlist_import_upload(
        actor=district_reviewer,
        upload=upload(content),
        source_name="区纪委监委处分名单",
        kind=WatchlistSource.Kind.PARTY_DISCIPLINE,
    )
    assert earlier == imp.import_file
    assert WatchlistEntry.objects.count() == 2  # nothing deleted
    assert first.source_id == imp.source_id


def test_a_source_keeps_its_kind(district_reviewer):
    import_list(district_reviewer, [{"name": "某人"}])
    with pytest.raises(ValidationError):
        import_list(district_reviewer, [{"name": "某人"}], kind=WatchlistSource.Kind.GANG)


def test_import_watchlist_command_dry_run_and_real(tmp_path, capsys):
    UserFactory(username="root", is_superuser=True)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(workbook_bytes([{"name": "丙某", "birth_date": "1970-07-07"}]))
    call_command("import_watchlist", str(path), kind="criminal", source="法院名单", dry_run=True)
    assert "1 rows" in capsys.readouterr().out
    assert nothing_written()
    call_command("import_watchlist", str(path), kind="criminal", source="法院名单")
    assert WatchlistImport.objects.get().added == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError):
        call_command("import_watchlist", str(bad), kind="criminal", source="法院名单")


def test_screening_hits_command_prints_exact_keys(district_reviewer, capsys):
    person = cadre(name="林静", id_number=make_id_number(BIRTH, 30, male=False))
    relative = RelativeFactory(cadre=person, name="林强", id_number=make_id_number(BIRTH, 31))
    import_list(
        district_reviewer,
        [
            {"name": "林静", "id_number": person.id_number},
            {"name": "林强", "id_number": relative.id_number},
        ],
        kind=WatchlistSource.Kind.GANG,
        source="涉黑涉恶名单",
    )
    run_inline()
    capsys.readouterr()
    call_command("screening_hits", format="json")
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    for row in rows:
        assert list(row) == [
            "subject_name",
            "subject_id_number",
            "subject_role",
            "township_code",
            "village_code",
            "list_kind",
            "entry_name",
            "entry_id_number",
            "match_kind",
            "status",
        ]
    by_role = {row["subject_role"]: row for row in rows}
    assert by_role["cadre"]["subject_id_number"] == person.id_number
    assert by_role["relative"]["entry_name"] == "林强"
    assert by_role["cadre"]["township_code"] == "220502100"
    assert by_role["cadre"]["village_code"] == person.posts.get().village.code
    assert {row["match_kind"] for row in rows} == {"strong"}
    assert {row["list_kind"] for row in rows} == {"gang"}
    call_command("screening_hits", status="dismissed", format="json")
    assert json.loads(capsys.readouterr().out) == []
    call_command("screening_hits", status="pending")
    out = capsys.readouterr().out.splitlines()
    assert out[0].split(",")[0] == "subject_name"
    assert len(out) == 3
    assert Hit.objects.count() == 2


def test_screening_hits_csv_neutralizes_formulas(district_reviewer, capsys):
    """Issue 20 finding 7: a list entry's name is written so that no spreadsheet runs it."""
    person = cadre(name="林静", id_number=make_id_number(BIRTH, 30, male=False))
    import_list(district_reviewer, [{"name": "林静", "id_number": person.id_number}])
    run_inline()
    WatchlistEntry.objects.update(name="+cmd|'/Ccalc'!A0")
    capsys.readouterr()
    call_command("screening_hits")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["entry_name"] for row in rows] == ["'+cmd|'/Ccalc'!A0"]
    assert rows[0]["subject_name"] == "林静"


def test_rescreen_command_starts_a_run(district_reviewer, capsys):
    cadre(name="某干部")
    call_command("rescreen")
    assert "chunks" in capsys.readouterr().out


def test_make_benchmark_data_builds_a_screenable_population(capsys):
    call_command("make_benchmark_data", cadres=20, entries=400)
    assert "20 cadres, 60 relatives, 400 entries" in capsys.readouterr().out
    assert WatchlistEntry.objects.count() == 400
    run = run_inline(chunk_size=50)
    assert run.subjects == 80
    assert run.matches >= 1
    with pytest.raises(CommandError):
        call_command("make_benchmark_data", cadres=20, entries=400)
