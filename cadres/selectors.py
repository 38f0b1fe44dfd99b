"""Reads of the register for its pages: scoped, with a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cadres.identity import mask_id_number
from cadres.models import Person, Post, Relative, Village, VillagerGroup
from cadres.scoping import scope


def serving_posts() -> QuerySet[Post]:
    return Post.objects.serving().select_related("village__township", "villager_group")


def person_list(user) -> QuerySet[Person]:
    """The people of the user's townships, each with ``current_posts`` (serving posts)."""
    return (
        scope(Person.objects.all(), user)
        .select_related("home_village__township")
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

    Such a key is an aggregate over people joined to their posts. Only the page's ids
    go through that grouped query, which then carries one column; the count and the
    page's rows come from the same people unsorted. At 100,000 cadres this takes the
    page from about 270 ms of SQL to about 80.
    """

    def __init__(self, *, sorted_people: QuerySet[Person], people: QuerySet[Person]):
        self.sorted_people = sorted_people
        self.people = people

    def count(self) -> int:
        return self.people.count()

    def __getitem__(self, window: slice) -> list[Person]:
        ids = list(self.sorted_people.values_list("pk", flat=True)[window])
        rows = self.people.in_bulk(ids)
        return [rows[pk] for pk in ids]


def scoped_person(user, pk: int) -> Person:
    return get_object_or_404(scope(Person.objects.all(), user), pk=pk)


def age(birth_date: dt.date | None, on: dt.date | None = None) -> int | None:
    """Age in full years on the given day (today by default)."""
    if birth_date is None:
        return None
    on = on or dt.date.today()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def person_profile(user, pk: int) -> Person:
    """One person of the user's townships (404 otherwise), with all posts and relatives."""
    queryset = scope(Person.objects.all(), user).select_related("home_village__township")
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


def person_history(person: Person) -> list[Change]:
    """Every change to the person, their posts and their relatives, newest first.

    One query per kind of record, plus one per kind of related record named in a
    change (villages, villager groups).
    """
    sources = [
        (Person.history.model, {"id": person.pk}),
        (Post.history.model, {"person_id": person.pk}),
        (Relative.history.model, {"cadre_id": person.pk}),
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
    return record.name


def strict_control_people(user) -> QuerySet[Person]:
    """The people under strict control in the user's townships, with their serving posts."""
    return person_list(user).filter(strict_control_since__isnull=False)
