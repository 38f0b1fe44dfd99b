"""Forms of the general election's pages (services do the checking; these say it in place)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vetting.models import Election, ElectionPlan
from vetting.models.election import PLAN_TARGETS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ElectionOpenForm(forms.ModelForm):
    class Meta:
        model = Election
        fields = [
            "name",
            "year",
            "starts_on",
            "ends_on",
            "joint_review_deadline",
            "filing_deadline",
        ]
        widgets = dict.fromkeys(
            ("starts_on", "ends_on", "joint_review_deadline", "filing_deadline"), DATE
        )


class PlanForm(forms.ModelForm):
    class Meta:
        model = ElectionPlan
        fields = ["joint_review_deadline", "filing_deadline", *PLAN_TARGETS, "note"]
        widgets = {
            "joint_review_deadline": DATE,
            "filing_deadline": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class PlanVillagesForm(forms.Form):
    """Each of the township's villages: in the plan or not, and its election date."""

    def __init__(self, *args, villages, dates: dict[int, object], **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = list(villages)
        for village in self.villages:
            self.fields[f"in_{village.pk}"] = forms.BooleanField(
                label=village.name, required=False, initial=village.pk in dates
            )
            self.fields[f"on_{village.pk}"] = forms.DateField(
                label=_("Election date"),
                required=False,
                widget=DATE,
                initial=dates.get(village.pk),
            )

    def rows(self):
        return [(v, self[f"in_{v.pk}"], self[f"on_{v.pk}"]) for v in self.villages]

    def dates(self) -> dict:
        return {
            v.pk: self.cleaned_data[f"on_{v.pk}"]
            for v in self.villages
            if self.cleaned_data[f"in_{v.pk}"]
        }


class ResultsForm(forms.Form):
    """The village's approved candidates: elected or not, with the votes."""

    def __init__(self, *args, cases, results: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = list(cases)
        for case in self.cases:
            self.fields[f"elected_{case.pk}"] = forms.BooleanField(
                label=_("Elected"), required=False, initial=case.pk in results
            )
            self.fields[f"votes_{case.pk}"] = forms.IntegerField(
                label=_("Votes"), required=False, min_value=0, initial=results.get(case.pk)
            )

    def rows(self):
        return [(c, self[f"elected_{c.pk}"], self[f"votes_{c.pk}"]) for c in self.cases]

    def clean(self):
        data = super().clean()
        for case in self.cases:
            if data.get(f"elected_{case.pk}") and data.get(f"votes_{case.pk}") is None:
                self.add_error(f"votes_{case.pk}", _("Give the votes of an elected candidate."))
        return data

    def elected(self) -> dict[int, int]:
        return {
            c.pk: self.cleaned_data[f"votes_{c.pk}"]
            for c in self.cases
            if self.cleaned_data[f"elected_{c.pk}"]
        }


class FileForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE)


class ResultsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Results workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text=_("One row per post won: 村, 姓名, 身份证号, 当选职务, 得票数."),
    )
