"""What the access log page says about its entries, in words: the kind of object and the
object, whom it concerns, and the filter of a logged list, each parameter under its label.

An entry names its object by model label and pk (``cadres.Person`` 12). The page reads the
objects of a page of entries at once, one query for each kind of object, never one per
entry. Whom an object concerns is the app's to say: an app registers its logged models
(``access_log_model_register``, from its ``AppConfig.ready()``) with what to read along
(``related``), the person or relative concerned (``subject``, someone with a name and an
ID number) and the profile to link to (``profile``, a person's pk). A model not registered
is shown by its name and ``str()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

import django_filters
from django import forms
from django.apps import apps
from django.db import transaction
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from guardian.shortcuts import get_users_with_perms

from cadres.access_log import AccessLogBroken, access_log_check
from cadres.identity import mask_id_number
from cadres.jobs import JobError, job_start, job_ticker
from cadres.listing import FILTER_MARK, FILTERSET_MARK, SORT_MARK
from cadres.models import AccessLogEntry, Job, Person
from cadres.scoping import ACCESS_PERM, in_townships, scope


@dataclass(frozen=True)
class LoggedModel:
    related: Sequence[str] = ()  # select_related, so that the callables read nothing more
    subject: Callable[[Model], object | None] | None = None  # has name and id_number
    profile: Callable[[Model], int | None] | None = None  # the pk of the person's profile
    describe: Callable[[Model], str] = str


_MODELS: dict[str, LoggedModel] = {}


def access_log_model_register(label: str, **options) -> None:
    """Say how the page shows the objects of the model ``label`` ("app_label.Model")."""
    _MODELS[label] = LoggedModel(**options)


@dataclass
class Described:
    """An entry's object and whom it concerns, as the page and the export show them."""

    kind: str = ""
    text: str = ""
    subject_name: str = ""
    subject_id: str = ""  # masked
    profile_id: int | None = None  # only where the viewer may see the profile
    parameters: list[tuple[str, str]] | None = None
    note: str = ""  # the rest of the detail: file name, rows, reason


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        pass
    # Entries written before a model moved app (cadres → records) name its old label.
    name = label.rpartition(".")[2].lower()
    return next((m for m in apps.get_models() if m._meta.model_name == name), None)


def _objects(label: str, ids: set[str]) -> tuple[type[Model] | None, dict[str, Model]]:
    model = _model(label)
    if model is None:
        return None, {}
    keys = [i for i in ids if i.isascii() and i.isdigit() and len(i) <= 18]
    if not keys:
        return model, {}
    registered = _MODELS.get(model._meta.label, LoggedModel())
    rows = model._base_manager.select_related(*registered.related).in_bulk([int(k) for k in keys])
    return model, {str(pk): obj for pk, obj in rows.items()}


def entries_describe(entries: Sequence[AccessLogEntry], user=None, request=None) -> None:
    """Give each entry ``described`` (a ``Described``). With ``user``, profiles are linked
    where that user may see them; with ``request``, filters are labelled as its user sees
    them (the export leaves out the links)."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.object_type:
            by_type[entry.object_type].add(entry.object_id)
    found: dict[str, tuple[type[Model] | None, dict[str, Model]]] = {
        label: _objects(label, ids) for label, ids in by_type.items()
    }
    labeller = _FilterLabels(request)
    for entry in entries:
        entry.described = _describe(entry, found)
        note, filterset, query, sort = _split_detail(entry)
        entry.described.note = note
        if query is not None:
            entry.described.parameters = labeller.add(filterset, query, sort)
    labeller.resolve()
    if user is not None:
        _link_profiles(entries, user)


def _describe(entry: AccessLogEntry, found) -> Described:
    if not entry.object_type:
        return Described()
    model, objects = found[entry.object_type]
    if model is None:
        return Described(kind=entry.object_type, text=f"#{entry.object_id}")
    kind = str(model._meta.verbose_name)
    obj = objects.get(entry.object_id)
    if obj is None:
        return Described(kind=kind, text=_("#%(pk)s (deleted)") % {"pk": entry.object_id})
    registered = _MODELS.get(model._meta.label, LoggedModel())
    described = Described(kind=kind, text=registered.describe(obj))
    subject = registered.subject(obj) if registered.subject else None
    if subject is not None:
        described.subject_name = subject.name
        described.subject_id = mask_id_number(subject.id_number)
    if registered.profile is not None:
        described.profile_id = registered.profile(obj)
    return described


def _link_profiles(entries: Sequence[AccessLogEntry], user) -> None:
    wanted = {e.described.profile_id for e in entries if e.described.profile_id}
    visible = set(
        scope(Person.objects.filter(pk__in=wanted), user).values_list("pk", flat=True)
        if wanted
        else ()
    )
    for entry in entries:
        if entry.described.profile_id not in visible:
            entry.described.profile_id = None


def _split_detail(entry: AccessLogEntry) -> tuple[str, str, str | None, str]:
    """(the rest of the detail, the filterset's dotted path, the query or None, the sort in
    words or empty)."""
    detail = entry.detail
    head, mark, query = detail.rpartition(FILTER_MARK)
    if not mark:
        # Views of the hit list logged their query alone before it was marked.
        if entry.action == AccessLogEntry.Action.VIEW_HITS and "=" in detail:
            return "", "", detail, ""
        return detail, "", None, ""
    head = head.removesuffix(", ")
    rest, mark, sort = head.rpartition(SORT_MARK)
    if mark:
        head = rest.removesuffix(", ")
    else:
        sort = ""
    head, mark, filterset = head.rpartition(FILTERSET_MARK)
    if not mark:
        return filterset, "", query, sort
    return head.removesuffix(", "), filterset.removesuffix(", "), query, sort


# Parameters that no filterset declares: the list's own.
_PAGING = {"page", "format"}
_SUFFIXES = {
    "after": pgettext("date range", "from"),
    "before": pgettext("date range", "to"),
    "min": pgettext("number range", "from"),
    "max": pgettext("number range", "to"),
}


def _filtersets() -> dict[str, type[django_filters.FilterSet]]:
    """Every filterset class loaded, by dotted path: the views that use them are loaded with
    the URLs, so every list's is there when the page is served."""
    found, pending = {}, list(django_filters.FilterSet.__subclasses__())
    while pending:
        kind = pending.pop()
        found[f"{kind.__module__}.{kind.__qualname__}"] = kind
        pending.extend(kind.__subclasses__())
    return found


