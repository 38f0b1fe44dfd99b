"""Errors as problem+json (RFC 9457): ``title`` and ``detail`` in Chinese, ``title_en`` and
``detail_en`` in English, whatever language the request asked for."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    status.HTTP_400_BAD_REQUEST: _("Bad request"),
    status.HTTP_401_UNAUTHORIZED: _("Not authenticated"),
    status.HTTP_403_FORBIDDEN: _("Forbidden"),
    status.HTTP_404_NOT_FOUND: _("Not found"),
    status.HTTP_405_METHOD_NOT_ALLOWED: _("Method not allowed"),
    status.HTTP_406_NOT_ACCEPTABLE: _("Not acceptable"),
    status.HTTP_429_TOO_MANY_REQUESTS: _("Too many requests"),
}


def told(exc_class: type[exceptions.APIException], message, **values):
    """An exception of ``exc_class`` whose lazy message can be told in both languages."""
    exc = exc_class(str(message) % values if values else str(message))
    exc.lazy = (message, values)
    return exc


def _detail(exc: exceptions.APIException):
    """A callable that tells the error in the active language."""
    if getattr(exc, "lazy", None):
        message, values = exc.lazy
        return lambda: str(message) % values if values else str(message)
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 0)
        return lambda: (
            str(_("Too many calls with this token. Try again in %(wait)d seconds."))
            % {"wait": wait}
        )
    if isinstance(exc, exceptions.ValidationError):
        return lambda: str(_("The request's parameters are not valid; see errors."))
    if str(exc.detail) == str(exc.default_detail):
        # DRF's own exceptions keep their lazy default message.
        return lambda: str(exc.default_detail)
    return lambda: str(exc.detail)


def _in(language: str, tell) -> str:
    with translation.override(language):
        return tell()


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # Outside the client's townships: as the register does, as if it did not exist.
        exc = exceptions.NotFound()
    if not isinstance(exc, exceptions.APIException):
        return None
    code = exc.status_code
    title = TITLES.get(code, _("Error"))
    tell = _detail(exc)
    body = {
        "type": "about:blank",
        "status": code,
        "title": _in("zh-hans", lambda: str(title)),
        "detail": _in("zh-hans", tell),
        "title_en": _in("en", lambda: str(title)),
        "detail_en": _in("en", tell),
    }
    if isinstance(exc, exceptions.ValidationError):
        body["errors"] = exc.detail
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    return Response(body, status=code, headers=headers, content_type=PROBLEM_TYPE)
