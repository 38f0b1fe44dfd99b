import shutil

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dongchang.reports import Month
from dongchang.services import monthly_report_build


class Command(BaseCommand):
    help = (
        "Build and store the monthly workbook for the organization department "
        "(default: the month before today), optionally copying it to --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; default: the month before today")
        parser.add_argument("--output", help="also write the workbook to this file")

    def handle(self, *args, month=None, output=None, **options):
        try:
            target = Month.parse(month) if month else Month.previous(timezone.localdate())
        except ValueError as error:
            raise CommandError(str(error)) from error
        report = monthly_report_build(month=target)
        if output:
            with report.file.open("rb") as source, open(output, "wb") as destination:
                shutil.copyfileobj(source, destination)
        self.stdout.write(f"{target}: {report.size} bytes, sha256 {report.sha256}")
        for sheet, rows in report.row_counts.items():
            self.stdout.write(f"  {sheet}: {rows}")
