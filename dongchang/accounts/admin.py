from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cadres.scoping import township_access_set
from dongchang.accounts.forms import UserAdminAddForm, UserAdminForm
from dongchang.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
    add_form = UserAdminAddForm
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("Personal info"), {"fields": ["name", "phone"]}),
        (_("Roles and access"), {"fields": ["groups", "department", "townships"]}),
    ]
    list_display = ["username", "name", "department", "is_active", "last_login"]
    list_filter = ["groups", "department", "is_active"]
    search_fields = ["username", "name", "phone"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone", "email"]}),
        (_("Roles and access"), {"fields": ["groups", "department", "townships"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser", "last_login"]}),
    ]
    readonly_fields = ["last_login"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        township_access_set(user=form.instance, townships=form.cleaned_data["townships"])
