from django.core.management.base import BaseCommand
from django.db import transaction

from cadres.models import Person, Relative
from cadres.records.models import PartyCandidate
from cadres.services import name_keys_refresh
from vetting.models import CandidateCase, CandidateRelative
from vetting.services.watchlists import watchlist_entries_refresh_name_keys


class Command(BaseCommand):
    help = (
        "Derive again the stored name keys and pinyin of people, relatives, candidates and "
        "list entries, after a change of the name normalizer; prints how many changed."
    )

    def handle(self, *args, **options):
        changed = 0
        for model in (Person, Relative, PartyCandidate, CandidateCase, CandidateRelative):
            with transaction.atomic():
                count = len(name_keys_refresh(model))
            self.stdout.write(f"{model._meta.label}: {count}")
            changed += count
        count = watchlist_entries_refresh_name_keys()
        self.stdout.write(f"vetting.WatchlistEntry: {count}")
        if changed or count:
            self.stdout.write("The next full screening run (nightly, or `rescreen`) matches them.")
