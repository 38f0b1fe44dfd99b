from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from cadres.models import Township
from cadres.scoping import ACCESS_PERM
from dongchang.accounts.models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask the system administrator."),
    }


class UserAdminForm(UserChangeForm):
    townships = forms.ModelMultipleChoiceField(
        label=_("townships"),
        queryset=Township.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The townships whose records this user may see and edit."),
    )

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
