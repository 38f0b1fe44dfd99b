"""The access log, to be trusted (issue 20, finding 1): keyed hashes, signed checkpoints in the
database and in a file, and on PostgreSQL a trigger that refuses changes."""

import hashlib
import hmac
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cadres.access_log import CHECKPOINT_FILE, access_log_hash
from cadres.models import AccessLogCheckpoint, AccessLogEntry
from cadres.services import access_log_append
from cadres.tasks import access_log_checkpoint

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("cadres.migrations.0021_access_log_trust")


def append(user, n):
    return [
        access_log_append(user=user, action=AccessLogEntry.Action.EXPORT, detail=f"export {i}")
        for i in range(n)
    ]


def verify():
    call_command("verify_access_log")


def file_lines():
    path = Path(settings.ACCESS_LOG_CHECKPOINT_DIR) / CHECKPOINT_FILE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def checked(staff):
    """60 entries, verified once: so a checkpoint counts them all."""
    entries = append(staff, 60)
    verify()
    return entries


def test_entries_are_hmac_under_the_key(staff, settings):
    entry = append(staff, 1)[0]
    assert entry.hash_version == AccessLogEntry.HashVersion.HMAC_SHA256
    assert entry.hash != hashlib.sha256(entry.hash.encode()).hexdigest()
    verify()
    settings.ACCESS_LOG_KEY = "another-key-of-thirty-two-characters!"
    with pytest.raises(CommandError, match="bad signature"):
        verify()


def test_verification_writes_a_signed_checkpoint_in_the_database_and_the_file(staff, capsys):
    entries = append(staff, 3)
    verify()
    assert capsys.readouterr().out.strip() == "Access log intact: 3 entries."
    checkpoint = AccessLogCheckpoint.objects.get()
    assert (checkpoint.entry_count, checkpoint.head_hash) == (3, entries[-1].hash)
    assert [(line["entry_count"], line["signature"]) for line in file_lines()] == [
        (3, checkpoint.signature)
    ]
    verify()
    assert AccessLogCheckpoint.objects.count() == len(file_lines()) == 2


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (1, "has 59 entries, fewer than the 60 of checkpoint"),
        (50, "has 10 entries, fewer than the 60 of checkpoint"),
        (60, "The access log is empty, but checkpoint .* counted 60 entries"),
    ],
)
def test_a_cut_tail_is_found(checked, access_log_tamperable, cut, reason):
    AccessLogEntry.objects.filter(pk__in=[e.pk for e in checked[-cut:]]).delete()
    with pytest.raises(CommandError, match=reason):
        verify()
    assert AccessLogCheckpoint.objects.count() == 1  # nothing vouches for the cut log


def test_a_cut_tail_with_new_entries_after_it_is_found(checked, access_log_tamperable, staff):
    AccessLogEntry.objects.filter(pk__in=[e.pk for e in checked[-5:]]).delete()
    append(staff, 10)  # the new entries chain onto the cut tail, past the checkpoint's count
    with pytest.raises(CommandError, match=r"head of access log checkpoint .* is not in the chain"):
        verify()


def test_a_deleted_database_checkpoint_is_caught_by_the_file(checked, access_log_tamperable):
    AccessLogCheckpoint.objects.all().delete()
    AccessLogEntry.objects.filter(pk=checked[-1].pk).delete()
    with pytest.raises(CommandError, match=f"checkpoint on line 1 of .*{CHECKPOINT_FILE}"):
        verify()


def test_a_forged_checkpoint_is_refused(checked):
    AccessLogCheckpoint.objects.update(entry_count=10)
    with pytest.raises(CommandError, match="bad signature"):
        verify()


def rehash_from(entries, start, **fields):
    """Edit entries[start] and re-hash it and every later entry, as the table's owner could."""
    prev = entries[start - 1].hash
    for entry in AccessLogEntry.objects.filter(pk__gte=entries[start].pk).order_by("pk"):
        entry.detail = "forged" if entry.pk == entries[start].pk else entry.detail
        entry.prev_hash = prev
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.hash = access_log_hash(entry)
        entry.save()
        prev = entry.hash


