import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from cadres.models import ImportFile, Person, Post
from tests.cadres_import.test_roster import cadre_row
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import VillageFactory, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(tmp_path, db):
    VillageFactory(name="民主村", township=township("220502100"))
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster_bytes([cadre_row(1), cadre_row(2, 职务="书记兼主任")]))
    return path


def test_imports_and_prints_counts(roster, staff, capsys):
    call_command("import_cadres", str(roster), "--user", staff.username)
    out = capsys.readouterr().out
    assert "新增人员 2" in out
    # 凡进必审: a township role's roster starts no post; it lists what to nominate.
    assert "新增职务 0" in out
    assert "需提名职务 3" in out
    assert "需提名：第3行" in out
    assert not Post.objects.exists()
    assert Person.objects.count() == 2
    record = ImportFile.objects.get()
    assert record.status == ImportFile.Status.IMPORTED
    assert record.summary["new_persons"] == 2
    call_command("import_cadres", str(roster), "--user", staff.username)
    out = capsys.readouterr().out
    assert "已于" in out
    # Still no post: the rows wait for their nomination again.
    assert "需提名职务 3" in out
    assert not Post.objects.exists()
    assert Person.objects.count() == 2


def test_dry_run_writes_nothing(roster, staff, capsys):
    call_command("import_cadres", str(roster), "--dry-run", "--user", staff.username)
    assert "新增人员 2" in capsys.readouterr().out
    assert not Person.objects.exists()
    assert not ImportFile.objects.exists()


def test_superuser_by_default(roster, django_user_model):
    django_user_model.objects.create_superuser("root", password="Dongchang-demo-2026")
    call_command("import_cadres", str(roster))
    assert Person.objects.count() == 2
    assert set(Post.objects.values_list("origin", "vetted")) == {(Post.Origin.ROSTER, False)}
    assert Post.objects.count() == 3


def test_errors_exit_non_zero_and_write_nothing(tmp_path, staff, capsys):
    VillageFactory(name="民主村", township=township("220502100"))
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        roster_bytes([cadre_row(1), cadre_row(2, 身份证号=None), cadre_row(3, 任职时间="明年")])
    )
    with pytest.raises(CommandError, match="2 行"):
        call_command("import_cadres", str(path), "--user", staff.username)
    err = capsys.readouterr().err
    assert "第3行「身份证号」" in err
    assert "第4行「任职时间」" in err
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"), [(b"hello", "不是 Excel"), (None, "不存在"), (b"", "空")]
)
def test_bad_files(tmp_path, staff, content, message):
    path = tmp_path / "x.xlsx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_cadres", str(path), "--user", staff.username)
    with pytest.raises(CommandError, match=message):
        call_command("import_cadres", str(path), "--dry-run", "--user", staff.username)


def test_unknown_user(roster):
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_cadres", str(roster), "--user", "nobody")


def test_no_user_and_no_superuser(roster):
    with pytest.raises(CommandError, match="--user"):
        call_command("import_cadres", str(roster))


def test_dates_are_dates(roster, system_admin):
    call_command("import_cadres", str(roster), "--user", system_admin.username)
    assert Person.objects.first().posts.first().term_start == dt.date(2021, 12, 1)
