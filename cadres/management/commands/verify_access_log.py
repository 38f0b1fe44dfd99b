from django.core.management.base import BaseCommand, CommandError

from cadres.models import AccessLogEntry
from cadres.services import GENESIS_HASH, access_log_hash


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of the access log. Exits non-zero naming the first "
        "entry that was edited, or that follows a deleted one."
    )

    def handle(self, *args, **options):
        expected_prev = GENESIS_HASH
        count = 0
        # Gaps in pk are not proof of anything (a rolled-back append leaves one); a
        # prev_hash that is not the previous entry's hash is.
        for entry in AccessLogEntry.objects.order_by("pk").iterator(chunk_size=2000):
            if entry.prev_hash != expected_prev:
                raise CommandError(
                    f"Access log entry {entry.pk} ({entry.at:%Y-%m-%d %H:%M:%S}) does not "
                    "follow the entry before it: an entry before it was deleted or edited."
                )
            if access_log_hash(entry) != entry.hash:
                raise CommandError(
                    f"Access log entry {entry.pk} ({entry.at:%Y-%m-%d %H:%M:%S}) was edited: "
                    "its content no longer matches its hash."
                )
            expected_prev = entry.hash
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {count} entries."))
