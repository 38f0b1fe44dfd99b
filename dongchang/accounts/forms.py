from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from cadres.forms import ModelKeysField
from cadres.models import Township
from cadres.scoping import ACCESS_PERM
from dongchang.accounts.models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask the system administrator."),
    }


def _townships_field() -> ModelKeysField:
    return ModelKeysField(
        label=_("townships"),
        queryset=Township.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The townships whose records this user may see and edit."),
    )


class UserAdminAddForm(AdminUserCreationForm):
    """The admin's form for a new account: its roles and townships are given at once, so that
    a new township clerk can work on first login."""

    townships = _townships_field()

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "name", "phone", "groups", "department"]


class UserAdminForm(UserChangeForm):
    townships = _townships_field()

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["townships"].initial = get_objects_for_user(
                self.instance,
                ACCESS_PERM,
                klass=Township,
                use_groups=False,
                accept_global_perms=False,
                with_superuser=False,
            )
