"""Forms of the register's pages. They only validate; the services write."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from cadres.dates import PartialDateField, partial_date, partial_date_names
from cadres.identity import mask_id_number
from cadres.models import (
    TITLES_BY_BODY,
    EducationRecord,
    Person,
    Post,
    Relative,
    ResumeLine,
    RewardPunishment,
    StructureTargets,
    Village,
    VillagerGroup,
)
from cadres.scoping import query_number, scope
from cadres.widgets import DATE

PERSON_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "political_status",
    "party_joined_on",
    "education",
    "phone",
    "home_village",
    "native_place",
    "birthplace",
    "work_started_on",
    "health",
]
POST_FIELDS = ["village", "body", "title", "villager_group", "term_start", "term_end"]
RELATIVE_FIELDS = ["relation", "name", "id_number", "sex", "birth_date", "work_unit_and_post"]


class ModelKeysField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows, where a value that is no key (text, other scripts'
    digits, a number beyond any key column) is an invalid choice like any other: Django's
    own check lets a number too large for the column reach the query, a server error on
    SQLite (OverflowError) and on PostgreSQL (out of range)."""

    def _check_values(self, value):
        for key in value:
            if query_number(key) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)


def _model_fields(model, names) -> dict:
    fields = fields_for_model(model, fields=names)
    partial = partial_date_names(model)
    for name, field in fields.items():
        if name in partial:
            # 出生年月 1972.08 as the imports take it: a browser's date input wants a day.
            fields[name] = PartialDateField(label=field.label, required=field.required)
        elif isinstance(field, forms.DateField):
            field.widget = DATE
    return fields


