"""The SHA-256 of a stored file's content: uploads, imported workbooks and built reports.

One function, so that every file the system keeps is named and checked by the same digest.
"""

import hashlib
import os


def content_sha256(file) -> tuple[str, int]:
    """The hex SHA-256 and size in bytes of a binary file's whole content (a Django File or an
    open stream), read in blocks from its start; the file is left at its start again."""
    file.seek(0)
    digest = hashlib.file_digest(file, "sha256")
    # The end, not tell(): file_digest hashes an in-memory buffer without moving through it.
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    return digest.hexdigest(), size
