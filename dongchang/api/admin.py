"""API clients, their tokens and calls: the system administrator's only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cadres.admin_mixins import ReadOnlyAdminMixin
from dongchang.api.models import ApiCallLog, ApiClient, ApiToken, Scope
from dongchang.api.services import (
    api_client_create,
    api_client_update,
    api_token_issue,
    api_token_revoke,
    may_manage_clients,
)


class AdministratorOnly:
    def has_module_permission(self, request) -> bool:
        return may_manage_clients(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_manage_clients(request.user)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ["name", "owner", "all_townships", "townships", "scopes", "expires_at", "active"]

    def clean(self):
        data = super().clean()
        if bool(data.get("all_townships")) == bool(data.get("townships")):
            raise ValidationError(_("Give the client some townships, or all of them, not both."))
        return data


class ApiTokenInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApiToken
    fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]
    readonly_fields = fields
    extra = 0


def _tokens_revoke(request, tokens) -> int:
    count = 0
    for token in tokens.filter(revoked_at__isnull=True):
        api_token_revoke(actor=request.user, token=token)
        count += 1
    return count


@admin.register(ApiClient)
class ApiClientAdmin(AdministratorOnly, admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "owner", "all_townships", "scopes", "expires_at", "active"]
    list_filter = ["active", "all_townships"]
    search_fields = ["name"]
    filter_horizontal = ["townships"]
    inlines = [ApiTokenInline]
    actions = ["issue_token", "revoke_tokens"]

    def has_add_permission(self, request) -> bool:
        return may_manage_clients(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_manage_clients(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # calls are logged against the client: disable it instead

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {
            "townships": data["townships"],
            "all_townships": data["all_townships"],
            "scopes": data["scopes"],
            "expires_at": data["expires_at"],
        }
        if change:
            saved = api_client_update(
                actor=request.user,
                client=obj,
                active=data["active"],
                owner=data["owner"],
                **values,
            )
        else:
            saved = api_client_create(
                actor=request.user, name=data["name"], owner=data["owner"], **values
            )
        # The admin logs and redirects with the form's object: make it the saved row.
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The services set the townships; the token inline is read-only: nothing to save,
        # but the change message reads what the formsets would have saved.
        for formset in formsets:
            formset.save(commit=False)

    @admin.action(description=_("Issue a new token (shown once)"))
    def issue_token(self, request, queryset):
        issued = [
            (client, api_token_issue(actor=request.user, client=client)[1]) for client in queryset
        ]
        return TemplateResponse(
            request,
            "api/tokens_issued.html",
            {**self.admin_site.each_context(request), "issued": issued, "title": _("New tokens")},
        )

    @admin.action(description=_("Revoke every token of the selected clients"))
    def revoke_tokens(self, request, queryset):
        count = _tokens_revoke(request, ApiToken.objects.filter(client__in=queryset))
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["client", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["client"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = _tokens_revoke(request, queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ApiCallLog)
class ApiCallLogAdmin(AdministratorOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "client", "method", "endpoint", "status", "count"]
    list_filter = ["client", "status"]
    date_hierarchy = "at"
