"""Print an election's before-and-after for the whole district, as the page shows it."""

import json

from django.core.management.base import BaseCommand, CommandError

from cadres.scoping import WHOLE_DISTRICT
from dongchang.election_report import election_report
from vetting.models import Election


class Command(BaseCommand):
    help = (
        "Print a general election's before-and-after: every township and the district, each "
        "structure indicator before and after against the targets, cadres renewed and stayed, "
        "and the average age before and after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--election", type=int, required=True, help="the election's id")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, election: int, format="json", **options):
        the_election = Election.objects.filter(pk=election).first()
        if the_election is None:
            raise CommandError(f"no election with id {election}")
        report = election_report(WHOLE_DISTRICT, the_election)
        self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
