"""The pages of village mergers, splits and renames (cadres.place_events): the list of
events, recording one (with a preview of what moves, and a choice per serving post), and
an event's page. The system administrator's only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter, FilterSet, ModelChoiceFilter

from cadres.documents import document_response
from cadres.forms import ModelKeysField, add_service_errors
from cadres.listing import Col, ListSpec, list_response
from cadres.models import (
    PlaceEvent,
    PlaceEventDocument,
    PlaceEventVillage,
    Post,
    Township,
    Village,
)
from cadres.place_events import (
    EVENT_PERM,
    POSTS,
    event_moved_rows,
    event_preview,
    village_rename,
    village_split,
    villages_merge,
)
from cadres.widgets import DATE, QuickSelect

VIEW_PERM = "cadres.view_placeevent"
END = "end"


# 1. The list ---------------------------------------------------------------------------------


class PlaceEventFilter(FilterSet):
    kind = ChoiceFilter(label=gettext_lazy("Kind of event"), choices=PlaceEvent.Kind.choices)
    township = ModelChoiceFilter(
        label=gettext_lazy("Township"),
        queryset=Township.objects.all(),
        method="in_township",
        widget=QuickSelect,
    )

    class Meta:
        model = PlaceEvent
        fields = ["kind", "township"]

    def in_township(self, queryset, name, value):
        return queryset.filter(places__village__township=value).distinct()


def _names(event: PlaceEvent, side: str) -> str:
    return "、".join(place.name for place in event.places.all() if place.side == side)


def _spec() -> ListSpec:
    return ListSpec(
        title=_("Village mergers, splits and renames"),
        columns=[
            Col(
                _("Effective date"),
                lambda e: e.effective_on,
                key="effective_on",
                sort=["effective_on", "pk"],
            ),
            Col(_("Kind of event"), lambda e: e.get_kind_display(), key="kind", sort=["kind"]),
            Col(_("Villages before"), lambda e: _names(e, "before"), width=24),
            Col(_("Villages after"), lambda e: _names(e, "after"), width=24),
            Col(_("Document number"), lambda e: e.document_number, width=20),
            Col(_("Recorded by"), lambda e: e.recorded_by.name or e.recorded_by.username),
        ],
        default_sort="-effective_on",
        filename="village-changes-{date}.xlsx",
        template="cadres/place_events/list.html",
    )


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def place_event_list(request):
    queryset = PlaceEvent.objects.select_related("recorded_by").prefetch_related(
        Prefetch("places", PlaceEventVillage.objects.order_by("pk"))
    )
    filterset = PlaceEventFilter(request.GET, queryset=queryset, request=request)
    return list_response(
        request, spec=_spec(), filterset=filterset, extra={"kinds": PlaceEvent.Kind.choices}
    )


# 2. Recording ---------------------------------------------------------------------------------


class OpenVillageField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.township.name} {obj.name}（{obj.code}）"


class OpenVillagesField(ModelKeysField):
    def label_from_instance(self, obj):
        return f"{obj.township.name} {obj.name}（{obj.code}）"


def _open_villages():
    # Ended villages are history: nothing new happens to them.
    return Village.objects.current().select_related("township").order_by("code")


class EventForm(forms.Form):
    effective_on = forms.DateField(
        label=gettext_lazy("Effective date"),
        widget=DATE,
        help_text=gettext_lazy("The first day of the new arrangement; today or earlier."),
    )
    document_number = forms.CharField(label=gettext_lazy("Document number"), max_length=100)
    document_title = forms.CharField(
        label=gettext_lazy("Document title"), max_length=200, required=False
    )
    document = forms.FileField(
        label=gettext_lazy("Scan of the document"),
        required=False,
        help_text=gettext_lazy("Attach it when you confirm: a preview does not keep files."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def event_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "effective_on": data["effective_on"],
            "document_number": data["document_number"],
            "document_title": data["document_title"],
            "note": data["note"],
            "document": data["document"],
        }


class RenameForm(EventForm):
    village = OpenVillageField(label=gettext_lazy("Village"), queryset=Village.objects.none())
    name = forms.CharField(label=gettext_lazy("New name"), max_length=50)
    field_order = ["village", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = _open_villages()


def _new_village_lines(text: str, township: Township | None) -> list[dict]:
    """One new village a line: its 12-digit code, a space, its name."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            raise ValidationError(
                _("Line %(line)d: write the code, a space and the name.") % {"line": number}
            )
        rows.append({"township": township, "code": parts[0], "name": parts[1].strip()})
    return rows


