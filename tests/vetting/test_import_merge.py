"""How an import merges into the list: row keys, corrections, returns, damage mid-file."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from cadres import spreadsheets
from cadres.models import ImportFile
from tests.factories import make_id_number
from tests.vetting.factories import import_list, upload, workbook_bytes
from vetting.models import ScreeningRun, WatchlistEntry, WatchlistSource
from vetting.services.watchlists import watchlist_import_upload

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1971, 7, 7)


def test_a_corrected_name_follows_its_id_number_and_is_screened_again(district_reviewer):
    number = make_id_number(BIRTH, 5)
    row = {"name": "张伟", "id_number": number, "decided_on": "2020-01-01"}
    first = import_list(district_reviewer, [row])
    second = import_list(district_reviewer, [{**row, "name": "李伟"}])
    assert (second.added, second.changed, second.unchanged) == (0, 1, 0)
    entry = WatchlistEntry.objects.get()
    assert (entry.name, entry.name_key, entry.name_pinyin) == ("李伟", "李伟", "liwei")
    # What the rules compare changed: the import's delta run screens the entry again.
    assert entry.screen_import == second
    assert ScreeningRun.objects.filter(watchlist_import=second).exists()
    assert first.pk != second.pk


def test_a_changed_description_is_kept_without_screening_again(district_reviewer):
    row = {"name": "王芳", "birth_date": "1970-02-02", "description": "违规发放补贴"}
    first = import_list(district_reviewer, [row])
    second = import_list(district_reviewer, [{**row, "description": "违规发放补贴。已退缴"}])
    assert (second.added, second.changed, second.unchanged) == (0, 1, 0)
    entry = WatchlistEntry.objects.get()
    assert entry.description == "违规发放补贴。已退缴"
    assert entry.raw["简要情况"] == "违规发放补贴。已退缴"
    assert entry.screen_import == first


def test_a_row_repeated_in_the_file_is_one_entry_its_first_row(district_reviewer):
    rows = [
        {"name": "赵强", "birth_date": "1965-05-05", "measure": "警告"},
        {"name": "钱进", "birth_date": "1966-06-06"},
        {"name": "赵 强", "birth_date": "1965-05-05", "measure": "严重警告"},
    ]
    imp = import_list(district_reviewer, rows)
    assert (imp.rows, imp.added) == (3, 2)
    assert WatchlistEntry.objects.get(name_key="赵强").measure == "警告"
    assert ImportFile.objects.get().summary["duplicates"] == 1
    # Entries are added in the order of the file.
    assert list(WatchlistEntry.objects.order_by("pk").values_list("name", flat=True)) == [
        "赵强",
        "钱进",
    ]


def test_a_list_imported_again_as_it_was_writes_no_entry(district_reviewer):
    rows = [
        {"name": "吴刚", "birth_date": "1962-02-02"},
        {"name": "郑丽", "birth_date": "1963-03-03"},
        {"name": "吴 刚", "birth_date": "1962-02-02"},
    ]
    import_list(district_reviewer, rows)
    before = dict(WatchlistEntry.objects.values_list("pk", "updated_at"))
    again = import_list(district_reviewer, rows)
    assert (again.rows, again.added, again.changed, again.unchanged, again.retired) == (
        3,
        0,
        0,
        2,
        0,
    )
    assert dict(WatchlistEntry.objects.values_list("pk", "updated_at")) == before
    assert not ScreeningRun.objects.filter(watchlist_import=again).exists()


def test_a_retired_entry_that_returns_is_active_and_screened_again(district_reviewer):
    stays = {"name": "孙立", "birth_date": "1960-01-01"}
    returns = {"name": "周敏", "birth_date": "1961-01-01"}
    import_list(district_reviewer, [stays, returns])
    import_list(district_reviewer, [stays])
    assert not WatchlistEntry.objects.get(name="周敏").active
    third = import_list(district_reviewer, [stays, returns])
    assert (third.added, third.changed, third.unchanged, third.retired) == (0, 1, 1, 0)
    entry = WatchlistEntry.objects.get(name="周敏")
    assert entry.active
    assert entry.retired_at is None
    assert entry.screen_import == third


def damaged_midway(rows: int) -> bytes:
    """A workbook whose sheet ends inside its data, two thirds of the way down."""
    good = workbook_bytes(
        [{"name": f"测试{n}", "birth_date": "1970-01-01", "decided_on": n} for n in range(rows)]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3]
            target.writestr(member, data)
    return buffer.getvalue()


def test_a_sheet_damaged_past_its_first_rows_writes_nothing(district_reviewer, monkeypatch):
    # Streamed, the damage shows only when the reader reaches it: by then the first rows
    # are on their way into the database.
    monkeypatch.setattr(spreadsheets, "STREAM_ABOVE_BYTES", 0)
    with pytest.raises(ValidationError) as error:
        watchlist_import_upload(
            actor=district_reviewer,
            upload=upload(damaged_midway(3000)),
            source_name="区纪委监委处分名单",
            kind=WatchlistSource.Kind.PARTY_DISCIPLINE,
        )
    assert "工作簿已损坏" in " ".join(error.value.messages)
    assert not WatchlistEntry.objects.exists()
    assert not WatchlistSource.objects.exists()
    assert not ImportFile.objects.exists()