def submit(form: forms.Form, call):
    """Run a service that returns the object it wrote, for a valid form, and return that
    object; None when the form is invalid or the service refused (its ValidationError then
    lands next to the fields it names). Not for services that return counts: 0 is falsy."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class PersonForm(forms.Form):
    """A person's own data. The ID number is never put back into the page in full."""

    initial_fields = [name for name in PERSON_FIELDS if name != "id_number"]

    def __init__(self, *args, user, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_person_fields(user, person)

    def add_person_fields(self, user, person: Person | None) -> None:
        self.fields.update(_model_fields(Person, PERSON_FIELDS))
        kept = person.home_village_id if person is not None else None
        self.fields["home_village"].queryset = scope(
            Village.objects.current_or(kept).select_related("township"), user
        )
        self.fields["id_number"].help_text = _(
            "18 characters; the birth date and sex are read from it."
        )
        self.fields["birth_date"].help_text = _("Only needed without an ID number.")
        if person is not None and person.id_number:
            self.fields["id_number"].help_text = _(
                "Now %(masked)s. Leave empty to keep it; type a new number to change it."
            ) % {"masked": mask_id_number(person.id_number)}
        if person is not None and person.education_records.exists():
            # cadres.person_details: the highest level follows the education rows.
            self.fields["education"].disabled = True
            self.fields["education"].help_text = _(
                "The highest level of the education rows on the profile; change those."
            )

    def person_values(self, person: Person | None = None) -> dict:
        return _identity_kept({n: self.cleaned_data[n] for n in PERSON_FIELDS}, person)


class PostForm(forms.Form):
    """Appointment to a post: village (of the user's townships), body, title, term."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_post_fields(user)

    def add_post_fields(self, user) -> None:
        self.fields.update(_model_fields(Post, POST_FIELDS))
        self.fields["village"].queryset = scope(
            Village.objects.current().select_related("township"), user
        )
        self.fields["villager_group"].queryset = scope(
            VillagerGroup.objects.select_related("village"), user
        )
        self.fields["villager_group"].help_text = _("Only for villager group leaders.")
        self.fields["term_end"].required = False
        self.fields["term_end"].help_text = _("Five years after the start if left empty.")
        self.fields["term_start"].initial = dt.date.today

    def clean(self):
        cleaned = super().clean()
        body, title = cleaned.get("body"), cleaned.get("title")
        if body and title and title not in TITLES_BY_BODY[body]:
            self.add_error("title", _("This title does not exist in this body."))
        return cleaned

    def post_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in POST_FIELDS}


class CadreCreateForm(PersonForm, PostForm):
    """A new cadre: the person and the first post on one page."""

    def __init__(self, *args, user, **kwargs):
        forms.Form.__init__(self, *args, **kwargs)
        self.add_person_fields(user, None)
        self.add_post_fields(user)
        self.fields["home_village"].help_text = _("Where the person lives, if known.")


class PostEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE, initial=dt.date.today)
    reason = forms.ChoiceField(label=_("Reason"), choices=Post.EndReason.choices)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("For example the document number of the decision."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Post.EndReason.OTHER and not cleaned.get("note"):
            self.add_error("note", _("Say why the post ends."))
        return cleaned


class RelativeForm(forms.Form):
    initial_fields = [name for name in RELATIVE_FIELDS if name != "id_number"]

    def __init__(self, *args, relative: Relative | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(Relative, RELATIVE_FIELDS))
        self.fields["id_number"].help_text = _("Optional.")
        if relative is not None and relative.id_number:
            self.fields["id_number"].help_text = _(
                "Now %(masked)s. Leave empty to keep it; type a new number to change it."
            ) % {"masked": mask_id_number(relative.id_number)}

    def relative_values(self, relative: Relative | None = None) -> dict:
        return _identity_kept({n: self.cleaned_data[n] for n in RELATIVE_FIELDS}, relative)


class DetailRowForm(forms.Form):
    """An education row, a 简历 line or a 奖惩 record (``model`` and its ``fields``)."""

    model: type
    fields_order: list[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(self.model, self.fields_order))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end.date < start.date:
            self.add_error("ended_on", _("The end cannot come before the start."))
        return cleaned

    def row_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields_order}


class EducationRecordForm(DetailRowForm):
    model = EducationRecord
    fields_order = ["kind", "level", "degree", "school", "major", "started_on", "ended_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["degree"].help_text = _("For example 学士 or 硕士; empty if none.")


class ResumeLineForm(DetailRowForm):
    model = ResumeLine
    fields_order = ["started_on", "ended_on", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].help_text = _("Leave empty for 至今 (to the present).")
        self.fields["text"].help_text = _("For example 东昌区金厂镇民主村党支部书记.")


class RewardPunishmentForm(DetailRowForm):
    model = RewardPunishment
    fields_order = ["kind", "decided_on", "description", "issued_by"]


def _identity_kept(values: dict, record) -> dict:
    """On edit an empty ID number keeps the stored one (the page never holds it in full)."""
    if record is not None and not values["id_number"]:
        del values["id_number"]
        if record.id_number:
            # The service reads the birth date from the kept number again.
            del values["birth_date"]
    elif record is not None and values["birth_date"] == partial_date(record, "birth_date"):
        # Untouched, so a new number's own birth date wins instead of clashing with it.
        del values["birth_date"]
    return values


# Strict control (从严掌控): the district's forms; the services check dates and permissions.


class StrictControlSetForm(forms.Form):
    since = forms.DateField(label=_("Under strict control since"), widget=DATE)
    review_on = forms.DateField(label=_("Strict control review date"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason for strict control"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for strict control.")},
    )


class StrictControlReviewForm(forms.Form):
    review_on = forms.DateField(label=_("Next review date"), widget=DATE)
    note = forms.CharField(
        label=_("What the review found"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what the review found.")},
    )


class StrictControlLiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for lifting strict control"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for lifting strict control.")},
    )


class StructureTargetsForm(forms.ModelForm):
    """The next version of the targets, filled with the one in force."""

    class Meta:
        model = StructureTargets
        fields = [*StructureTargets.TARGET_FIELDS, "note"]
        help_texts = {"note": _("Kept with the version, for who reads its history.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
