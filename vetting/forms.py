from django import forms
from django.utils.translation import gettext_lazy as _

from vetting.models import WatchlistSource


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the decision.")},
    )


class RemovalDecisionForm(forms.Form):
    remove = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "remove",
        choices=[("remove", _("Remove from office")), ("retain", _("Do not remove"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the decision.")},
    )


class WatchlistUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Watchlist workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    source = forms.CharField(
        label=_("List name"),
        max_length=100,
        help_text=_("The same name replaces the earlier version of that list."),
    )
    kind = forms.ChoiceField(label=_("List kind"), choices=WatchlistSource.Kind.choices)
