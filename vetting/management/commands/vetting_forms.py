from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from cadres.paper import Reader, papers_docx
from vetting.review_form import review_forms_batch


class Command(BaseCommand):
    help = (
        "Write the joint-review forms (资格联审表) of every candidate of a nomination batch "
        "(the id of its uploaded workbook, as in /vetting/candidates/batch/ID/) to one .docx, "
        "one form per A4 page. ID numbers are masked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, required=True, help="the nomination batch's id")
        parser.add_argument("--output", required=True, help="the .docx file to write")

    def handle(self, *args, batch, output, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                forms = review_forms_batch(None, batch=batch)
            except Http404:
                raise CommandError(f"No nomination batch {batch} with candidates.") from None
            Path(output).write_bytes(papers_docx(forms.papers(Reader(full_ids=False))))
        self.stdout.write(self.style.SUCCESS(f"{forms.count} forms written to {output}."))
