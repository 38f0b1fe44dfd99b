"""Forms of the rules pages: the lines of the negative list, the eligibility conditions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vetting.models import EligibilityRule, NegativeListItem


class NegativeListItemForm(forms.ModelForm):
    class Meta:
        model = NegativeListItem
        fields = ["kind", "measure", "bars_candidate", "opens_removal", "within_years"]


# Three empty lines to add to the list; a line is dropped by ticking its delete box.
NegativeListFormSet = forms.modelformset_factory(
    NegativeListItem, form=NegativeListItemForm, extra=3, can_delete=True
)


class EligibilityRuleForm(forms.ModelForm):
    code = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = EligibilityRule
        fields = ["code", "enabled", "years", "message"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code not in EligibilityRule.Code.values:
            raise forms.ValidationError(_("Unknown condition."))
        return code


EligibilityFormSet = forms.modelformset_factory(
    EligibilityRule, form=EligibilityRuleForm, extra=0, can_delete=False
)


class VersionNoteForm(forms.Form):
    note = forms.CharField(label=_("What changed and why"), max_length=200)
