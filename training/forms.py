"""Forms of the training pages. They only validate; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cadres.forms import ModelKeysField
from cadres.identity import mask_id_number
from cadres.models import Post, Village
from cadres.scoping import scope, user_townships
from cadres.search import SearchField
from cadres.widgets import DATE, DATETIME
from training.models import Attendance, DailyStudy, Round, Session
from training.selectors import rounds_for


def _organizer_field(form: forms.ModelForm, user) -> None:
    field = form.fields["organizer"]
    field.queryset = user_townships(user)
    if user.has_perm("training.organize_district"):
        field.required = False
        field.empty_label = _("District (organization department)")
    else:
        field.required = True
        field.empty_label = None
        field.help_text = ""


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "title",
            "kind",
            "organizer",
            "round",
            "lecturer",
            "place",
            "starts_at",
            "ends_at",
            "hours",
            "topics",
            "reach",
            "townships",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "topics": forms.Textarea(attrs={"rows": 3}),
            "townships": forms.CheckboxSelectMultiple,
        }
        field_classes = {"townships": ModelKeysField}
        help_texts = {
            "townships": _("Only for a district session given to selected townships."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The organizer decides who manages the session: it never changes.
            del self.fields["organizer"]
        else:
            _organizer_field(self, user)
        self.fields["round"].queryset = rounds_for(user)
        self.fields["townships"].required = False

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The end is before the start."))
        return cleaned


class RoundForm(forms.ModelForm):
    target_bodies = forms.MultipleChoiceField(
        label=_("target bodies"),
        choices=Post.Body.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every body."),
    )
    target_titles = forms.MultipleChoiceField(
        label=_("target titles"),
        choices=Post.Title.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every title."),
    )

    class Meta:
        model = Round
        fields = [
            "title",
            "organizer",
            "year",
            "target_townships",
            "target_bodies",
            "target_titles",
            "description",
        ]
        widgets = {
            "target_townships": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"target_townships": ModelKeysField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["organizer"]
        else:
            _organizer_field(self, user)


class RosterFilterForm(forms.Form):
    """Invite by filters: every serving cadre matching all of those chosen."""

    townships = ModelKeysField(
        label=_("Townships"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    villages = ModelKeysField(label=_("Villages"), queryset=None, required=False)
    bodies = forms.MultipleChoiceField(
        label=_("Bodies"),
        choices=Post.Body.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    titles = forms.MultipleChoiceField(
        label=_("Titles"),
        choices=Post.Title.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["townships"].queryset = user_townships(user)
        self.fields["villages"].queryset = scope(
            Village.objects.current().select_related("township"), user
        )


class RosterSearchForm(forms.Form):
    find = SearchField(
        label=_("Find a cadre"),
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, pinyin initials or ID number")}
        ),
    )


class AttendanceForm(forms.Form):
    """One radio group per roster row, posted in one go.

    ``others`` saves clicking 300 radios: mark the few absent or excused, and
    every row left "not yet marked" takes the status chosen there.
    """

    others = forms.ChoiceField(
        label=_("Everyone left not yet marked"),
        required=False,
        choices=[
            ("", _("stays not yet marked")),
            (Attendance.Status.PRESENT, _("is present")),
            (Attendance.Status.ABSENT, _("is absent")),
        ],
    )

    def __init__(self, *args, rows: list[Attendance], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"a{row.pk}"] = forms.ChoiceField(
                choices=Attendance.Status.choices,
                initial=row.status,
                widget=forms.RadioSelect,
                label=row.person.name,
            )

    def statuses(self) -> dict[int, str]:
        others = self.cleaned_data.get("others")
        statuses = {row.pk: self.cleaned_data[f"a{row.pk}"] for row in self.rows}
        if others:
            for pk, status in statuses.items():
                if status == Attendance.Status.INVITED:
                    statuses[pk] = others
        return statuses

    def pairs(self):
        return [(row, self[f"a{row.pk}"]) for row in self.rows]


class DailyStudyForm(forms.ModelForm):
    person = forms.ModelChoiceField(label=_("Cadre"), queryset=None)

    class Meta:
        model = DailyStudy
        fields = ["person", "topic", "studied_on", "hours"]
        widgets = {"studied_on": DATE}

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        # Names repeat: the masked ID number tells namesakes apart.
        self.fields["person"].label_from_instance = lambda p: (
            f"{p.name}（{mask_id_number(p.id_number)}）"
        )


class SigninUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Sign-in sheet (xlsx)"),
        help_text=_(
            "Columns: name, ID number, village. Rows are matched by ID number, "
            "or else by name and village."
        ),
    )


IGNORE = "ignore"


class SigninResolveForm(forms.Form):
    """One choice per unmatched row of a sign-in sheet: a person, or ignore the row."""

    def __init__(self, *args, unmatched, roster_posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.unmatched = unmatched
        roster = [(str(p.person_id), _post_label(p)) for p in roster_posts]
        for line in unmatched:
            namesakes = [(str(p.person_id), _post_label(p)) for p in line.candidates]
            choices = [("", _("— choose —")), (IGNORE, _("Ignore this row"))]
            if namesakes:
                choices.append((_("Cadres of this name"), namesakes))
            if roster:
                choices.append((_("Invited, not on the sheet"), roster))
            self.fields[f"row-{line.row}"] = forms.ChoiceField(
                label=_("Row %(row)d") % {"row": line.row}, choices=choices
            )

    def resolutions(self) -> dict[int, int | None]:
        return {
            line.row: (
                None
                if self.cleaned_data[f"row-{line.row}"] == IGNORE
                else int(self.cleaned_data[f"row-{line.row}"])
            )
            for line in self.unmatched
        }

    def pairs(self):
        return [(line, self[f"row-{line.row}"]) for line in self.unmatched]


def _post_label(post) -> str:
    return (
        f"{post.person.name}（{mask_id_number(post.person.id_number)}，"
        f"{post.village.township.name}{post.village.name}）"
    )
