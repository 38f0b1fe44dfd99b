"""The cadre information form (村干部基本信息表), laid out like the 干部任免审批表.

The form is a list of sections, each a function of the person and the reader that gives
rows of the paper grid (``cadres.paper``). The personal data are rows of label and value
pairs (PERSONAL_ROWS) with the photo beside the first PHOTO_ROWS of them, as on the
审批表: a field of the register joins the form as one more pair or row there. Then come
education (全日制 and 在职 apart), the current posts, 简历 and 奖惩, read through
``selectors.register_details``. Apps above the register (the management records) add their
sections with ``cadre_form_section_register`` from their AppConfig.ready(), with the
prefetches that keep a batch at a fixed number of queries, as profile sections are added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cadres import selectors
from cadres.dates import partial_date
from cadres.models import Job, Person, Post, Township, Village
from cadres.paper import (
    GRID,
    Batch,
    Cell,
    Paper,
    Picture,
    Reader,
    Row,
    batch_job_run,
    fields,
    heading,
    line,
    table,
)
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
# The first PHOTO_ROWS rows have three pairs, beside the photo.
PERSONAL_ROWS: list[list[tuple[Callable[[], str], Callable[[Person, Reader], str]]]] = [
    [
        (lambda: _("Name"), lambda p, r: p.name),
        (lambda: _("Sex"), lambda p, r: p.get_sex_display()),
        (lambda: _("Birth (year and month)"), lambda p, r: _birth(p)),
    ],
    [
        (lambda: _("Ethnicity"), lambda p, r: p.get_ethnicity_display()),
        (lambda: _("Native place"), lambda p, r: p.native_place),
        (lambda: _("Birthplace"), lambda p, r: p.birthplace),
    ],
    [
        (lambda: _("Political status"), lambda p, r: p.get_political_status_display()),
        (lambda: _("Joined the party"), lambda p, r: _date(p, "party_joined_on")),
        (lambda: _("Date work began"), lambda p, r: _date(p, "work_started_on")),
    ],
    [
        (lambda: _("Education"), lambda p, r: p.get_education_display()),
        (lambda: _("Health"), lambda p, r: p.health),
        (lambda: _("Phone"), lambda p, r: p.phone),
    ],
    [
        (lambda: _("ID number"), lambda p, r: r.id_number(p)),
        (lambda: _("Home village"), lambda p, r: _home(p)),
    ],
]
PHOTO_ROWS = 4
PHOTO_SPAN = 6  # 4.35 cm of the grid: a 2-inch photo's 3.5 cm and the cell's margins
PHOTO_WIDTH_CM, PHOTO_HEIGHT_CM = 3.5, 4.5  # static/css/paper.css sizes its box alike


def photo_cell(person: Person) -> Cell:
    """The photo's box at the right of the first personal rows; 照片 in it when none."""
    document = getattr(person, "photo", None)  # the reverse one-to-one raises when absent
    picture = Picture(
        PHOTO_WIDTH_CM,
        PHOTO_HEIGHT_CM,
        document=document,
        url=reverse("cadres:photo", args=[person.pk]) if document else "",
    )
    return Cell(_("Photo"), PHOTO_SPAN, rows=PHOTO_ROWS, picture=picture)


def personal_section(person: Person, reader: Reader) -> list[Row]:
    rows = []
    for number, row in enumerate(PERSONAL_ROWS):
        pairs = ((label(), value(person, reader)) for label, value in row)
        if number < PHOTO_ROWS:
            after = [photo_cell(person)] if number == 0 else []
            rows.append(fields(*pairs, width=GRID - PHOTO_SPAN, after=after))
        else:
            rows.append(fields(*pairs))
    return rows


def education_section(person: Person, reader: Reader) -> list[Row]:
    """学历学位 as on the 审批表: 全日制教育 and 在职教育 on a line each, with the level and
    degree, then the school and major; a person's several stages one under the other."""
    details = selectors.register_details(person)

    def stage(kind: str, records: list, first: bool) -> Row:
        degrees = "\n".join(
            " ".join(filter(None, (record.get_level_display(), record.degree)))
            for record in records
        )
        schools = "\n".join(
            " ".join(filter(None, (record.school, record.major))) for record in records
        )
        head = [Cell(_("Education and degrees"), 3, label=True, rows=2)] if first else []
        return line(
            *head,
            Cell(kind, 3, label=True),
            Cell(degrees, 6),
            Cell(_("School, department and major"), 4, label=True),
            Cell(schools, 8),
        )

    return [
        stage(_("Full-time education"), details.full_time, first=True),
        stage(_("In-service education"), details.in_service, first=False),
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


def resume_section(person: Person, reader: Reader) -> list[Row]:
    return [
        heading(_("Resume")),
        *table(
            [
                (pgettext("resume", "From"), 4),
                (pgettext("resume", "To"), 4),
                (_("Work unit and post"), 16),
            ],
            (
                (
                    _date(entry, "started_on"),
                    _date(entry, "ended_on") if entry.ended_on else _("to the present"),
                    entry.text,
                )
                for entry in selectors.register_details(person).resume
            ),
            _("None recorded"),
        ),
    ]


def rewards_section(person: Person, reader: Reader) -> list[Row]:
    return [
        heading(_("Rewards and punishments")),
        *table(
            [
                (_("Date"), 4),
                (_("Reward or punishment"), 4),
                (_("Particulars"), 11),
                (_("Issued by"), 5),
            ],
            (
                (
                    _date(record, "decided_on"),
                    record.get_kind_display(),
                    record.description,
                    record.issued_by,
                )
                for record in selectors.register_details(person).rewards_punishments
            ),
            _("None recorded"),
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


# The register's own sections by order, as on the 审批表; others slot in between (the
# records' evaluations at 30, after 奖惩 and before the family at 90).
_sections: list[_Registered] = [
    _Registered(personal_section, 10, ()),
    _Registered(education_section, 12, selectors.REGISTER_DETAILS_PREFETCH),
    _Registered(posts_section, 20, ()),
    _Registered(resume_section, 22, selectors.REGISTER_DETAILS_PREFETCH),
    _Registered(rewards_section, 24, selectors.REGISTER_DETAILS_PREFETCH),
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
    # Sections reading the same rows name the same lookups: each is fetched once.
    extra = dict.fromkeys(lookup for s in _sections for lookup in s.prefetch)
    return queryset.select_related("home_village__township", "photo").prefetch_related(
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
