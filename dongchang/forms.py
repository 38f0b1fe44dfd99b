"""Forms of the district-wide pages: the warning rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dongchang.models import TodoDeadlines, WarningRule


class WarningRuleForm(forms.ModelForm):
    code = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = WarningRule
        fields = ["code", "enabled", "light", "weight", "days", "number", "message"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code not in WarningRule.Code.values:
            raise forms.ValidationError(_("Unknown warning condition."))
        return code


WarningRuleFormSet = forms.modelformset_factory(
    WarningRule, form=WarningRuleForm, extra=0, can_delete=False
)


class TodoDeadlinesForm(forms.ModelForm):
    """The next version of the to-do deadlines, filled with the one in force."""

    class Meta:
        model = TodoDeadlines
        fields = [*TodoDeadlines.FIELDS, "note"]
        help_texts = {"note": _("Kept with the version, for who reads its history.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
