"""Forms of the candidate vetting pages; the services check everything again."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cadres.choices import Department
from cadres.dates import PartialDateField, partial_date
from cadres.models import Person, Relative, Village
from cadres.scoping import query_number, scope
from cadres.widgets import DATE
from vetting.models import CandidateCase, Checkpoint, DefaultDepartment, DepartmentOpinion
from vetting.selectors import open_elections
from vetting.services.candidates import IDENTITY_ARGS, PERSONAL_FIELDS

TEXT = forms.Textarea(attrs={"rows": 3})


class PersonPicker(forms.Widget):
    """A search box that asks the server (htmx) for people of the user's townships, shown
    as radio buttons named like the field; the person picked stays shown on a re-render."""

    def __init__(self, queryset, attrs=None):
        super().__init__(attrs)
        self.queryset = queryset

    def render(self, name, value, attrs=None, renderer=None):
        picked = None
        if (key := query_number(value)) is not None:
            picked = self.queryset.filter(pk=key).select_related("home_village").first()
        return render_to_string(
            "vetting/candidates/_person_picker.html",
            {
                "name": name,
                "input_id": (attrs or {}).get("id", f"id_{name}"),
                "people": [picked] if picked else [],
                "picked": picked.pk if picked else None,
                "search_url": reverse("vetting:case_person_search"),
            },
        )


class CaseForm(forms.ModelForm):
    """A nomination: the candidate (picked from the register or typed in), the post and the
    reason. A picked person's data come from the register: nothing is typed twice."""

    person = forms.ModelChoiceField(
        label=_("Person in the register"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_(
            "Search by name, pinyin initials or ID number. A person picked here brings "
            "their personal data from the register: leave the fields below empty."
        ),
        error_messages={
            "invalid_choice": _("This person is not in the register of your townships.")
        },
    )
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    # Not model fields of the form: a PartialDate is two columns, which the service writes.
    birth_date = PartialDateField(label=_("Birth date"), required=False)
    term_start = PartialDateField(label=capfirst(_("term start")))
    term_end = PartialDateField(label=capfirst(_("term end")), required=False)

    class Meta:
        model = CandidateCase
        fields = [
            "person",
            "name",
            "id_number",
            "sex",
            "ethnicity",
            "political_status",
            "education",
            "phone",
            "village",
            "body",
            "title",
            "villager_group",
            "reason",
            "election",
        ]
        widgets = {"reason": TEXT}

    field_order = [
        *("person", "name", "id_number", "birth_date", "sex", "ethnicity", "political_status"),
        *("education", "phone", "election", "village", "body", "title", "villager_group"),
        *("term_start", "term_end", "reason"),
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("birth_date", "term_start", "term_end"):
                self.initial.setdefault(name, partial_date(self.instance, name))
        people = scope(Person.objects.all(), user)
        self.fields["person"].queryset = people
        self.fields["person"].widget = PersonPicker(queryset=people)
        self.fields["name"].required = False
        if self.instance.pk:
            # The candidate is chosen when nominating; a linked person's data stay the register's.
            del self.fields["person"]
            if self.instance.person_id:
                for key in (*IDENTITY_ARGS, *PERSONAL_FIELDS):
                    del self.fields[key]
        self.fields["village"].queryset = scope(
            Village.objects.current_or(self.instance.village_id).select_related("township"), user
        ).order_by("code")
        self.fields["villager_group"].queryset = self.fields["villager_group"].queryset.filter(
            village__in=self.fields["village"].queryset
        )
        self.fields["election"].queryset = open_elections(user)
        self.fields["election"].help_text = _(
            "Only for a candidate of a general election (换届): once approved, the post starts "
            "when the district confirms the village's results."
        )
        if self.instance.pk and "id_number" in self.fields:
            # Never put the full ID number back into the page.
            self.initial["id_number"] = ""
            self.fields["id_number"].help_text = _("Leave empty to keep the number on file.")

    def clean(self):
        cleaned = super().clean()
        if "name" in self.fields and not cleaned.get("person") and not cleaned.get("name"):
            self.add_error("name", _("Give the name, or pick the person from the register."))
        return cleaned

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        if values.get("person"):
            # The register's data stand; the service copies them.
            for key in (*IDENTITY_ARGS, *PERSONAL_FIELDS):
                values.pop(key, None)
        else:
            values.pop("person", None)
        if self.instance.pk and not values.get("id_number"):
            values.pop("id_number", None)
        return values


class SupplementaryForm(forms.Form):
    """A 补审: the post and its holder come from the register; only the reason is asked."""

    reason = forms.CharField(
        label=_("Reason for the supplementary review"),
        widget=TEXT,
        error_messages={"required": _("Give the reason for the supplementary review.")},
    )


class RelativeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relative.Relation.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    birth_date = PartialDateField(label=_("Birth date"), required=False)
    work_unit_and_post = forms.CharField(
        label=_("Work unit and post"), max_length=200, required=False
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"))


class BatchUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Nomination workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text=_(
            "One row per candidate (村, 姓名, 身份证号, 拟任职务, 任职时间, 推荐理由; "
            "村民小组 for a group leader); family members on a sheet named 家庭成员, "
            "by the candidate's ID number."
        ),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("What must be revised"),
        widget=TEXT,
        error_messages={"required": _("Say what must be revised.")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        widget=TEXT,
        error_messages={"required": _("Give the reason for the rejection.")},
    )


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)
    override_reason = forms.CharField(
        label=_("Reason for overriding a disagreement"), widget=TEXT, required=False
    )
    strict_control_justification = forms.CharField(
        label=_("Justification of strict control (a relative on a gang list)"),
        widget=TEXT,
        required=False,
    )


class CheckpointsForm(forms.Form):
    """The five checkpoints (五关): a verdict and a note each."""

    def __init__(self, *args, initial_rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        recorded = {row.kind: row for row in initial_rows}
        for kind, label in Checkpoint.Kind.choices:
            row = recorded.get(kind)
            self.fields[f"{kind}_verdict"] = forms.ChoiceField(
                label=label,
                choices=Checkpoint.Verdict.choices,
                initial=row.verdict if row else Checkpoint.Verdict.PASS,
            )
            self.fields[f"{kind}_note"] = forms.CharField(
                label=_("Note"), required=False, initial=row.note if row else ""
            )

    def verdicts(self) -> dict[str, tuple[str, str]]:
        return {
            kind: (self.cleaned_data[f"{kind}_verdict"], self.cleaned_data[f"{kind}_note"])
            for kind in Checkpoint.Kind.values
        }


class JointReviewForm(forms.Form):
    departments = forms.MultipleChoiceField(
        label=_("Departments asked for an opinion"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one department.")},
    )
    due_on = forms.DateField(
        label=_("Opinions due on"),
        widget=DATE,
        required=False,
        help_text=_("By default 5 working days from today."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].initial = list(
            DefaultDepartment.objects.values_list("department", flat=True)
        )
        self.fields["due_on"].initial = DepartmentOpinion.default_due(timezone.localdate())

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on is not None and due_on < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return due_on


class _PendingDepartmentForm(forms.Form):
    """A form about one of the case's departments that have not answered yet."""

    department = forms.ChoiceField(label=_("Department"))

    def __init__(self, *args, case: CandidateCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            (o.department, o.get_department_display())
            for o in case.opinions.all()
            if o.verdict == DepartmentOpinion.Verdict.PENDING
        ]


class ReplyForm(_PendingDepartmentForm):
    """A department's paper reply (回函), recorded by the district with the letter."""

    verdict = forms.ChoiceField(
        label=_("Opinion"),
        choices=[
            (DepartmentOpinion.Verdict.AGREE, DepartmentOpinion.Verdict.AGREE.label),
            (DepartmentOpinion.Verdict.DISAGREE, DepartmentOpinion.Verdict.DISAGREE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)
    reply_on = forms.DateField(label=_("Date of the reply letter"), widget=DATE)
    file = forms.FileField(
        label=_("Reply letter"), error_messages={"required": _("Attach the reply letter.")}
    )


class WithdrawForm(_PendingDepartmentForm):
    reason = forms.CharField(
        label=_("Reason for withdrawing the department"),
        widget=TEXT,
        error_messages={"required": _("Give the reason for withdrawing the department.")},
    )


class OpinionForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Opinion"),
        choices=[
            (DepartmentOpinion.Verdict.AGREE, DepartmentOpinion.Verdict.AGREE.label),
            (DepartmentOpinion.Verdict.DISAGREE, DepartmentOpinion.Verdict.DISAGREE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)


class LedgerForm(forms.Form):
    date_from = forms.DateField(label=_("Period from"), widget=DATE)
    date_to = forms.DateField(label=_("Period to"), widget=DATE)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("date_from")
            and cleaned.get("date_to")
            and cleaned["date_to"] < cleaned["date_from"]
        ):
            self.add_error("date_to", _("The end of the period comes before its start."))
        return cleaned
