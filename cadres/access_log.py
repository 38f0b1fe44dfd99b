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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cadres.models import AccessLogCheckpoint, AccessLogEntry, AccessLogVerification

GENESIS_HASH = "0" * 64
CHECKPOINT_FILE = "access-log-checkpoints.jsonl"


class _Text:
    """A message rendered when shown, in the language active then: a verification's reason
    is stored in the site's language, the command prints it untranslated."""

    def __init__(self, message, **values):
        self.message, self.values = message, values

    def __str__(self) -> str:
        return str(self.message) % self.values


def _local(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M:%S}"


class AccessLogBroken(Exception):
    """The access log or its checkpoints were tampered with; the message says how."""

    verification: AccessLogVerification | None = None  # the record of it, once made

    def __init__(self, message, **values):
        self.text = _Text(message, **values)
        super().__init__(self.text)

    def __str__(self) -> str:
        return str(self.text)


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
    source: _Text  # where it was read, for the message
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
                _(
                    "Access log checkpoint %(source)s has a bad signature: it was forged or "
                    "edited, or ACCESS_LOG_KEY is not the key it was signed with."
                ),
                source=self.source,
            )


def _stored_checkpoints() -> list[_Checkpoint]:
    found = [
        _Checkpoint(
            _Text(_("#%(pk)s in the database"), pk=c.pk),
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
            source = _Text(_("on line %(line)d of %(path)s"), line=number, path=path)
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
                raise AccessLogBroken(
                    _("Access log checkpoint %(source)s is not readable."), source=source
                ) from None
    return found


def _when(entry: AccessLogEntry) -> str:
    return f"{entry.pk} ({_local(entry.at)})"


def access_log_verify(*, tick: Callable[[int, int], None] | None = None) -> AccessLogCheckpoint:
    """Check the whole chain against itself and every checkpoint; on success, write a new one.

    Raises ``AccessLogBroken`` naming the first problem found. Nothing is written for a
    broken log: a checkpoint of it would vouch for the tampering. ``tick(done, total)``
    follows the entries read (a job's ticker).
    """
    checkpoints = _stored_checkpoints()
    for checkpoint in checkpoints:
        checkpoint.check_signature()
    legacy_counts = {c.legacy_count for c in checkpoints}
    if len(legacy_counts) > 1:
        raise AccessLogBroken(
            _("Access log checkpoints disagree on how many entries predate the key: %(counts)s."),
            counts=sorted(legacy_counts),
        )
    legacy_allowed = legacy_counts.pop() if legacy_counts else 0
    pins: dict[int, _Checkpoint] = {}
    for checkpoint in checkpoints:
        pins.setdefault(checkpoint.entry_count, checkpoint)

    expected_prev = GENESIS_HASH
    count = 0
    total = AccessLogEntry.objects.count() if tick is not None else 0
    # Gaps in pk are not proof of anything (a rolled-back append leaves one); a
    # prev_hash that is not the previous entry's hash is, and so is a checkpoint's head
    # missing from its position.
    for entry in AccessLogEntry.objects.order_by("pk").iterator(chunk_size=2000):
        count += 1
        if tick is not None:
            tick(count, total)
        if entry.prev_hash != expected_prev:
            raise AccessLogBroken(
                _(
                    "Access log entry %(entry)s does not follow the entry before it: an "
                    "entry before it was deleted or edited."
                ),
                entry=_when(entry),
            )
        if entry.hash_version == AccessLogEntry.HashVersion.SHA256 and count > legacy_allowed:
            raise AccessLogBroken(
                _(
                    "Access log entry %(entry)s is hashed without the key although the key "
                    "was in use from entry number %(first)d: it was edited and re-hashed."
                ),
                entry=_when(entry),
                first=legacy_allowed + 1,
            )
        if not hmac.compare_digest(access_log_hash(entry), entry.hash):
            raise AccessLogBroken(
                _(
                    "Access log entry %(entry)s was edited: its content no longer matches its "
                    "hash under the access log key."
                ),
                entry=_when(entry),
            )
        pin = pins.get(count)
        if pin is not None and pin.head_hash != entry.hash:
            raise AccessLogBroken(
                _(
                    "The head of access log checkpoint %(source)s (%(at)s) is not in the "
                    "chain: entry number %(count)d is no longer the entry it counted, so "
                    "entries were deleted or replaced."
                ),
                source=pin.source,
                at=_local(pin.at),
                count=count,
            )
        expected_prev = entry.hash
    beyond = [c for c in checkpoints if c.entry_count > count]
    if beyond:
        pin = max(beyond, key=lambda c: c.entry_count)
        if count == 0:
            raise AccessLogBroken(
                _(
                    "The access log is empty, but checkpoint %(source)s (%(at)s) counted "
                    "%(counted)d entries: they were deleted."
                ),
                source=pin.source,
                at=_local(pin.at),
                counted=pin.entry_count,
            )
        raise AccessLogBroken(
            _(
                "The access log has %(count)d entries, fewer than the %(counted)d of "
                "checkpoint %(source)s (%(at)s): entries at its end were deleted."
            ),
            count=count,
            counted=pin.entry_count,
            source=pin.source,
            at=_local(pin.at),
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


def access_log_check(
    *, actor=None, tick: Callable[[int, int], None] | None = None
) -> AccessLogVerification:
    """Verify the access log and record what the verification found; ``actor`` is None for
    the hourly verification and the command. A broken log is recorded, then
    ``AccessLogBroken`` is raised as by ``access_log_verify``, with the record as its
    ``verification``."""
    try:
        checkpoint = access_log_verify(tick=tick)
    except AccessLogBroken as broken:
        # Stored text, read by users in the site's language whoever ran it.
        with translation.override(settings.LANGUAGE_CODE):
            reason = str(broken)
        broken.verification = AccessLogVerification.objects.create(
            at=timezone.now(), requested_by=actor, intact=False, reason=reason
        )
        raise
    return AccessLogVerification.objects.create(
        at=checkpoint.at,
        requested_by=actor,
        intact=True,
        entry_count=checkpoint.entry_count,
        head_hash=checkpoint.head_hash,
    )


def access_log_last_verification() -> AccessLogVerification | None:
    return AccessLogVerification.objects.select_related("requested_by").order_by("-pk").first()
