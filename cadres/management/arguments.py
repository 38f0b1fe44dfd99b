"""What the import commands share: who acts (``--user``) and a date argument."""

import argparse
import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.utils.translation import gettext as _


def command_actor(username: str | None):
    """The named active user, or the first superuser: an import acts as someone, whose
    permissions the services check and whose name the history keeps."""
    users = get_user_model().objects.filter(is_active=True)
    if username:
        actor = users.filter(username=username).first()
        if actor is None:
            raise CommandError(_("No active user %(name)s.") % {"name": username})
        return actor
    actor = users.filter(is_superuser=True).order_by("pk").first()
    if actor is None:
        raise CommandError(_("Name the importing user with --user."))
    return actor


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date; write it like 2026-12-01.") % {"value": text}
        ) from None
