import csv
import json

from django.core.management.base import BaseCommand

from cadres.xlsx_export import csv_safe
from vetting.models import Hit
from vetting.selectors import HIT_EXPORT_KEYS, hit_rows


class Command(BaseCommand):
    help = "List screening hits as CSV or JSON (full ID numbers: for authorized operators)."

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=Hit.Status.values)
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, status=None, format="csv", **options):
        hits = Hit.objects.all()
        if status:
            hits = hits.filter(status=status)
        rows = hit_rows(hits)
        if format == "json":
            self.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=HIT_EXPORT_KEYS)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: csv_safe(value) for key, value in row.items()})
