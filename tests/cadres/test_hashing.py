import hashlib
import io

from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from cadres.hashing import content_sha256

CONTENT = b"\x00workbook\xff" * 200_000  # larger than one read block


def test_every_kind_of_file_gives_the_digest_and_size_of_its_whole_content(tmp_path):
    expected = (hashlib.sha256(CONTENT).hexdigest(), len(CONTENT))
    path = tmp_path / "f.bin"
    path.write_bytes(CONTENT)
    with path.open("rb") as stream:
        stream.seek(100)  # wherever a sniffer left it
        assert content_sha256(stream) == expected
        assert stream.tell() == 0
    for file in (
        io.BytesIO(CONTENT),
        File(io.BytesIO(CONTENT), name="f.bin"),
        SimpleUploadedFile("f.xlsx", CONTENT),
    ):
        file.read(7)
        assert content_sha256(file) == expected
        assert file.read(4) == CONTENT[:4]
