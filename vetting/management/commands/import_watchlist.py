from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from vetting.models import WatchlistSource
from vetting.services.watchlists import watchlist_file_check, watchlist_import_upload


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


class Command(BaseCommand):
    help = "Import a watchlist workbook as the current version of a named list."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=WatchlistSource.Kind.values)
        parser.add_argument(
            "--source", required=True, help="the list's name, e.g. 区纪委监委处分名单"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
        parser.add_argument("--user", help="username recorded as importer (default: a superuser)")
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="import the rows without errors and skip the rows with errors",
        )

    def handle(
        self,
        *args,
        file: Path,
        kind: str,
        source: str,
        dry_run: bool,
        user,
        skip_errors: bool,
        **options,
    ):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if dry_run:
            try:
                with file.open("rb") as handle:
                    result = watchlist_file_check(source=handle)
            except ValidationError as exc:
                raise CommandError("\n".join(_messages(exc))) from exc
            for error in result.errors:
                self.stderr.write(str(error))
            if result.error_count and not skip_errors:
                raise CommandError(f"{result.failed_rows} rows have errors; nothing imported")
            self.stdout.write(
                f"{result.rows} rows, {result.failed_rows} with errors (dry run: nothing written)"
            )
            return
        actor = self._actor(user)
        try:
            with file.open("rb") as handle:
                imp, earlier = watchlist_import_upload(
                    actor=actor,
                    upload=File(handle, name=file.name),
                    source_name=source,
                    kind=kind,
                    skip_errors=skip_errors,
                )
        except ValidationError as exc:
            raise CommandError("\n".join(_messages(exc))) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not import watchlists") from exc
        if earlier is not None:
            self.stdout.write(
                f"the same file was imported before ({earlier.created_at:%Y-%m-%d %H:%M})"
            )
        skipped = imp.import_file.summary.get("skipped", 0)
        self.stdout.write(
            f"{imp.rows} rows: {imp.added} added, {imp.changed} changed, "
            f"{imp.unchanged} unchanged, {imp.retired} retired, {skipped} skipped"
        )

    def _actor(self, username):
        users = get_user_model().objects.filter(is_active=True)
        actor = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if actor is None:
            raise CommandError("no such user; pass --user USERNAME (or create a superuser)")
        return actor
