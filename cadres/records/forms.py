"""Forms of the management records; the services re-check everything that matters."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.dates import PartialDateField
from cadres.models import Post, Village
from cadres.records.models import (
    DutyRoster,
    DutyShift,
    GradingRule,
    PartyCandidate,
    PersonalReport,
)
from cadres.scoping import scope
from cadres.widgets import DATE, TIME

SCORE = {"min_value": 0, "max_value": 100, "max_digits": 5, "decimal_places": 1}


def this_year() -> int:
    return timezone.localdate().year


def year_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, initial=this_year, **kwargs
    )


class ScopedVillageField(forms.ModelChoiceField):
    def __init__(self, user, **kwargs):
        super().__init__(
            queryset=scope(Village.objects.current().select_related("township"), user),
            label=_("Village"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.township.name} {obj.name}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files in one field; their size and type are checked where they are stored
    (``cadres.documents.documents_store``)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(_("Attach at least one document."))
        return [super(DocumentsField, self).clean(item, initial) for item in files]


class SecretaryFilingForm(forms.Form):
    filing_number = forms.CharField(label=_("Filing number"), max_length=50)
    filed_on = forms.DateField(label=_("Filing date"), widget=DATE)
    documents = DocumentsField(
        label=_("Documents"), help_text=_("Appointment papers, filing form; 20 MB at most each.")
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"village": ScopedVillageField(user), **self.fields}

    def clean_filed_on(self):
        value = self.cleaned_data["filed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The filing date cannot be in the future."))
        return value


class DecisionForm(forms.Form):
    """Confirm or return, with a reason when returning."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("return", _("Return"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why it is returned."))
        return data


class SecretaryChangeForm(forms.Form):
    """The township's request to end a secretary's post; on a revision documents are optional."""

    ends_on = forms.DateField(label=_("Planned end date"), widget=DATE)
    end_reason = forms.ChoiceField(label=_("End reason"), choices=Post.EndReason.choices)
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the secretary leaves, and what the township party committee decided."),
    )
    successor = forms.CharField(
        label=_("Proposed successor"),
        max_length=100,
        required=False,
        help_text=_(
            "Optional. The successor is nominated as a candidate and vetted; the approval of "
            "that case is the district's approval of the new secretary."
        ),
    )
    documents = DocumentsField(
        label=_("Documents"),
        help_text=_("Township party committee minutes, resignation letter; 20 MB at most each."),
    )

    def __init__(self, *args, revision: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].required = not revision


class ApprovalForm(DecisionForm):
    """Approve, or return with a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Approve")), ("return", _("Return"))],
        widget=forms.RadioSelect,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), widget=forms.Textarea(attrs={"rows": 3})
    )


class PersonalReportForm(forms.Form):
    village = forms.ModelChoiceField(queryset=Village.objects.none(), label=_("Village"))
    year = year_field()
    kind = forms.ChoiceField(label=_("Kind"), choices=PersonalReport.Kind.choices)
    categories = forms.MultipleChoiceField(
        label=_("Matters reported"),
        choices=PersonalReport.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 6}))
    reported_on = forms.DateField(label=_("Reported on"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages

    def clean(self):
        data = super().clean()
        if data.get("kind") == PersonalReport.Kind.CHANGE and not data.get("categories"):
            self.add_error("categories", _("Choose what changed."))
        reported_on = data.get("reported_on")
        if reported_on and reported_on > timezone.localdate():
            self.add_error("reported_on", _("The report date cannot be in the future."))
        return data


class ReportReviseForm(forms.Form):
    categories = PersonalReportForm.base_fields["categories"]
    content = PersonalReportForm.base_fields["content"]


class LeaveForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The leave ends before it starts."))
        return data


class DutyRosterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=DutyRoster.Period.choices)
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"village": ScopedVillageField(user), **self.fields}

    def clean(self):
        data = super().clean()
        start = data.get("starts_on")
        if start and data.get("period") == DutyRoster.Period.WEEK:
            data["ends_on"] = start + dt.timedelta(days=6)
        elif start and data.get("period") == DutyRoster.Period.MONTH:
            if start.day != 1:
                self.add_error("starts_on", _("A monthly roster starts on the first of a month."))
            next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            data["ends_on"] = next_month - dt.timedelta(days=1)
        return data


class DutyShiftForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label=_("Cadre on duty"))
    date = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("From"), widget=TIME, initial=dt.time(8, 30))
    end_time = forms.TimeField(label=_("Until"), widget=TIME, initial=dt.time(17, 0))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            self.add_error("end_time", _("The duty ends before it starts."))
        return data


class ShiftOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("duty shift", "Outcome"),
        choices=[(DutyShift.Outcome.DONE, _("Done")), (DutyShift.Outcome.MISSED, _("Missed"))],
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PioneerProjectForm(forms.Form):
    year = year_field()
    title = forms.CharField(label=_("Project title"), max_length=200)
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 4}))
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: date and what is to be reached."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"village": ScopedVillageField(user), **self.fields}


class ProgressForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 4}))
    documents = DocumentsField(label=_("Attachments"), required=False)

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Progress cannot be dated in the future."))
        return value


class ProjectCompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE, initial=timezone.localdate)


class ProjectAssessForm(forms.Form):
    score = forms.DecimalField(label=_("Score"), **SCORE)
    assessment = forms.CharField(label=_("Assessment"), widget=forms.Textarea(attrs={"rows": 3}))


class EvaluationForm(forms.Form):
    year = year_field()
    performance = forms.DecimalField(label=_("Work results (0–100)"), **SCORE)
    discipline = forms.DecimalField(label=_("Discipline (0–100)"), **SCORE)
    reputation = forms.DecimalField(label=_("Public reputation (0–100)"), **SCORE)
    evaluator = forms.CharField(label=_("Evaluator"), max_length=100)
    evaluated_on = forms.DateField(
        label=_("Evaluation date"), widget=DATE, initial=timezone.localdate
    )
    comments = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        village = ScopedVillageField(user)
        if villages is not None:
            village.queryset = villages
        self.fields = {"village": village, **self.fields}


class GradingRuleForm(forms.ModelForm):
    class Meta:
        model = GradingRule
        fields = [
            "name",
            "weight_performance",
            "weight_discipline",
            "weight_reputation",
            "excellent_from",
            "competent_from",
            "basic_from",
            "discipline_veto_below",
        ]


class PartyCandidateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    birth_date = PartialDateField(
        label=_("Birth date"),
        required=False,
        help_text=_("Only needed without an ID number."),
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=PartyCandidate.Stage.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"village": ScopedVillageField(user), **self.fields}

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not data.get("birth_date"):
            self.add_error(
                "id_number", _("Give the ID number, or at least the birth date, to find relatives.")
            )
        return data


class CandidateStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=PartyCandidate.Stage.choices)


class RecusalForm(forms.Form):
    statement = forms.CharField(
        label=_("Recusal statement"), widget=forms.Textarea(attrs={"rows": 3})
    )
    recorded_on = forms.DateField(label=_("Recorded on"), widget=DATE, initial=timezone.localdate)
