import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from cadres.scoping import WHOLE_DISTRICT
from cadres.structure import team_structure


class Command(BaseCommand):
    help = (
        "Print the team structure (队伍结构) of the serving cadres per township and for the "
        "district: every count behind every share, the shares, the targets in force and "
        "whether each is met. People are counted once however many posts they hold."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--on", help="the day the ages and posts are taken on, YYYY-MM-DD")

    def handle(self, *args, **options):
        on = timezone.localdate()
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError("--on is a date written YYYY-MM-DD.") from None
        with translation.override("zh-hans"):
            figures = team_structure(WHOLE_DISTRICT, on)
            if options["format"] == "json":
                data = {
                    "on": on.isoformat(),
                    "targets_version": figures.targets.pk if figures.targets else None,
                    "district": figures.total.as_json(),
                    "townships": [row.as_json() for row in figures.rows],
                }
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
                return
            for row in [*figures.rows, figures.total]:
                shares = "  ".join(
                    f"{i.label} {i.count}/{i.base} {i.share if i.share is not None else '—'}%"
                    for i in row.indicators
                )
                self.stdout.write(
                    f"{row.name}  {row.count('people')}  {row.average_age or '—'}  {shares}"
                )
