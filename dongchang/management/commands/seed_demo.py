from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dongchang import demo


class Command(BaseCommand):
    help = (
        "Load the demo district, demo accounts, cadres, candidate cases, a general election "
        "in progress, two watchlists, two secretary changes, the management records, training "
        "and supervision of the demo townships, a village merger, last month's workbook (a job "
        "for the worker) and a few access log entries, verified. Idempotent: a second run adds "
        "nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run with DEBUG off too (never on production: the passwords are public).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo makes accounts with public passwords; it needs DJANGO_DEBUG=true."
            )
        accounts = demo.load_accounts()
        demo.load_places()
        added = demo.load_cadres()
        cases = demo.load_candidate_cases()
        elections = demo.load_election()
        lists = demo.load_watchlists()
        changes = demo.load_secretary_changes()
        records = demo.load_records()
        training = demo.load_training()
        supervision = demo.load_supervision()
        merged = demo.load_village_changes()
        targets = demo.load_structure_targets()
        reports = demo.load_monthly_report()
        logged = demo.load_access_log()
        lit = demo.load_warning_lights()
        told = demo.load_notifications()
        api_clients = demo.load_api_clients()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded ({added} new cadres, {cases} new candidate cases, "
                f"{elections} new general election, "
                f"{lists} new watchlists, {changes} new secretary changes, "
                f"{records} new management records, {training} new training records, "
                f"{supervision} new supervision records, {merged} new village change, "
                f"{targets} new structure targets, "
                f"{reports} monthly workbook asked for, "
                f"{logged} access log entries, {lit} cadres with a warning light, "
                f"{told} notifications)."
            )
        )
        self.stdout.write(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
        for username, name, role in accounts:
            self.stdout.write(f"  {username:<12} {name}  [{role}]")
        for name, token in api_clients:
            self.stdout.write(f"API client {name}: token {token} (shown once)")
