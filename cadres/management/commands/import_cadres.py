import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cadres.error_workbook import IMPORTED_AND_SKIPPED, REFUSED_WITH_ERRORS, error_workbook_from
from cadres.management.arguments import command_actor, iso_date
from cadres.models import ImportFile
from cadres.roster import (
    COUNT_LABELS,
    RENEW_CHOICES,
    RenewalChoices,
    post_label,
    roster_import,
)
from cadres.services import import_file_store
from cadres.spreadsheets import SpreadsheetError


class Command(BaseCommand):
    help = (
        "Import a cadre roster workbook (xlsx); writes nothing when any row is in error "
        "(unless --skip-errors), or when it gives a serving holder's post to someone else and "
        "--renew does not say what to do."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )
        parser.add_argument("--user", help="Import as this user (default: the first superuser).")
        parser.add_argument(
            "--keep-unknown-columns",
            action="store_true",
            help="Keep the cadre sheet's columns that the register does not know on each person.",
        )
        parser.add_argument(
            "--renew",
            choices=list(RENEW_CHOICES),
            help=(
                "For every village whose serving secretary, director or group leader the roster "
                "replaces: end their posts as a general election (election) or an adjustment "
                "(adjustment), or skip the rows concerned (skip). Without it such a roster is "
                "refused."
            ),
        )
        parser.add_argument(
            "--renew-on",
            type=iso_date,
            help="The date the replaced posts end (YYYY-MM-DD; default: today).",
        )
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="Import the rows without errors and skip the rows with errors.",
        )
        parser.add_argument(
            "--error-workbook",
            type=Path,
            help="Write the rows in error here, with a 错误原因 column, to correct and import.",
        )

    def handle(
        self,
        *args,
        file: Path,
        dry_run: bool,
        user: str | None,
        keep_unknown_columns: bool,
        renew: str | None,
        renew_on: dt.date | None,
        skip_errors: bool,
        error_workbook: Path | None,
        **options,
    ):
        translation.activate("zh-hans")
        actor = command_actor(user)
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        renewal = RenewalChoices(every_village=renew, ends_on=renew_on)
        try:
            if dry_run:
                plan = roster_import(
                    actor=actor,
                    source=file,
                    dry_run=True,
                    keep_unknown=keep_unknown_columns,
                    renewal=renewal,
                )
            else:
                with file.open("rb") as handle:
                    stored, earlier = import_file_store(
                        actor=actor,
                        upload=File(handle, name=file.name),
                        kind=ImportFile.Kind.ROSTER,
                    )
                if earlier is not None:
                    self.stdout.write(
                        _("This file was already imported on %(date)s by %(user)s.")
                        % {
                            "date": f"{earlier.created_at:%Y-%m-%d %H:%M}",
                            "user": earlier.uploaded_by,
                        }
                    )
                plan = roster_import(
                    actor=actor,
                    source=stored.file,
                    import_file=stored,
                    keep_unknown=keep_unknown_columns,
                    renewal=renewal,
                    skip_errors=skip_errors,
                )
        except (SpreadsheetError, ValidationError, PermissionDenied) as exc:
            raise CommandError(_message(exc)) from exc
        for report in plan.sheets:
            shown = report.shown
            for line in filter(None, [shown["warning"], *shown["skipped"]]):
                self.stdout.write(f"{report.sheet}：{line}")
        for key, value in plan.counts.items():
            self.stdout.write(f"{COUNT_LABELS[key]} {value}")
        for row in plan.nomination_rows:
            self.stdout.write(
                _("Needs nomination: row %(row)d, %(name)s, %(village)s %(post)s")
                % {**row, "post": post_label(row["body"], row["title"])}
            )
        if plan.nomination_rows:
            self.stdout.write(
                _(
                    "These posts start only through candidate cases: open the imported file "
                    "at %(path)s to nominate them."
                )
                % {"path": reverse("cadres:import_preview", args=[stored.pk])}
            )
        counts = plan.counts
        for renewal in plan.renewals.values():
            for contest in renewal.contests:
                self.stdout.write(
                    _("Renewal: %(village)s %(post)s, serving %(holder)s, row %(row)d %(name)s")
                    % {
                        "village": renewal.village.name,
                        "post": contest.post,
                        "holder": contest.holder.name,
                        "row": contest.row,
                        "name": contest.name,
                    }
                    + (f"：{renewal.choice_label}" if renewal.choice else "")
                )
        for error in plan.errors:
            self.stderr.write(str(error))
        for message in plan.renewal_errors:
            self.stderr.write(message)
        if plan.errors and error_workbook is not None:
            error_workbook_from(file, plan.failures()).save(error_workbook)
            self.stdout.write(_("The rows in error are in %(path)s.") % {"path": error_workbook})
        if plan.unresolved:
            raise CommandError(
                _(
                    "The roster gives serving holders' posts to others in %(villages)s; "
                    "say with --renew election, adjustment or skip what to do. Nothing was "
                    "imported."
                )
                % {"villages": "、".join(v.name for v in plan.unresolved)}
            )
        if plan.renewal_errors:
            raise CommandError(_("The renewal cannot be made as asked; nothing was imported."))
        if plan.errors and (not skip_errors if dry_run else not plan.written):
            raise CommandError(REFUSED_WITH_ERRORS % {"count": counts["errors"]})
        self.stdout.write(
            _("Checked; nothing was written (dry run).") if dry_run else _("Imported.")
        )
        if counts["errors"] and plan.written:
            self.stdout.write(
                IMPORTED_AND_SKIPPED
                % {"imported": counts["rows"] - counts["errors"], "skipped": counts["errors"]}
            )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return _("This user may not import cadres.")
    return str(exc)