def test_an_edit_rehashed_without_the_key_is_found(staff, access_log_tamperable):
    entries = append(staff, 5)
    rehash_from(entries, 2, hash_version=AccessLogEntry.HashVersion.SHA256)
    with pytest.raises(CommandError, match=f"entry {entries[2].pk} .* hashed without the key"):
        verify()


def test_an_edit_rehashed_under_another_key_is_found(staff, access_log_tamperable, settings):
    entries = append(staff, 5)
    real_key = settings.ACCESS_LOG_KEY
    settings.ACCESS_LOG_KEY = "a-guessed-key-that-is-not-the-real-one"
    rehash_from(entries, 2)
    settings.ACCESS_LOG_KEY = real_key
    with pytest.raises(CommandError, match=f"entry {entries[2].pk} .* was edited"):
        verify()


def legacy_entries(user, n):
    """Entries as written before the key: plain SHA-256, hash version 0."""
    entries = append(user, n)
    AccessLogEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    prev = "0" * 64
    rewritten = []
    for entry in entries:
        entry.pk = None
        entry.prev_hash = prev
        entry.hash_version = AccessLogEntry.HashVersion.SHA256
        entry.hash = access_log_hash(entry)
        entry.save()
        rewritten.append(entry)
        prev = entry.hash
    return rewritten


def test_entries_from_before_the_key_still_verify_behind_the_migrations_boundary(
    staff, access_log_tamperable
):
    legacy = legacy_entries(staff, 3)
    MIGRATION.boundary_checkpoint(apps, None)
    boundary = AccessLogCheckpoint.objects.get()
    assert (boundary.entry_count, boundary.legacy_count) == (3, 3)
    assert boundary.head_hash == legacy[-1].hash
    keyed = append(staff, 2)
    assert keyed[0].prev_hash == legacy[-1].hash
    verify()
    # Past the boundary an unkeyed entry is a forgery, even with every later one re-hashed.
    rehash_from([*legacy, *keyed], 3, hash_version=AccessLogEntry.HashVersion.SHA256)
    with pytest.raises(CommandError, match="hashed without the key"):
        verify()


def test_unkeyed_entries_without_the_boundary_fail(staff, access_log_tamperable):
    legacy_entries(staff, 2)
    with pytest.raises(CommandError, match="hashed without the key"):
        verify()


def test_beat_writes_a_checkpoint_every_hour(staff):
    schedule = settings.CELERY_BEAT_SCHEDULE["access-log-checkpoint"]
    assert schedule["task"] == "cadres.tasks.access_log_checkpoint"
    assert schedule["schedule"].hour == set(range(24))
    assert len(schedule["schedule"].minute) == 1
    append(staff, 2)
    access_log_checkpoint()
    assert AccessLogCheckpoint.objects.get().entry_count == 2
    assert len(file_lines()) == 1


def test_beat_fails_on_a_broken_log_and_writes_nothing(checked, access_log_tamperable):
    AccessLogEntry.objects.filter(pk=checked[-1].pk).delete()
    with pytest.raises(Exception, match="fewer than"):
        access_log_checkpoint()
    assert AccessLogCheckpoint.objects.count() == len(file_lines()) == 1


def test_the_signature_covers_every_field(checked):
    line = file_lines()[0]
    message = (
        f"checkpoint|{line['at']}|{line['entry_count']}|{line['head_hash']}|{line['legacy_count']}"
    )
    expected = hmac.new(settings.ACCESS_LOG_KEY.encode(), message.encode(), "sha256").hexdigest()
    assert line["signature"] == expected


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
@pytest.mark.parametrize(
    "change",
    [
        lambda: AccessLogEntry.objects.update(detail="changed"),
        lambda: AccessLogEntry.objects.all().delete(),
        lambda: connection.cursor().execute("TRUNCATE cadres_accesslogentry"),
    ],
    ids=["update", "delete", "truncate"],
)
def test_postgresql_refuses_changes_to_the_log(staff, change):
    append(staff, 2)
    with connection.cursor() as cursor:
        # Else TRUNCATE is refused for the deferred foreign key checks of the rows just written.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()
    assert AccessLogEntry.objects.count() == 2
    verify()
