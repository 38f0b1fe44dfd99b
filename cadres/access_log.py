"""The access log's trust: its keyed hashes, signed checkpoints and their verification.

Each entry's hash is an HMAC-SHA256 under ``settings.ACCESS_LOG_KEY`` of its content and
the previous entry's hash, so an edited row cannot be re-hashed, nor the rows after it,
without the key, which the database never holds. A chain alone cannot show that its end
was cut: checkpoints (entry count and head hash, signed with the same key) can. They are
kept in the database and appended to a file outside it, so deleting the database's copy
does not lose them. Entries written before the key existed keep their plain SHA-256; the
migration that introduced the key wrote a signed checkpoint counting them, and only that
prefix of the chain may be unkeyed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cadres.models import AccessLogCheckpoint, AccessLogEntry

GENESIS_HASH = "0" * 64
CHECKPOINT_FILE = "access-log-checkpoints.jsonl"


class AccessLogBroken(Exception):
    """The access log or its checkpoints were tampered with; the message says how."""


def _hmac(message: str) -> str:
    return hmac.new(settings.ACCESS_LOG_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def entry_content(
    *, prev_hash: str, at: dt.datetime, user_id, action, object_type, object_id, detail
) -> str:
    return "|".join(
        [
            prev_hash,
            at.astimezone(dt.UTC).isoformat(),
            str(user_id),
            action,
            object_type,
            object_id,
            detail,
        ]
    )


def access_log_hash(entry: AccessLogEntry) -> str:
    """The hash of an entry under its own hash version: content plus the previous hash."""
    content = entry_content(
        prev_hash=entry.prev_hash,
        at=entry.at,
        user_id=entry.user_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        detail=entry.detail,
    )
    if entry.hash_version == AccessLogEntry.HashVersion.SHA256:
        return hashlib.sha256(content.encode()).hexdigest()
    return _hmac(content)


def checkpoint_signature(
    *, at: dt.datetime, entry_count: int, head_hash: str, legacy_count: int
) -> str:
    # The prefix keeps a checkpoint's signature from ever equalling an entry's hash.
    return _hmac(
        f"checkpoint|{at.astimezone(dt.UTC).isoformat()}|{entry_count}|{head_hash}|{legacy_count}"
    )


def checkpoint_file_append(
    *, at: dt.datetime, entry_count: int, head_hash: str, legacy_count: int, signature: str
) -> None:
    """Append one checkpoint as a JSON line; O_APPEND and fsync, never a rewrite."""
    folder = Path(settings.ACCESS_LOG_CHECKPOINT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "at": at.astimezone(dt.UTC).isoformat(),
            "entry_count": entry_count,
            "head_hash": head_hash,
            "legacy_count": legacy_count,
            "signature": signature,
        }
    )
    fd = os.open(folder / CHECKPOINT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Checkpoint:
    source: str  # where it was read, for the message
    at: dt.datetime
    entry_count: int
    head_hash: str
    legacy_count: int
    signature: str

    def check_signature(self) -> None:
        expected = checkpoint_signature(
            at=self.at,
            entry_count=self.entry_count,
            head_hash=self.head_hash,
            legacy_count=self.legacy_count,
        )
        if not hmac.compare_digest(expected, self.signature):
            raise AccessLogBroken(
                f"Access log checkpoint {self.source} has a bad signature: it was forged or "
                "edited, or ACCESS_LOG_KEY is not the key it was signed with."
            )


def _stored_checkpoints() -> list[_Checkpoint]:
    found = [
        _Checkpoint(
            f"#{c.pk} in the database",
            c.at,
            c.entry_count,
            c.head_hash,
            c.legacy_count,
            c.signature,
        )
        for c in AccessLogCheckpoint.objects.all()
    ]
    path = Path(settings.ACCESS_LOG_CHECKPOINT_DIR) / CHECKPOINT_FILE
    if not path.exists():
        return found
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            source = f"on line {number} of {path}"
            try:
                row = json.loads(line)
                found.append(
                    _Checkpoint(
                        source,
                        dt.datetime.fromisoformat(row["at"]),
                        int(row["entry_count"]),
                        str(row["head_hash"]),
                        int(row["legacy_count"]),
                        str(row["signature"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                raise AccessLogBroken(f"Access log checkpoint {source} is not readable.") from None
    return found


def _when(entry: AccessLogEntry) -> str:
    return f"{entry.pk} ({entry.at:%Y-%m-%d %H:%M:%S})"


def access_log_verify() -> AccessLogCheckpoint:
    """Check the whole chain against itself and every checkpoint; on success, write a new one.

    Raises ``AccessLogBroken`` naming the first problem found. Nothing is written for a
    broken log: a checkpoint of it would vouch for the tampering.
    """
    checkpoints = _stored_checkpoints()
    for checkpoint in checkpoints:
        checkpoint.check_signature()
    legacy_counts = {c.legacy_count for c in checkpoints}
    if len(legacy_counts) > 1:
        raise AccessLogBroken(
            "Access log checkpoints disagree on how many entries predate the key: "
            f"{sorted(legacy_counts)}."
        )
    legacy_allowed = legacy_counts.pop() if legacy_counts else 0
    pins: dict[int, _Checkpoint] = {}
    for checkpoint in checkpoints:
        pins.setdefault(checkpoint.entry_count, checkpoint)

    expected_prev = GENESIS_HASH
    count = 0
    # Gaps in pk are not proof of anything (a rolled-back append leaves one); a
    # prev_hash that is not the previous entry's hash is, and so is a checkpoint's head
    # missing from its position.
    for entry in AccessLogEntry.objects.order_by("pk").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != expected_prev:
            raise AccessLogBroken(
                f"Access log entry {_when(entry)} does not follow the entry before it: an "
                "entry before it was deleted or edited."
            )
        if entry.hash_version == AccessLogEntry.HashVersion.SHA256 and count > legacy_allowed:
            raise AccessLogBroken(
                f"Access log entry {_when(entry)} is hashed without the key although the key "
                f"was in use from entry number {legacy_allowed + 1}: it was edited and re-hashed."
            )
        if not hmac.compare_digest(access_log_hash(entry), entry.hash):
            raise AccessLogBroken(
                f"Access log entry {_when(entry)} was edited: its content no longer matches its "
                "hash under the access log key."
            )
        pin = pins.get(count)
        if pin is not None and pin.head_hash != entry.hash:
            raise AccessLogBroken(
                f"The head of access log checkpoint {pin.source} ({pin.at:%Y-%m-%d %H:%M:%S}) "
                f"is not in the chain: entry number {count} is no longer the entry it "
                "counted, so entries were deleted or replaced."
            )
        expected_prev = entry.hash
    beyond = [c for c in checkpoints if c.entry_count > count]
    if beyond:
        pin = max(beyond, key=lambda c: c.entry_count)
        if count == 0:
            raise AccessLogBroken(
                f"The access log is empty, but checkpoint {pin.source} "
                f"({pin.at:%Y-%m-%d %H:%M:%S}) counted {pin.entry_count} entries: they were "
                "deleted."
            )
        raise AccessLogBroken(
            f"The access log has {count} entries, fewer than the {pin.entry_count} of "
            f"checkpoint {pin.source} ({pin.at:%Y-%m-%d %H:%M:%S}): entries at its end were "
            "deleted."
        )
    return _checkpoint_write(
        entry_count=count, head_hash=expected_prev, legacy_count=legacy_allowed
    )


def _checkpoint_write(
    *, entry_count: int, head_hash: str, legacy_count: int
) -> AccessLogCheckpoint:
    fields = {
        "at": timezone.now(),
        "entry_count": entry_count,
        "head_hash": head_hash,
        "legacy_count": legacy_count,
    }
    signature = checkpoint_signature(**fields)
    # The file first: it is the copy outside the database's reach. A line without its row
    # (the insert failed) still states the truth about entries that exist.
    checkpoint_file_append(**fields, signature=signature)
    return AccessLogCheckpoint.objects.create(**fields, signature=signature)
