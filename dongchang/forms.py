"""Forms of the district-wide pages: the warning rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dongchang.models import WarningRule


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
