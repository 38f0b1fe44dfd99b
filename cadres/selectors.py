"""Reads of the register for its pages: scoped, with a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from cadres.identity import mask_id_number
from cadres.models import (
    EducationRecord,
    ImportFile,
    Person,
    PersonPhoto,
    Post,
    Relative,
    ResumeLine,
    RewardPunishment,
    Village,
    VillagerGroup,
)
from cadres.scoping import scope


def import_files(user) -> QuerySet[ImportFile]:
    """The uploaded workbooks the user may see: their townships' and their own.

    An upload of a user with several townships belongs to no township (it is kept by
    its uploader), so scoping alone would hide it from the one who uploaded it.
    """
    return ImportFile.objects.filter(
        Q(pk__in=scope(ImportFile.objects.all(), user).values("pk")) | Q(uploaded_by=user)
    ).select_related("uploaded_by")


def import_file_earlier(
    user, *, kind: str, sha256: str, before: dt.datetime | None = None
) -> ImportFile | None:
    """The latest upload of the same kind and content (before ``before``) that the user may see.

    Scoped: the uploader and time of another township's upload are not the user's to know.
    """
    files = import_files(user).filter(kind=kind, sha256=sha256)
    if before is not None:
        files = files.filter(created_at__lt=before)
    return files.order_by("-created_at", "-pk").first()


def serving_posts() -> QuerySet[Post]:
    return Post.objects.serving().select_related("village__township", "villager_group")


def person_list(user) -> QuerySet[Person]:
    """The people of the user's townships, each with ``current_posts`` (serving posts)."""
    return (
        scope(Person.objects.all(), user)
        # warning_light: the light the district layer keeps for each serving cadre.
        .select_related("home_village__township", "warning_light")
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=serving_posts().order_by("village__code", "body"),
                to_attr="current_posts",
            )
        )
    )


class KeyedPeople:
    """People sorted by a key from their serving posts, as the paginator reads them.

    The key is the least of a post field over the person's serving posts (the first
    village's code, the nearest term end); people without a serving post come last, and
    ties go by pk in the sort's direction. The count and the page's rows come from the
    people unsorted; only the page's ids are sorted, one of two ways:

    - The whole register, unfiltered, is walked in the order of the key through the
      indexes of posts (post_village_person_term_idx, post_term_end_person_idx): each serving
      post that gives its person's key (no serving post of the same person comes before
      it), then the people without one, by pk. Grouping 100,000 people by their posts
      for every page took 60-100 ms of SQL; the walk reads the page's rows, about 1 ms.
    - A filtered list (a township, a search, a body) groups its own people by their posts
      (``sorted_people``, annotated and ordered by PersonOrdering). With a filter the
      planner does not keep to the walk's order of joins: a township's staff waited a
      second for it.
    """

    def __init__(
        self,
        *,
        sorted_people: QuerySet[Person],
        people: QuerySet[Person],
        walk: tuple[str, bool] | None = None,
    ):
        self.sorted_people = sorted_people
        self.people = people
        # (the post field, descending), when the sort is by that one key.
        self.walk = walk if walk and not people.query.where else None

    def count(self) -> int:
        return self.people.count()

    def __getitem__(self, window: slice) -> list[Person]:
        ids = self._ids(window.start, window.stop) if self.walk else self._grouped(window)
        rows = self.people.in_bulk(ids)
        return [rows[pk] for pk in ids]

    def _grouped(self, window: slice) -> list[int]:
        return list(self.sorted_people.values_list("pk", flat=True)[window])

    def _ids(self, start: int, stop: int) -> list[int]:
        field, descending = self.walk
        serving = Post.objects.serving()
        earlier = serving.filter(person_id=OuterRef("person_id")).filter(
            Q(**{f"{field}__lt": OuterRef(field)})
            | Q(**{field: OuterRef(field)}, pk__lt=OuterRef("pk"))
        )
        direction = "-" if descending else ""
        keyed = (
            serving.filter(~Exists(earlier))
            .order_by(f"{direction}{field}", f"{direction}person_id")
            .values_list("person_id", flat=True)
        )
        ids = list(keyed[start:stop])
        if len(ids) == stop - start:
            return ids
        # The window reaches the people without a serving post.
        with_key = start + len(ids) if ids else keyed.count()
        rest = (
            self.people.exclude(pk__in=serving.values("person_id"))
            .order_by(f"{direction}pk")
            .values_list("pk", flat=True)
        )
        return ids + list(rest[max(start - with_key, 0) : stop - with_key])


