from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from cadres.management.arguments import command_actor, iso_date
from cadres.models import Township, Village
from cadres.places import (
    DEFAULT_SOURCE,
    TOWNSHIP,
    Change,
    Plan,
    places_apply,
    places_check,
    places_import_file,
    places_preview,
)
from cadres.spreadsheets import SpreadsheetError


class Command(BaseCommand):
    help = (
        "Compare a statistical division code list (统计用区划代码, xlsx) with the register's "
        "townships and villages and print the differences; with --apply, apply them in one "
        "transaction (refused when the list has errors). The user needs "
        "cadres.import_places (a superuser has it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default=DEFAULT_SOURCE, help="Where the list comes from.")
        parser.add_argument(
            "--year", type=int, help="Year of the list (default: from its title row)."
        )
        parser.add_argument(
            "--effective",
            type=iso_date,
            help="The day the list applies from (YYYY-MM-DD; default: today): new places "
            "begin on it, places no longer listed end the day before.",
        )
        parser.add_argument("--apply", action="store_true", help="Apply the differences.")
        parser.add_argument("--user", help="Import as this user (default: the first superuser).")

    def handle(self, *args, file: Path, source, year, effective, apply, user, **options):
        translation.activate("zh-hans")
        actor = command_actor(user)
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        try:
            _found, plan, source, year = places_check(
                actor=actor, source=file, code_source=source, year=year
            )
            self._print(plan, source, year)
            if plan.errors:
                raise CommandError(
                    _("The list has %(count)d errors; nothing was applied.")
                    % {"count": len(plan.errors)}
                )
            if not apply:
                self.stdout.write(_("Nothing was written; run again with --apply to apply."))
                return
            with file.open("rb") as handle:
                record, _earlier = places_import_file(actor=actor, upload=File(handle))
            places_preview(actor=actor, record=record, source=source, year=year)
            places_apply(actor=actor, record=record, effective_on=effective)
        except (ValidationError, PermissionDenied, SpreadsheetError) as exc:
            raise CommandError(_message(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_("Applied (import #%(pk)d).") % {"pk": record.pk}))

    def _print(self, plan: Plan, source: str, year) -> None:
        self.stdout.write(
            _("Source: %(source)s; year: %(year)s.") % {"source": source, "year": year or "—"}
        )
        for message in plan.errors:
            self.stderr.write(message)
        counts = plan.counts
        kinds = {**dict(Township.Kind.choices), **dict(Village.Kind.choices)}
        for change in Change:
            self.stdout.write(f"{change.label}：{counts[change]}")
            if change == Change.UNCHANGED:
                continue
            for entry in plan.entries:
                if change not in entry.changes:
                    continue
                level = _("township") if entry.level == TOWNSHIP else _("village")
                was = ""
                if entry.old_code and (entry.old_code, entry.old_name) != (entry.code, entry.name):
                    was = f"（{entry.old_code} {entry.old_name}）"
                self.stdout.write(
                    f"  {level} {entry.code} {entry.name} {kinds.get(entry.kind, '')} "
                    f"{entry.urban_rural}{was}".rstrip()
                )
        if not plan.villages_listed:
            self.stdout.write(
                _("The list has no village-level rows: villages are left as they are.")
            )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return _("This user may not import the division codes.")
    return str(exc)
