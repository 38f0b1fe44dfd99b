from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from dongchang.api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """At most ``settings.API_THROTTLE_RATE`` calls per token, counted in the default cache
    (Redis in production: shared by every process)."""

    scope = "api_token"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if not isinstance(token, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}
