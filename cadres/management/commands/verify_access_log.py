from django.core.management.base import BaseCommand, CommandError, no_translations

from cadres.access_log import AccessLogBroken, access_log_check


class Command(BaseCommand):
    help = (
        "Verify the access log: its keyed hash chain and every signed checkpoint, in the "
        "database and in the checkpoint file. Exits non-zero naming the first entry that was "
        "edited or follows a deleted one, or the checkpoint that shows entries were removed. "
        "On success writes a new checkpoint. Either way the result is recorded, and shown on "
        "the access log page."
    )

    @no_translations
    def handle(self, *args, **options):
        try:
            verification = access_log_check()
        except AccessLogBroken as broken:
            raise CommandError(str(broken)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Access log intact: {verification.entry_count} entries.")
        )
