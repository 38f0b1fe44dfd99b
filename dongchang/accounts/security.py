"""Login hardening that the installed libraries leave to the project: the short-password
message in Chinese and the client address that the lockout counts failures under."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message the interface translates.

    Django 5.2 reworded the message (``%d`` where it had ``%(min_length)d``) and its zh_Hans
    catalogue still holds only the old wording, so the refusal came out in English."""

    def get_error_message(self):
        return ngettext(
            "The password is too short: it needs at least %(min_length)d character.",
            "The password is too short: it needs at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


def client_ip(request) -> str | None:
    """The address django-axes locks failed log-ins under (AXES_CLIENT_IP_CALLABLE).

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies the client is the entry that the outermost
    trusted proxy appended to X-Forwarded-For, read from the right: whatever a client writes
    into the header itself stands further left and is never read. With no proxy (the default)
    the header is ignored and the address is the connection's. django-ipware, which axes
    would otherwise use, is not a dependency of the project.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
