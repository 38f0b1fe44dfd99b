"""Forms of the supervision pages. Choices are limited to what the user may see;
the services check again and raise field errors that the views put next to the field."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.choices import Department
from cadres.forms import ModelKeysField
from cadres.models import Person, Post, Village
from cadres.scoping import scope
from cadres.widgets import DATE
from supervision import selectors
from supervision.models import (
    Audit,
    Disclosure,
    DisclosureSchedule,
    Handover,
    HandoverLine,
    MisconductCase,
    SupervisionRecord,
)


def _people(user):
    if selectors.is_agriculture_bureau(user):
        return Person.objects.filter(posts__isnull=False).distinct()
    return scope(Person.objects.all(), user)


class RecordForm(forms.ModelForm):
    class Meta:
        model = SupervisionRecord
        fields = [
            "tier",
            "date",
            "village",
            "kind",
            "cadres",
            "findings",
            "rectification",
            "rectification_deadline",
        ]
        widgets = {"date": DATE, "rectification_deadline": DATE}
        field_classes = {"cadres": ModelKeysField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["tier"], self.fields["village"]
        else:
            self.fields["village"].queryset = selectors.record_villages(user)
            if not user.has_perm("supervision.add_supervisionrecord"):
                agriculture = SupervisionRecord.Tier.AGRICULTURE_BUREAU
                self.fields["tier"].choices = [(agriculture.value, agriculture.label)]
        self.fields["cadres"].queryset = _people(user)
        self.fields["cadres"].help_text = _(
            "Only people who hold or held a post in the village, or live there."
        )


class RectifyForm(forms.Form):
    rectified_on = forms.DateField(label=_("Rectified on"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AuditCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Audit.Kind.choices)
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        help_text=_("For financial expenditure audits."),
    )
    period_start = forms.DateField(label=_("Period start"), widget=DATE, required=False)
    period_end = forms.DateField(label=_("Period end"), widget=DATE, required=False)
    post = forms.ModelChoiceField(
        label=_("Post"),
        queryset=Post.objects.none(),
        required=False,
        help_text=_("For term-end and departure audits."),
    )
    auditor = forms.CharField(label=_("Auditor"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = scope(
            Village.objects.current().select_related("township"), user
        )
        self.fields["post"].queryset = scope(
            Post.objects.filter(body__in=selectors.AUDITED_BODIES), user
        ).select_related("person", "village")
        self.fields["post"].label_from_instance = lambda post: (
            f"{post.person.name} · {post}（{post.term_start:%Y.%m}—"
            f"{(post.ended_on or post.term_end):%Y.%m}）"
        )


class AuditForm(forms.ModelForm):
    class Meta:
        model = Audit
        fields = [
            "status",
            "auditor",
            "findings",
            "amount_questioned",
            "conclusion",
            "completed_on",
        ]
        widgets = {"completed_on": DATE}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"))


class DisclosureForm(forms.ModelForm):
    period_day = forms.DateField(
        label=_("Period"),
        widget=DATE,
        help_text=_("Any day of the month or quarter the disclosure is for."),
    )
    # Checked by content (Pillow), not by name; the service checks again.
    photo = forms.ImageField(label=_("Photo"), required=False)

    class Meta:
        model = Disclosure
        fields = ["village", "kind", "period_day", "content", "published_on", "channel", "photo"]
        widgets = {"published_on": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = scope(
            Village.objects.current_or(self.instance.village_id).select_related("township"), user
        )

    def _post_clean(self):
        # period_start is computed by the service from period_day and the schedule.
        pass


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = DisclosureSchedule
        fields = ["period", "grace_days"]


class CaseForm(forms.ModelForm):
    class Meta:
        model = MisconductCase
        fields = [
            "person",
            "village",
            "occurred_on",
            "category",
            "facts",
            "source",
            "source_record",
            "source_audit",
            "source_reference",
        ]
        widgets = {"occurred_on": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = scope(Person.objects.all(), user)
        self.fields["village"].queryset = scope(
            Village.objects.current_or(self.instance.village_id).select_related("township"), user
        )
        self.fields["source_record"].queryset = scope(
            SupervisionRecord.objects.select_related("village"), user
        )
        self.fields["source_audit"].queryset = scope(
            Audit.objects.select_related("village", "post__person", "post__village"), user
        )


class CaseEditForm(forms.ModelForm):
    class Meta:
        model = MisconductCase
        fields = ["occurred_on", "category", "facts"]
        widgets = {"occurred_on": DATE}


class DisposeForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Disposition"), choices=MisconductCase.Disposition.choices
    )
    disposed_on = forms.DateField(label=_("Disposed on"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReferForm(forms.Form):
    body = forms.ChoiceField(
        label=_("Referred to"), choices=[("", "---------"), *Department.choices], required=False
    )
    body_other = forms.CharField(
        label=_("Other body"),
        max_length=100,
        required=False,
        help_text=_("When the receiving body is not in the list."),
    )
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome_on = forms.DateField(label=_("Outcome received on"), widget=DATE)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


# Handovers -------------------------------------------------------------------------------------


def _post_label(post: Post) -> str:
    ended = f"{post.ended_on:%Y-%m-%d}" if post.ended_on else ""
    return f"{post.person.name} · {post}（{post.get_end_reason_display()} {ended}）".replace(
        "（ ）", ""
    )


class HandoverOpenForm(forms.Form):
    post = forms.ModelChoiceField(
        label=_("Outgoing post"),
        queryset=Post.objects.none(),
        help_text=_("Posts of your townships that ended and have no handover yet."),
    )
    due_on = forms.DateField(label=pgettext_lazy("handover", "Due by"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = selectors.handover_posts(user)
        self.fields["post"].label_from_instance = _post_label


class HandoverForm(forms.ModelForm):
    class Meta:
        model = Handover
        fields = ["due_on", "incoming_post", "incoming_person"]
        widgets = {"due_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        handover = self.instance
        outgoing = handover.outgoing_post
        self.fields["incoming_post"].queryset = (
            Post.objects.filter(village=handover.village, term_start__gte=outgoing.ended_on)
            .exclude(person_id=outgoing.person_id)
            .select_related("person")
            .order_by("body", "title", "term_start", "pk")
        )
        self.fields["incoming_post"].label_from_instance = lambda post: (
            f"{post.person.name} · {post.get_body_display()}{post.get_title_display()}"
            f"（{post.term_start:%Y-%m-%d}）"
        )
        self.fields["incoming_post"].help_text = _(
            "Posts of the village that began on or after the day the outgoing post ended; "
            "its holder is the incoming holder."
        )
        self.fields["incoming_person"].queryset = (
            selectors.village_cadres(handover.village)
            .exclude(pk=outgoing.person_id)
            .order_by("name_key__pinyin_order", "pk")
        )
        self.fields["incoming_person"].help_text = _(
            "Or the person alone, while their post is not in the register yet. Leave both empty "
            "to take the register's successor."
        )


class HandoverLineForm(forms.ModelForm):
    document = forms.FileField(label=_("Document"), required=False)

    class Meta:
        model = HandoverLine
        fields = ["kind", "description", "quantity", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
