"""Every write of the API's records: clients, tokens, the call log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import Township
from dongchang.api.models import ApiCallLog, ApiClient, ApiToken, Scope

TOKEN_START = "dc_"  # noqa: S105 (how every token starts, not a secret)


def may_manage_clients(user) -> bool:
    """API clients are the system administrator's (the admin site's superuser)."""
    return bool(user and user.is_active and user.is_superuser)


def _require_manager(actor) -> None:
    if not may_manage_clients(actor):
        raise PermissionDenied


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scopes_clean(scopes: Iterable[str]) -> list[str]:
    """The scopes named, in their order of declaration; an unknown one is refused."""
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = wanted - set(Scope.values)
    if unknown:
        raise ValidationError(
            _("Unknown scope: %(scopes)s. Known scopes: %(known)s.")
            % {"scopes": ", ".join(sorted(unknown)), "known": ", ".join(Scope.values)}
        )
    return [s for s in Scope.values if s in wanted]


@transaction.atomic
def api_client_create(
    *,
    actor,
    name: str,
    owner,
    townships: Iterable[Township] = (),
    all_townships: bool = False,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
) -> ApiClient:
    _require_manager(actor)
    townships = list(townships)
    if all_townships == bool(townships):
        raise ValidationError(_("Give the client some townships, or all of them, not both."))
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the client a name."))
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(_("An API client named %(name)s exists already.") % {"name": name})
    client = ApiClient.objects.create(
        name=name,
        owner=owner,
        all_townships=all_townships,
        scopes=scopes_clean(scopes),
        expires_at=expires_at,
    )
    client.townships.set(townships)
    return client


def api_token_issue(*, actor, client: ApiClient) -> tuple[ApiToken, str]:
    """A new token for the client: the row, and the token itself, which is never stored and
    must be shown to the actor now."""
    _require_manager(actor)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # one in four billion
        prefix = secrets.token_hex(4)
    token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        client=client, prefix=prefix, digest=_digest(token), created_by=actor
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    _require_manager(actor)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_find(token: str) -> ApiToken | None:
    """The live token row for a presented token (with its client), or None: unknown,
    revoked, or its client inactive or expired."""
    if not token.startswith(TOKEN_START):
        return None
    prefix = token[len(TOKEN_START) :].split("_", 1)[0]
    row = (
        ApiToken.objects.select_related("client")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.digest, _digest(token)):
        return None
    if not row.client.usable():
        return None
    return row


def api_token_touch(*, token: ApiToken) -> None:
    """Record the token's use (one UPDATE, no read)."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def api_call_record(
    *,
    token: ApiToken,
    method: str,
    endpoint: str,
    params: dict,
    status: int,
    count: int | None,
) -> ApiCallLog:
    return ApiCallLog.objects.create(
        at=timezone.now(),
        client_id=token.client_id,
        token=token,
        method=method[:8],
        endpoint=endpoint[:200],
        params=params,
        status=status,
        count=count,
    )


@transaction.atomic
def api_client_update(
    *,
    actor,
    client: ApiClient,
    townships: Iterable[Township] = (),
    all_townships: bool = False,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
    active: bool = True,
    owner=None,
) -> ApiClient:
    _require_manager(actor)
    townships = list(townships)
    if all_townships == bool(townships):
        raise ValidationError(_("Give the client some townships, or all of them, not both."))
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    client.all_townships = all_townships
    client.scopes = scopes_clean(scopes)
    client.expires_at = expires_at
    client.active = active
    if owner is not None:
        client.owner = owner
    client.save()
    client.townships.set(townships)
    return client
