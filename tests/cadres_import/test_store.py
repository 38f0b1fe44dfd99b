import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cadres.models import ImportFile
from cadres.services import import_file_store
from tests.cadres_import.workbooks import roster_bytes, workbook_bytes, zip_bomb_bytes, zip_bytes
from tests.factories import UserFactory, township

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_stores_the_file_with_its_hash_and_recognizes_a_repeat(staff):
    data = roster_bytes([{"姓名": "张三"}])
    jinchang = township("220502100")
    first, earlier = import_file_store(
        actor=staff, upload=upload(data), kind="roster", township=jinchang
    )
    assert earlier is None
    assert first.original_name == "花名册.xlsx"
    assert first.size == len(data)
    assert len(first.sha256) == 64
    with first.file.open("rb") as handle:
        assert handle.read() == data
    assert first.uploaded_by == staff
    colleague = UserFactory(role="乡镇工作人员", townships=["220502100"])
    second, earlier = import_file_store(actor=colleague, upload=upload(data), kind="roster")
    assert earlier == first
    assert second.pk != first.pk
    assert second.sha256 == first.sha256
    # Another kind of import with the same bytes is not "the same import".
    _, earlier = import_file_store(actor=staff, upload=upload(data), kind="watchlist")
    assert earlier is None


def test_another_townships_upload_of_the_same_file_is_not_named(staff, other_staff):
    data = roster_bytes([{"姓名": "张三"}])
    mine, _earlier = import_file_store(
        actor=staff, upload=upload(data), kind="roster", township=township("220502100")
    )
    # 环通乡 sees neither 金厂镇's upload nor who made it and when.
    theirs, earlier = import_file_store(actor=other_staff, upload=upload(data), kind="roster")
    assert earlier is None
    assert mine.sha256 == theirs.sha256
    # A district reviewer sees every township's uploads: the latest is named.
    district = UserFactory(role="区级审核人")
    _, earlier = import_file_store(actor=district, upload=upload(data), kind="roster")
    assert earlier == theirs


def test_plain_binary_file_objects_are_accepted(staff):
    data = workbook_bytes({"S": [["姓名"]]})
    handle = io.BytesIO(data)
    handle.name = "some/where/名单.xlsx"
    record, _ = import_file_store(actor=staff, upload=handle, kind="watchlist")
    assert record.original_name == "名单.xlsx"


def test_township_must_be_accessible(staff):
    with pytest.raises(PermissionDenied):
        import_file_store(
            actor=staff,
            upload=upload(roster_bytes([])),
            kind="roster",
            township=township("220502200"),
        )
    record, _ = import_file_store(
        actor=staff, upload=upload(roster_bytes([])), kind="roster", township=township("220502100")
    )
    assert record.township.code == "220502100"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"name,id\n1,2\n", "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 512, "xls"),
        (b"PK\x03\x04" + b"\0" * 100, "不是 Excel 工作簿"),
        (zip_bytes({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}), "不是 Excel"),
    ],
)
def test_refuses_what_is_not_a_workbook(staff, data, message):
    with pytest.raises(ValidationError, match=message):
        import_file_store(actor=staff, upload=upload(data), kind="roster")
    assert not ImportFile.objects.exists()


def test_refuses_a_zip_bomb(staff):
    with pytest.raises(ValidationError, match="安全"):
        import_file_store(actor=staff, upload=upload(zip_bomb_bytes()), kind="roster")
    assert not ImportFile.objects.exists()


def test_refuses_a_file_over_the_limit(staff):
    data = roster_bytes([{"姓名": "张三"}])
    with (
        override_settings(IMPORT_MAX_BYTES=len(data) - 1),
        pytest.raises(ValidationError, match="MB"),
    ):
        import_file_store(actor=staff, upload=upload(data), kind="roster")
    assert not ImportFile.objects.exists()