class _FilterLabels:
    """Labels each parameter of the queries of a page of entries by its filterset's form;
    the objects a parameter names (a township, a user) are read once for each filter."""

    def __init__(self, request):
        self.request = request
        self.classes = _filtersets() if request is not None else {}
        self.forms: dict[str, forms.Form | None] = {}
        self.pending: dict[tuple[str, str], list[tuple[list, int, str]]] = defaultdict(list)
        self.models: dict[tuple[str, str], type[Model]] = {}

    def _form(self, path: str) -> forms.Form | None:
        if path not in self.forms:
            kind = self.classes.get(path)
            form = None
            if kind is not None:
                model = kind._meta.model
                queryset = model._default_manager.none() if model is not None else None
                form = kind(QueryDict(), queryset=queryset, request=self.request).form
            self.forms[path] = form
        return self.forms[path]

    def _field(self, form, key: str) -> tuple[str, forms.Field | None]:
        """(label, field whose choices name the value) of ``key``."""
        if form is None:
            return key, None
        if key in form.fields:
            field = form.fields[key]
            return str(field.label or key), field
        # A range's two ends: date_after, date_before.
        base, _sep, suffix = key.rpartition("_")
        if base in form.fields and suffix in _SUFFIXES:
            return f"{form.fields[base].label or base}（{_SUFFIXES[suffix]}）", None
        return key, None

    def add(self, path: str, query: str, sort: str = "") -> list[tuple[str, str]]:
        """The parameters in words; ``sort``, the list's sort in words where the entry
        recorded it (a sort of the filterset's own is labelled by its choices)."""
        form = self._form(path) if path else None
        shown: list[tuple[str, str]] = []
        for key, value in parse_qsl(query, keep_blank_values=False):
            if key in _PAGING:
                continue
            if key == "sort" and (form is None or key not in form.fields):
                shown.append((_("Sorted by"), sort or value))
                continue
            label, field = self._field(form, key)
            if isinstance(field, forms.ModelChoiceField):
                self.pending[(path, key)].append((shown, len(shown), value))
                self.models[(path, key)] = field.queryset.model
            elif isinstance(field, forms.NullBooleanField):
                value = {"true": _("Yes"), "false": _("No")}.get(value.lower(), value)
            elif field is not None and hasattr(field, "choices"):
                value = str(dict(_flat_choices(field.choices)).get(value, value))
            shown.append((label, value))
        return shown

    def resolve(self) -> None:
        for group, places in self.pending.items():
            model = self.models[group]
            keys = {v for _l, _i, v in places if v.isascii() and v.isdigit() and len(v) <= 18}
            names = {
                str(pk): str(obj)
                for pk, obj in model._base_manager.in_bulk([int(k) for k in keys]).items()
            }
            for shown, index, value in places:
                label = shown[index][0]
                shown[index] = (label, names.get(value, value))


def _flat_choices(choices: Iterable) -> Iterable[tuple[str, str]]:
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat_choices(label)
        else:
            yield str(value), label


def entries_in_township(entries: QuerySet[AccessLogEntry], township) -> QuerySet:
    """The entries about the records of ``township`` (the objects whose models say how they
    reach a township) and those by the users who work in it."""
    users = get_users_with_perms(
        township, only_with_perms_in=[ACCESS_PERM.partition(".")[2]], with_group_users=True
    )
    about = Q(user__in=users.values("pk"))
    labels = entries.order_by().values_list("object_type", flat=True).distinct()
    for label in labels:
        model = _model(label) if label else None
        if model is None or not hasattr(model, "township_lookup"):
            continue
        keys = (
            in_townships(model._base_manager.all(), [township.pk])
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        about |= Q(object_type=label, object_id__in=keys)
    return entries.filter(about)


VERIFY_JOB = "access_log_verify"
VERIFY_PERM = "cadres.view_accesslogentry"


def access_log_verification_start(*, actor):
    """Verify the access log in the background (it reads every entry): the job of the one
    job model, or the one already queued or running, which will answer as well."""
    with transaction.atomic():
        running = (
            Job.objects.select_for_update()
            .filter(kind=VERIFY_JOB, state__in=[Job.State.QUEUED, Job.State.RUNNING])
            .first()
        )
        return running or job_start(kind=VERIFY_JOB, actor=actor)


def access_log_verify_job(job) -> None:
    """The job's handler: a broken log fails the job with the reason, as on the page."""
    try:
        access_log_check(actor=job.requested_by, tick=job_ticker(job))
    except AccessLogBroken as broken:
        raise JobError(broken.verification.reason) from None
