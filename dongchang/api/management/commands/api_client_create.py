import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Township
from dongchang.api.models import Scope
from dongchang.api.services import api_client_create, api_token_issue


class Command(BaseCommand):
    help = (
        "Create an API client (an external system) with its townships and scopes, and print "
        "its first token: it is shown this once and stored only as a hash."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--townships",
            required=True,
            help="township codes separated by commas, or 'all' for the whole district",
        )
        parser.add_argument(
            "--scopes", required=True, help=f"separated by commas: {', '.join(Scope.values)}"
        )
        parser.add_argument("--owner", help="the answerable user (default: the first superuser)")
        parser.add_argument("--expires", help="the last day the client may call, YYYY-MM-DD")

    def handle(self, *args, **options):
        users = get_user_model().objects.filter(is_active=True)
        if options["owner"]:
            owner = users.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["owner"]})
        else:
            owner = users.filter(is_superuser=True).order_by("pk").first()
            if owner is None:
                raise CommandError(_("Name the client's owner with --owner."))
        # The command is the administrator's own: it acts as a superuser.
        actor = users.filter(is_superuser=True).order_by("pk").first() or owner
        codes = [c.strip() for c in options["townships"].split(",") if c.strip()]
        all_townships = codes == ["all"]
        townships = [] if all_townships else list(Township.objects.filter(code__in=codes))
        unknown = set(codes) - {t.code for t in townships} - ({"all"} if all_townships else set())
        if unknown:
            raise CommandError(
                _("No township has the code %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
            )
        expires_at = None
        if options["expires"]:
            try:
                last = dt.date.fromisoformat(options["expires"])
            except ValueError:
                raise CommandError(_("Give the day as YYYY-MM-DD.")) from None
            expires_at = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(1), dt.time()))
        try:
            client = api_client_create(
                actor=actor,
                name=options["name"],
                owner=owner,
                townships=townships,
                all_townships=all_townships,
                scopes=options["scopes"].split(","),
                expires_at=expires_at,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied:
            raise CommandError(_("Only a superuser may create API clients.")) from None
        _row, token = api_token_issue(actor=actor, client=client)
        self.stdout.write(token)
