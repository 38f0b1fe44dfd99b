"""The cadre information form (村干部基本信息表), laid out like the 干部任免审批表.

The form is a list of sections, each a function of the person and the reader that gives
rows of the paper grid (``cadres.paper``). The personal data are rows of label and value
pairs (PERSONAL_ROWS): a field of the register joins the form as one more pair or row
there. Apps above the register (the management records) add their sections with
``cadre_form_section_register`` from their AppConfig.ready(), with the prefetches that
keep a batch at a fixed number of queries, as profile sections are added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres import selectors
from cadres.dates import partial_date
from cadres.models import Job, Person, Post, Township, Village
from cadres.paper import Batch, Paper, Reader, Row, batch_job_run, fields, heading, table
from cadres.roster import post_label
from cadres.scoping import scope, user_townships

Section = Callable[[Person, Reader], list[Row]]


def _date(record, name: str) -> str:
    value = partial_date(record, name)
    return str(value) if value else ""


def _birth(person: Person) -> str:
    born = _date(person, "birth_date")
    age = selectors.age(person.birth_date)
    return _("%(date)s (aged %(age)d)") % {"date": born, "age": age} if age is not None else born


def _home(person: Person) -> str:
    village = person.home_village
    return f"{village.township.name}{village.name}" if village else ""


# Each inner list is one row of the form; a field joins as one more (label, value) pair.
PERSONAL_ROWS: list[list[tuple[Callable[[], str], Callable[[Person, Reader], str]]]] = [
    [
        (lambda: _("Name"), lambda p, r: p.name),
        (lambda: _("Sex"), lambda p, r: p.get_sex_display()),
        (lambda: _("Birth (year and month)"), lambda p, r: _birth(p)),
    ],
    [
        (lambda: _("Ethnicity"), lambda p, r: p.get_ethnicity_display()),
        (lambda: _("Political status"), lambda p, r: p.get_political_status_display()),
        (lambda: _("Joined the party"), lambda p, r: _date(p, "party_joined_on")),
    ],
    [
        (lambda: _("Education"), lambda p, r: p.get_education_display()),
        (lambda: _("Home village"), lambda p, r: _home(p)),
    ],
    [
        (lambda: _("ID number"), lambda p, r: r.id_number(p)),
        (lambda: _("Phone"), lambda p, r: p.phone),
    ],
]


def personal_section(person: Person, reader: Reader) -> list[Row]:
    return [
        fields(*((label(), value(person, reader)) for label, value in row)) for row in PERSONAL_ROWS
    ]


def posts_section(person: Person, reader: Reader) -> list[Row]:
    posts = person.form_posts
    return [
        heading(_("Current posts")),
        *table(
            [(_("Village"), 7), (_("Post"), 7), (_("Term"), 6), (_("Origin"), 4)],
            (
                (
                    f"{post.village.township.name}{post.village.name}",
                    post_label(post.body, post.title),
                    f"{_date(post, 'term_start')} — {_date(post, 'term_end')}",
                    _("Vetted") if post.vetted else _("Not vetted"),
                )
                for post in posts
            ),
            _("No serving post"),
        ),
    ]


def family_rows(relatives: Iterable, reader: Reader) -> list[Row]:
    """家庭主要成员及重要社会关系: the cadre's or a candidate's relatives, numbers masked
    per the reader."""
    return [
        heading(_("Main family members and important social relations")),
        *table(
            [
                (_("Relation"), 3),
                (_("Name"), 3),
                (_("Birth (year and month)"), 3),
                (_("ID number"), 6),
                (_("Work unit and post"), 9),
            ],
            (
                (
                    relative.get_relation_display(),
                    relative.name,
                    _date(relative, "birth_date"),
                    reader.id_number(relative),
                    relative.work_unit_and_post,
                )
                for relative in relatives
            ),
            _("None recorded"),
        ),
    ]


def family_section(person: Person, reader: Reader) -> list[Row]:
    return family_rows(person.relatives.all(), reader)


@dataclass(frozen=True)
class _Registered:
    section: Section
    order: int
    prefetch: tuple


# The register's own sections by order; others slot in between (the records' evaluations
# at 30, before the family at 90).
_sections: list[_Registered] = [
    _Registered(personal_section, 10, ()),
    _Registered(posts_section, 20, ()),
    _Registered(family_section, 90, ()),
]


def cadre_form_section_register(
    section: Section, *, order: int, prefetch: Iterable[str | Prefetch] = ()
) -> None:
    """Add a section to every cadre form; registering the same function again replaces it.
    ``prefetch``: the lookups the section reads, fetched once for a whole batch."""
    _sections[:] = [s for s in _sections if s.section is not section]
    _sections.append(_Registered(section, order, tuple(prefetch)))
    _sections.sort(key=lambda s: s.order)


def cadre_form_people(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """``queryset`` with what the form reads, in a fixed number of queries for any size."""
    extra = [lookup for s in _sections for lookup in s.prefetch]
    return queryset.select_related("home_village__township").prefetch_related(
        Prefetch(
            "posts",
            queryset=selectors.serving_posts().order_by("village__code", "body"),
            to_attr="form_posts",
        ),
        "relatives",
        *extra,
    )


def cadre_paper(person: Person, reader: Reader) -> Paper:
    """The form of one person (from ``cadre_form_people``)."""
    township = person.form_posts[0].village.township.name if person.form_posts else ""
    subtitle = _("Township: %(township)s    Date: %(date)s") % {
        "township": township or (person.home_village.township.name if person.home_village else ""),
        "date": f"{timezone.localdate():%Y-%m-%d}",
    }
    rows = [row for registered in _sections for row in registered.section(person, reader)]
    return Paper(title=_("Village cadre information form"), subtitle=subtitle, rows=rows)


def cadre_form_person(user, pk: int) -> Person:
    """One person of the user's townships (404 otherwise), ready for the form."""
    return get_object_or_404(cadre_form_people(scope(Person.objects.all(), user)), pk=pk)


JOB = "cadre_forms"


def cadre_forms_batch(user, *, township: str, village: str = "") -> Batch:
    """The forms of every serving cadre of a township (by code), or of one of its villages;
    404 for a township outside the user's. ``user`` None: the command's, every township."""
    townships = Township.objects.all() if user is None else user_townships(user)
    place = town = get_object_or_404(townships, code=township)
    posts = Post.objects.serving().filter(village__township=town)
    if village:
        place = get_object_or_404(Village, township=town, code=village)
        posts = posts.filter(village=place)
    people = Person.objects.filter(pk__in=posts.values("person_id"))
    if user is not None:
        people = scope(people, user)
    people = cadre_form_people(people)
    return Batch(
        filename=_("Village cadre information forms %(place)s.docx") % {"place": place.name},
        obj=place,
        township=town,
        count=people.count(),
        papers=lambda reader: (
            cadre_paper(person, reader) for person in people.iterator(chunk_size=200)
        ),
    )


def cadre_forms_job(job: Job) -> None:
    """The ``cadre_forms`` job's handler: the batch's .docx as its result."""
    batch_job_run(job, lambda user: cadre_forms_batch(user, **job.params))
