from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from cadres.cadre_form import cadre_forms_batch
from cadres.paper import Reader, papers_docx


class Command(BaseCommand):
    help = (
        "Write the village cadre information forms (村干部基本信息表) of every serving cadre "
        "of a township, or of one of its villages, to one .docx, one form per A4 page. ID "
        "numbers are masked: full numbers are given only to a signed-in user who may see "
        "them, from the pages, and logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--township", required=True, help="the township's 9-digit code")
        parser.add_argument("--village", default="", help="a village's 12-digit code")
        parser.add_argument("--output", required=True, help="the .docx file to write")

    def handle(self, *args, township, village, output, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                batch = cadre_forms_batch(None, township=township, village=village)
            except Http404:
                raise CommandError(f"No township {township!r} or village {village!r}.") from None
            Path(output).write_bytes(papers_docx(batch.papers(Reader(full_ids=False))))
        self.stdout.write(self.style.SUCCESS(f"{batch.count} forms written to {output}."))