def scoped_person(user, pk: int) -> Person:
    return get_object_or_404(scope(Person.objects.all(), user), pk=pk)


def age(birth_date: dt.date | None, on: dt.date | None = None) -> int | None:
    """Age in full years on the given day (today by default)."""
    if birth_date is None:
        return None
    on = on or dt.date.today()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# What ``register_details`` reads, to prefetch for many people at once (batch forms).
REGISTER_DETAILS_PREFETCH = ("education_records", "resume_lines", "rewards_punishments")


@dataclass(frozen=True)
class RegisterDetails:
    """A person's education, 简历 and 奖惩 in the order the profile and the forms show them:
    each list from the earliest; education without dates after those with, in entry order."""

    full_time: list[EducationRecord]
    in_service: list[EducationRecord]
    resume: list[ResumeLine]
    rewards_punishments: list[RewardPunishment]

    @property
    def education(self) -> list[EducationRecord]:
        return self.full_time + self.in_service


def _by_date(rows, name: str) -> list:
    return sorted(rows, key=lambda row: (getattr(row, name) is None, getattr(row, name), row.pk))


def register_details(person: Person) -> RegisterDetails:
    """The detail rows of a person the caller has already scoped; three queries, none when
    the person was read with ``prefetch_related(*REGISTER_DETAILS_PREFETCH)``."""
    education = _by_date(person.education_records.all(), "started_on")
    return RegisterDetails(
        full_time=[e for e in education if e.kind == EducationRecord.Kind.FULL_TIME],
        in_service=[e for e in education if e.kind == EducationRecord.Kind.IN_SERVICE],
        resume=_by_date(person.resume_lines.all(), "started_on"),
        rewards_punishments=_by_date(person.rewards_punishments.all(), "decided_on"),
    )


def person_photo(user, person_pk: int) -> PersonPhoto:
    """The photo of a person of the user's townships; 404 otherwise."""
    return get_object_or_404(scope(PersonPhoto.objects.all(), user), person_id=person_pk)


def scoped_detail_row(user, model: type, pk: int):
    """An education row, 简历 line or 奖惩 record of the user's townships; 404 otherwise."""
    return get_object_or_404(scope(model.objects.select_related("person"), user), pk=pk)


def person_profile(user, pk: int) -> Person:
    """One person of the user's townships (404 otherwise), with all posts, relatives, photo
    and detail rows (``person.details``)."""
    queryset = (
        scope(Person.objects.all(), user)
        .select_related("home_village__township", "photo")
        .prefetch_related(*REGISTER_DETAILS_PREFETCH)
    )
    person = get_object_or_404(queryset, pk=pk)
    posts = list(
        person.posts.select_related("village__township", "villager_group").order_by(
            "-term_start", "pk"
        )
    )
    today = dt.date.today()
    # Current includes posts whose term has not begun yet: they are not history, but the
    # page marks them, so a person appointed for next month is not read as serving today.
    person.current_posts = [p for p in posts if p.ended_on is None or p.ended_on > today]
    for post in person.current_posts:
        post.upcoming = post.term_start > today
    person.past_posts = [p for p in posts if p not in person.current_posts]
    person.relative_list = list(person.relatives.all())
    person.details = register_details(person)
    return person


def scoped_villages(user) -> QuerySet[Village]:
    return scope(Village.objects.select_related("township"), user)