class MergerForm(EventForm):
    sources = OpenVillagesField(
        label=gettext_lazy("Villages that merge"),
        queryset=Village.objects.none(),
        help_text=gettext_lazy("They end on the day before the effective date."),
    )
    target = OpenVillageField(
        label=gettext_lazy("They merge into"),
        queryset=Village.objects.none(),
        required=False,
        help_text=gettext_lazy("An existing village; or leave empty and give the new one below."),
    )
    new_township = forms.ModelChoiceField(
        label=gettext_lazy("Township of the new village"),
        queryset=Township.objects.all(),
        required=False,
    )
    new_code = forms.CharField(
        label=gettext_lazy("Code of the new village"), max_length=12, required=False
    )
    new_name = forms.CharField(
        label=gettext_lazy("Name of the new village"), max_length=50, required=False
    )
    field_order = ["sources", "target", "new_township", "new_code", "new_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = _open_villages()
        self.fields["target"].queryset = _open_villages()

    def clean(self):
        data = super().clean()
        new = any(data.get(name) for name in ("new_township", "new_code", "new_name"))
        if bool(data.get("target")) == new:
            raise ValidationError(
                _("Choose the village they merge into, or give the new village, not both.")
            )
        if new and not all(data.get(name) for name in ("new_township", "new_code", "new_name")):
            raise ValidationError(_("Give the new village's township, code and name."))
        return data

    def sources_list(self) -> list[Village]:
        return list(self.cleaned_data["sources"])

    def following(self) -> list[str]:
        data = self.cleaned_data
        return [data["target"].name if data["target"] else data["new_name"]]

    def record(self, actor, post_targets, record_targets):
        data = self.cleaned_data
        new = None
        if not data["target"]:
            new = {"township": data["new_township"], "code": data["new_code"],
                   "name": data["new_name"]}  # fmt: skip
        return villages_merge(
            actor=actor,
            sources=self.sources_list(),
            target=data["target"],
            new_village=new,
            post_targets=post_targets,
            **self.event_fields(),
        )


class SplitForm(EventForm):
    source = OpenVillageField(
        label=gettext_lazy("Village that splits"),
        queryset=Village.objects.none(),
        help_text=gettext_lazy("It ends on the day before the effective date."),
    )
    targets = OpenVillagesField(
        label=gettext_lazy("Existing villages it goes to"),
        queryset=Village.objects.none(),
        required=False,
    )
    new_villages = forms.CharField(
        label=gettext_lazy("New villages it becomes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One a line: the 12-digit code, a space, the name. They belong to the township of "
            "the village that splits."
        ),
    )
    field_order = ["source", "targets", "new_villages"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = _open_villages()
        self.fields["targets"].queryset = _open_villages()

    def clean(self):
        data = super().clean()
        if data.get("source"):
            try:
                data["new_list"] = _new_village_lines(
                    data.get("new_villages", ""), data["source"].township
                )
            except ValidationError as error:
                self.add_error("new_villages", error)
        return data

    def sources_list(self) -> list[Village]:
        return [self.cleaned_data["source"]]

    def following(self) -> list[str]:
        data = self.cleaned_data
        return [v.name for v in data["targets"]] + [row["name"] for row in data["new_list"]]

    def record(self, actor, post_targets, record_targets):
        data = self.cleaned_data
        return village_split(
            actor=actor,
            source=data["source"],
            targets=list(data["targets"]),
            new_villages=data["new_list"],
            post_targets=post_targets,
            record_targets=record_targets,
            **self.event_fields(),
        )


FORMS = {
    PlaceEvent.Kind.RENAME: RenameForm,
    PlaceEvent.Kind.MERGER: MergerForm,
    PlaceEvent.Kind.SPLIT: SplitForm,
}


def _choice(value: str | None, count: int) -> int | None:
    """A choice of the preview's selects: the index of a village that follows, or None
    (the post ends with the change); anything else is the first village."""
    if value == END:
        return None
    try:
        index = int(value or 0)
    except ValueError:
        return 0
    return index if 0 <= index < count else 0


@login_required
@permission_required(EVENT_PERM, raise_exception=True)
def place_event_create(request):
    kind = request.GET.get("kind", PlaceEvent.Kind.MERGER)
    if kind not in FORMS:
        kind = PlaceEvent.Kind.MERGER
    form_class = FORMS[kind]
    form = form_class(request.POST or None, request.FILES or None)
    preview = None
    choices: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        if kind == PlaceEvent.Kind.RENAME:
            try:
                event = village_rename(
                    actor=request.user,
                    village=form.cleaned_data["village"],
                    name=form.cleaned_data["name"],
                    **form.event_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The rename is recorded."))
                return redirect("cadres:place_event_detail", event.pk)
        else:
            following = form.following()
            choices = [(str(i), name) for i, name in enumerate(following)]
            preview = event_preview(
                sources=form.sources_list(), day=form.cleaned_data["effective_on"]
            )
            for post in preview.posts:
                post.choice = request.POST.get(f"post_{post.pk}", "0")
            kinds = [(k, label, n, request.POST.get(f"kind_{k}", "0"))
                     for k, label, n in preview.counts if k != POSTS]  # fmt: skip
            preview.kinds = kinds
            if "confirm" in request.POST:
                post_targets = {
                    post.pk: _choice(post.choice, len(following)) for post in preview.posts
                }
                record_targets = {
                    k: _choice(choice, len(following)) or 0 for k, _l, _n, choice in kinds
                }
                try:
                    event = form.record(request.user, post_targets, record_targets)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("The change is recorded."))
                    return redirect("cadres:place_event_detail", event.pk)
    return render(
        request,
        "cadres/place_events/form.html",
        {
            "form": form,
            "kind": kind,
            "kinds": PlaceEvent.Kind.choices,
            "preview": preview,
            "choices": choices,
            "split": kind == PlaceEvent.Kind.SPLIT,
            "end": END,
            "group_body": Post.Body.VILLAGER_GROUP,
        },
    )


# 3. An event ----------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def place_event_detail(request, pk: int):
    event = get_object_or_404(
        PlaceEvent.objects.select_related("recorded_by").prefetch_related(
            Prefetch("places", PlaceEventVillage.objects.select_related("village__township"))
        ),
        pk=pk,
    )
    document = PlaceEventDocument.objects.filter(event=event).first()
    return render(
        request,
        "cadres/place_events/detail.html",
        {
            "event": event,
            "before": [p for p in event.places.all() if p.side == "before"],
            "after": [p for p in event.places.all() if p.side == "after"],
            "moved": event_moved_rows(event),
            "document": document,
        },
    )


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def place_event_document(request, pk: int):
    return document_response(request, get_object_or_404(PlaceEventDocument, event_id=pk))
