from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from dongchang.api.auth import ApiReader


class HasScope(BasePermission):
    """The client holds the view's ``required_scope``."""

    message = _("This client may not read this resource: it lacks the scope.")

    def has_permission(self, request, view) -> bool:
        reader = request.user
        return isinstance(reader, ApiReader) and view.required_scope in reader.scopes