def scoped_post(user, pk: int) -> Post:
    return get_object_or_404(scope(Post.objects.select_related("person", "village"), user), pk=pk)


def scoped_relative(user, pk: int) -> Relative:
    return get_object_or_404(scope(Relative.objects.select_related("cadre"), user), pk=pk)


@dataclass
class Change:
    """One line of a record's history: who changed what, when."""

    at: dt.datetime
    user: object
    kind: str  # "+" created, "~" changed, "-" deleted (simple_history's history_type)
    record: str  # the changed record, as the page names it
    fields: list[tuple[str, object, object]]  # (field verbose name, old, new)


# Bookkeeping fields that change on every save and tell the reader nothing.
_HIDDEN = {
    "id",
    "created_at",
    "updated_at",
    "name_key",
    "name_pinyin",
    "name_initials",
    "person",
    "cadre",
}


_DETAIL_MODELS = (PersonPhoto, EducationRecord, ResumeLine, RewardPunishment)


def person_history(person: Person) -> list[Change]:
    """Every change to the person, their posts, relatives, photo and detail rows, newest first.

    One query per kind of record, plus one per kind of related record named in a
    change (villages, villager groups).
    """
    sources = [
        (Person.history.model, {"id": person.pk}),
        (Post.history.model, {"person_id": person.pk}),
        (Relative.history.model, {"cadre_id": person.pk}),
        *((model.history.model, {"person_id": person.pk}) for model in _DETAIL_MODELS),
    ]
    pending = []
    for model, filters in sources:
        records = model.objects.filter(**filters).select_related("history_user")
        previous_by_object = {}
        for record in records.order_by("id", "history_date", "history_id"):
            pending.append((record, previous_by_object.get(record.id)))
            previous_by_object[record.id] = record
    raw = [_raw_change(record, previous) for record, previous in pending]
    names = _related_names(raw)
    changes = []
    for record, fields in raw:
        model = record.instance_type
        shown = [
            (field.verbose_name, _display(field, old, names), _display(field, new, names))
            for field, old, new in fields
        ]
        changes.append(
            Change(
                at=record.history_date,
                user=record.history_user,
                kind=record.history_type,
                record=f"{model._meta.verbose_name}：{_record_label(record, names)}",
                fields=shown,
            )
        )
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _raw_change(record, previous):
    fields = []
    if previous is not None and record.history_type == "~":
        model = record.instance_type
        for change in record.diff_against(previous).changes:
            if change.field not in _HIDDEN:
                fields.append((model._meta.get_field(change.field), change.old, change.new))
    return record, fields


def _related_names(raw) -> dict:
    """{(model, pk): str} for the foreign keys named in the changes and the post labels."""
    wanted: dict = {}
    for record, fields in raw:
        if isinstance(record, Post.history.model):
            wanted.setdefault(Village, set()).add(record.village_id)
        for field, old, new in fields:
            if field.is_relation:
                wanted.setdefault(field.related_model, set()).update({old, new} - {None})
    return {
        (model, obj.pk): str(obj)
        for model, pks in wanted.items()
        for obj in model._base_manager.filter(pk__in=pks).select_related(
            *(["village"] if model is VillagerGroup else [])
        )
    }


def _display(field, value, names):
    if value in (None, ""):
        return ""
    if field.is_relation:
        return names.get((field.related_model, value), value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.name == "id_number":
        return mask_id_number(value)
    return value


def _record_label(record, names) -> str:
    if isinstance(record, Post.history.model):
        village = names.get((Village, record.village_id), "")
        return f"{village}{record.get_body_display()}{record.get_title_display()}"
    if isinstance(record, PersonPhoto.history.model):
        return record.original_name
    return getattr(record, "name", None) or str(record.instance)


def strict_control_people(user) -> QuerySet[Person]:
    """The people under strict control in the user's townships, with their serving posts."""
    return person_list(user).filter(strict_control_since__isnull=False)
