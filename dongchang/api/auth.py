"""Who is calling: a token of a client system, never a login.

``Authorization: Bearer <token>`` (or ``Token <token>``). The request's user becomes an
``ApiReader``: a ``cadres.scoping.TownshipReader`` over the client's townships (all of them
when the client has all), so every queryset is scoped by the register's own rule.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cadres.scoping import TownshipReader
from dongchang.api.models import ApiClient, ApiToken
from dongchang.api.problems import told
from dongchang.api.services import api_token_find, api_token_touch

KEYWORDS = ("bearer", "token")


class ApiReader(TownshipReader):
    """The client system behind a request."""

    def __init__(self, token: ApiToken) -> None:
        client: ApiClient = token.client
        townships = None if client.all_townships else client.townships.values_list("pk", flat=True)
        super().__init__(townships)
        self.client = client
        self.token = token
        self.scopes = frozenset(client.scopes)

    def __str__(self) -> str:
        return self.client.name


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise told(
                exceptions.AuthenticationFailed,
                _("Give one token after Bearer in the Authorization header."),
            )
        try:
            presented = header[1].decode()
        except UnicodeDecodeError:
            presented = ""
        token = api_token_find(presented)
        if token is None:
            raise told(
                exceptions.AuthenticationFailed,
                _("The token is unknown, revoked or expired, or its client is disabled."),
            )
        api_token_touch(token=token)
        return ApiReader(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema (drf-spectacular finds this subclass by its target)."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
