"""Print every serving cadre's warning light, computed now from the active rules."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cadres.choices import Light
from cadres.models import Post, Township
from dongchang import warnings


class Command(BaseCommand):
    help = (
        "Print every serving cadre's warning light (red/yellow/blue/none) and the codes of the "
        "rules that fired, computed now from the active warning rules."
    )

    def add_arguments(self, parser):
        parser.add_argument("--township", help="only the cadres serving in this township (code)")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, township=None, format="json", **options):
        today = timezone.localdate()
        people = warnings.serving_people(today)
        if township:
            if not Township.objects.filter(code=township).exists():
                raise CommandError(f"no township with code {township}")
            posts = Post.objects.serving(today).filter(village__township__code=township)
            people = people.filter(pk__in=posts.values("person_id"))
        judged = warnings.judge(people, today=today)
        none = warnings.Judgement()
        rows = []
        for person in warnings.first_places(people, today).order_by("village_code", "pk"):
            judgement = judged.get(person["pk"], none)
            rows.append(
                {
                    "person_id": person["pk"],
                    "name": person["name"],
                    "township_code": person["township_code"],
                    "village_code": person["village_code"],
                    "light": Light(judgement.light).code,
                    "reasons": judgement.reasons,
                }
            )
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
