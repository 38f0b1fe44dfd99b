"""Every write to the register goes through a function here.

Services take the acting user, check township access (views check too, but a
service is the last line) and lock what they read before writing. Identity
fields are always filled by ``identity_values``.
"""

import datetime as dt
import functools
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres import signals
from cadres.access_log import GENESIS_HASH, access_log_hash
from cadres.dates import (
    PartialDate,
    as_partial_date,
    partial_date,
    partial_date_values,
    split_partial_dates,
)
from cadres.hashing import content_sha256
from cadres.identity import (
    clean_name,
    name_initials,
    name_key,
    name_pinyin,
    name_refusal,
    normalize_id_number,
)
from cadres.models import (
    TERM_YEARS,
    TITLES_BY_BODY,
    AccessLogEntry,
    IdNumberConflict,
    ImportFile,
    Person,
    Post,
    Relative,
    StrictControlEvent,
    StrictControlSource,
    Township,
    Village,
    VillagerGroup,
)
from cadres.scoping import (
    require_object,
    require_township,
    require_townships,
    scope,
    user_townships,
)
from cadres.selectors import import_file_earlier

IDENTITY_FIELDS = (
    "name",
    "name_key",
    "name_pinyin",
    "id_number",
    "birth_date",
    "birth_date_precision",
    "sex",
)
# Computed fields that full_clean() must not insist on.
DERIVED_FIELDS = ["name_key", "name_pinyin", "name_initials"]

# Writing to the register takes a model permission (granted to township staff,
# township reviewers and system administrators by accounts' migrations) on top of
# township access: district reviewers see every township but only read. Starting a
# post is not part of it (凡进必审): see POST_ORIGIN_PERMS.
REGISTER_WRITE_PERMS = (
    "cadres.add_person",
    "cadres.change_person",
    "cadres.change_post",
    "cadres.add_relative",
    "cadres.change_relative",
)
REGISTER_EXISTING_PERM = "cadres.register_existing_post"
# Who may start a post of each origin: an approved candidate is appointed by the district
# reviewer who approves the case; a post held before the system is recorded (存量登记, or a
# roster import that starts posts) by district reviewers and the system administrator.
POST_ORIGIN_PERMS = {
    Post.Origin.CANDIDATE_CASE: "cadres.add_post",
    Post.Origin.ROSTER: REGISTER_EXISTING_PERM,
    Post.Origin.REGISTRATION: REGISTER_EXISTING_PERM,
}


def may_write_register(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perms(REGISTER_WRITE_PERMS)


def may_register_existing_posts(user) -> bool:
    """存量登记: record posts held before the system, which start unvetted."""
    return user.is_authenticated and user.is_active and user.has_perm(REGISTER_EXISTING_PERM)


def require_perm(actor, perm: str) -> None:
    """Raise PermissionDenied unless the actor is active and its role holds the permission.
    Services call it for every write; views call it before reading a form, so that a role that
    may not act is refused rather than shown the form's errors."""
    if not (actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied


def update_alike_with_history(objs: list, model, values: dict, *, actor) -> None:
    """Give every object the same ``values``: one UPDATE, then their history rows in one
    insert. ``bulk_update_with_history`` writes a CASE per row and field, and compiling it
    cost a general election's confirmation more than running it."""
    if not objs:
        return
    for obj in objs:
        for name, value in values.items():
            setattr(obj, name, value)
    with transaction.atomic(savepoint=False):
        model._default_manager.filter(pk__in=[obj.pk for obj in objs]).update(**values)
        bulk_update_with_history(objs, model, [], default_user=actor)


def identity_values(
    *,
    name: str,
    id_number: object = None,
    birth_date: PartialDate | dt.date | None = None,
    sex: str = "",
    check_name: bool = True,
) -> dict:
    """The normalized identity fields of IdentityFields; ValidationError names what is wrong.

    A birth date given to the month or year (1972.08) must agree with the ID number's to
    that precision; with an ID number the birth date is its own, known to the day. A name
    holding a character no name holds is refused, unless ``check_name`` is off (a watchlist's
    entries, see name_refusal).
    """
    cleaned = clean_name(name)
    if not cleaned:
        raise ValidationError({"name": _("The name is empty.")})
    refusal = check_name and name_refusal(cleaned)
    if refusal:
        raise ValidationError({"name": refusal})
    number = normalize_id_number(id_number)
    if number.errors:
        raise ValidationError({"id_number": number.errors})
    birth = as_partial_date(birth_date)
    if number.value:
        if birth is not None and not birth.contains(number.birth_date):
            raise ValidationError(
                {"birth_date": _("The birth date differs from the one inside the ID number.")}
            )
        birth = PartialDate(number.birth_date)
    key = name_key(cleaned)
    return {
        "name": cleaned,
        "name_key": key,
        "name_pinyin": name_pinyin(key),
        "id_number": number.value,
        **partial_date_values("birth_date", birth),
        "sex": number.sex or sex,
    }


def post_label(body: str, title: str) -> str:
    """A post as people write it: 村党组织书记, 村民委员会主任."""
    return f"{Post.Body(body).label}{Post.Title(title).label}"


def default_term_end(term_start: PartialDate | dt.date) -> PartialDate | dt.date:
    """Five years on, known as precisely as the start (2021.12 → 2026.12)."""
    if isinstance(term_start, PartialDate):
        return PartialDate(term_start.date + relativedelta(years=TERM_YEARS), term_start.precision)
    return term_start + relativedelta(years=TERM_YEARS)


@transaction.atomic
def villager_group_upsert(*, village: Village, number: int, name: str) -> VillagerGroup:
    # An ended group's name may be taken again; names are unique among open groups.
    group, _created = VillagerGroup.objects.filter(valid_to__isnull=True).update_or_create(
        village=village, name=name, defaults={"number": number}
    )
    return group


def _identity_snapshot(obj) -> tuple:
    return tuple(getattr(obj, f) for f in IDENTITY_FIELDS)


def _kept_birth_date(obj, identity: dict) -> PartialDate | None:
    # With an ID number the birth date is read from it again; without one, keep the typed date.
    return None if identity["id_number"] else partial_date(obj, "birth_date")


def id_number_held_elsewhere_message() -> str:
    # Words that say nothing of the holder, not even that there is one: the district sees
    # the conflict (IdNumberConflict) and can tell the township what to do.
    return _(
        "This ID number cannot be used here. If the number is right, contact the district's "
        "organization department."
    )


class IdNumberHeldElsewhere(ValidationError):
    """The ID number of a person outside the actor's townships; see with_conflicts_recorded."""

    def __init__(self, *, person: Person, township: Township | None):
        super().__init__({"id_number": id_number_held_elsewhere_message()})
        self.person = person
        self.township = township


def person_township(person: Person) -> Township | None:
    """Where a person is registered: the township of a serving post, else of the home
    village."""
    if person.pk is not None:
        post = (
            Post.objects.serving()
            .filter(person=person)
            .select_related("village__township")
            .order_by("pk")
            .first()
        )
        if post is not None:
            return post.village.township
    return person.home_village.township if person.home_village_id else None


def id_number_conflict_record(
    *, actor, person: Person, township: Township | None, source: str
) -> IdNumberConflict | None:
    """Record for the district that ``actor`` gave, for ``township`` (the actor's first one
    when unknown), the ID number that ``person`` holds outside the actor's townships."""
    township = township or user_townships(actor).order_by("code").first()
    if township is None:
        return None
    values = {"held_in": person_township(person), "source": source, "tried_at": timezone.now()}
    with transaction.atomic():
        conflict, created = IdNumberConflict.objects.select_for_update().get_or_create(
            person=person, tried_by=actor, tried_in=township, defaults=values
        )
        if not created:
            for key, value in values.items():
                setattr(conflict, key, value)
            conflict.save()
    return conflict


def with_conflicts_recorded(service):
    """Record the ID number conflict that refused ``service`` once its transaction is undone
    (recorded inside it, the record would be undone too). A service called by another one
    records again after the caller's transaction is undone: the record is one row."""

    @functools.wraps(service)
    def recording(*, actor, **kwargs):
        try:
            return service(actor=actor, **kwargs)
        except IdNumberHeldElsewhere as refused:
            id_number_conflict_record(
                actor=actor,
                person=refused.person,
                township=refused.township,
                source=IdNumberConflict.Source.FORM,
            )
            raise

    return recording


def _check_unique_id_number(
    others: models.QuerySet, id_number: str | None, *, actor=None, township=None
) -> None:
    """Refuse an ID number that another row holds. Given the actor, a person outside the
    actor's townships is refused without a word about them (IdNumberHeldElsewhere)."""
    holder = others.filter(id_number=id_number).first() if id_number else None
    if holder is None:
        return
    if actor is not None and not scope(Person.objects.filter(pk=holder.pk), actor).exists():
        raise IdNumberHeldElsewhere(person=holder, township=township)
    # The unique constraints say the same, but only in words a user cannot act on.
    raise ValidationError(
        {"id_number": _("This ID number is already registered; search for the record.")}
    )


def _apply_identity(obj, *, name, id_number, birth_date, sex) -> None:
    identity = identity_values(name=name, id_number=id_number, birth_date=birth_date, sex=sex)
    for key, value in identity.items():
        setattr(obj, key, value)


@with_conflicts_recorded
@transaction.atomic
def person_create(
    *, actor, name: str, id_number: object = None, birth_date=None, sex: str = "", **fields
) -> Person:
    """Register a person. ``fields`` are the other Person fields (ethnicity, phone …).

    A person without a home village is visible only once appointed to a post, so
    callers create and appoint in one transaction.
    """
    require_perm(actor, "cadres.add_person")
    if fields.get("home_village") is not None:
        require_township(actor, fields["home_village"].township_id)
    person = Person(**split_partial_dates(Person, fields))
    _apply_identity(person, name=name, id_number=id_number, birth_date=birth_date, sex=sex)
    person.name_initials = name_initials(person.name_key)
    _check_unique_id_number(
        Person.objects.exclude(pk=person.pk),
        person.id_number,
        actor=actor,
        township=person_township(person),
    )
    person.full_clean(exclude=DERIVED_FIELDS)
    # simple_history's middleware knows the user only inside a request; imports and commands too.
    person._history_user = actor
    person.save()
    signals.person_identity_changed.send(sender=Person, person=person)
    return person


def name_keys_refresh(model, *, batch_size: int = 2000) -> list[int]:
    """Derive again the stored name fields of an IdentityFields model; returns the changed pks.

    For after a change of the normalizer: rows written before it keep their old key (and
    so match differently) until saved again. Rows are read in pk order and only those
    whose values differ are written, in batches, without history (the fields are derived).
    A name that would clean to nothing is left as it is.
    """
    fields = ["name", *(f for f in DERIVED_FIELDS if hasattr(model, f))]
    changed: list[int] = []
    pending: list = []
    for row in model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=batch_size):
        cleaned = clean_name(row.name)
        if not cleaned:
            continue
        key = name_key(cleaned)
        derived = {"name": cleaned, "name_key": key, "name_pinyin": name_pinyin(key)}
        if "name_initials" in fields:
            derived["name_initials"] = name_initials(key)
        if all(getattr(row, field) == value for field, value in derived.items()):
            continue
        for field, value in derived.items():
            setattr(row, field, value)
        pending.append(row)
        if len(pending) >= batch_size:
            model.objects.bulk_update(pending, fields)
            changed.extend(row.pk for row in pending)
            pending = []
    model.objects.bulk_update(pending, fields)
    changed.extend(row.pk for row in pending)
    return changed


@with_conflicts_recorded
@transaction.atomic
def person_update(*, actor, person: Person, **fields) -> Person:
    """Change a person's fields; identity is normalized again and a change announced."""
    require_perm(actor, "cadres.change_person")
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_object(actor, person)
    if fields.get("home_village") is not None:
        require_township(actor, fields["home_village"].township_id)
    before = _identity_snapshot(person)
    identity = {key: fields.pop(key, getattr(person, key)) for key in ("name", "id_number", "sex")}
    identity["birth_date"] = fields.pop("birth_date", _kept_birth_date(person, identity))
    for key, value in split_partial_dates(Person, fields).items():
        setattr(person, key, value)
    _apply_identity(person, **identity)
    person.name_initials = name_initials(person.name_key)
    _check_unique_id_number(
        Person.objects.exclude(pk=person.pk),
        person.id_number,
        actor=actor,
        township=person_township(person),
    )
    person.full_clean(exclude=DERIVED_FIELDS)
    person._history_user = actor
    person.save()
    if before != _identity_snapshot(person):
        signals.person_identity_changed.send(sender=Person, person=person)
    return person


@transaction.atomic
def post_appoint(
    *,
    actor,
    person: Person,
    village: Village,
    body: str,
    title: str,
    term_start: PartialDate | dt.date,
    origin: str,
    term_end: PartialDate | dt.date | None = None,
    villager_group: VillagerGroup | None = None,
) -> Post:
    """Start a post of the given origin; the database refuses a second secretary or director.

    Only a post from an approved candidate case starts vetted; the others show 未经联审
    until a 补审 case is approved (``post_vetted_mark``).
    """
    if origin not in POST_ORIGIN_PERMS:
        raise ValueError(origin)
    require_perm(actor, POST_ORIGIN_PERMS[origin])
    require_township(actor, village.township_id)
    _check_post_fits(
        person=person, village=village, body=body, title=title, villager_group=villager_group
    )
    start = as_partial_date(term_start)
    end = as_partial_date(term_end) or default_term_end(start)
    if end.date <= start.date:
        raise ValidationError({"term_end": _("The term must end after it starts.")})
    post = Post(
        person=person,
        village=village,
        villager_group=villager_group,
        body=body,
        title=title,
        **partial_date_values("term_start", start),
        **partial_date_values("term_end", end),
        origin=origin,
        vetted=origin == Post.Origin.CANDIDATE_CASE,
    )
    post.full_clean(validate_constraints=False)
    post._history_user = actor
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError as error:
        # Only a concurrent appointment gets past _check_post_fits.
        raise ValidationError(
            _("Someone else changed this village's posts at the same time; try again.")
        ) from error
    return post


def _check_post_fits(*, person, village, body, title, villager_group) -> None:
    """The database constraints on posts, checked first to say in words what is wrong."""
    if title not in TITLES_BY_BODY.get(body, ()):
        raise ValidationError({"title": _("This title does not exist in this body.")})
    if body == Post.Body.VILLAGER_GROUP:
        if villager_group is None:
            raise ValidationError({"villager_group": _("Choose the villager group.")})
        if villager_group.village_id != village.pk:
            raise ValidationError(
                {"villager_group": _("This villager group belongs to another village.")}
            )
    elif villager_group is not None:
        raise ValidationError(
            {"villager_group": _("Only group leaders belong to a villager group.")}
        )
    # select_for_update: two appointments to the same village queue up here.
    serving = Post.objects.select_for_update().filter(village=village, ended_on__isnull=True)
    if serving.filter(person=person, body=body, title=title).exists():
        raise ValidationError(_("This person already holds this post in this village."))
    holder = None
    if body == Post.Body.PARTY_BRANCH and title == Post.Title.SECRETARY:
        holder = serving.filter(body=body, title=title).select_related("person").first()
        message = _("The village already has a serving party secretary: %(name)s.")
    elif title == Post.Title.DIRECTOR:
        holder = serving.filter(body=body, title=title).select_related("person").first()
        message = _("This body already has a serving director: %(name)s.")
    elif body == Post.Body.VILLAGER_GROUP:
        holder = serving.filter(villager_group=villager_group).select_related("person").first()
        message = _("This villager group already has a serving group leader: %(name)s.")
    if holder is not None:
        raise ValidationError(
            {"title": message % {"name": holder.person.name}}
            if body != Post.Body.VILLAGER_GROUP
            else {"villager_group": message % {"name": holder.person.name}}
        )


@with_conflicts_recorded
@transaction.atomic
def cadre_create(*, actor, person: dict, post: dict, origin: str) -> Person:
    """A new cadre: the person and their first post, in one transaction.

    ``person`` holds person_create's arguments, ``post`` post_appoint's (without
    person and origin). A person who cannot be appointed is not registered.
    """
    created = person_create(actor=actor, **person)
    post_appoint(actor=actor, person=created, origin=origin, **post)
    return created


# 规范村党组织书记调整程序: the district approves a secretary's departure beforehand, so
# only district roles hold this; townships send a records.SecretaryChange instead.
END_SECRETARY_PERM = "cadres.end_secretary_post"


def is_secretary_post(post: Post) -> bool:
    return post.body == Post.Body.PARTY_BRANCH and post.title == Post.Title.SECRETARY


@transaction.atomic
def post_vetted_mark(*, actor, post: Post) -> Post:
    """A 补审 case approved the post: it no longer shows 未经联审.

    Called by vetting at the approval, under the same permission as an appointment from a
    case. A post that ended meanwhile, or is vetted already, is refused.
    """
    require_perm(actor, POST_ORIGIN_PERMS[Post.Origin.CANDIDATE_CASE])
    post = Post.objects.select_for_update().select_related("village").get(pk=post.pk)
    require_object(actor, post)
    if post.ended_on is not None:
        raise ValidationError(
            _("The post %(post)s ended on %(date)s: there is nothing left to review.")
            % {"post": post, "date": post.ended_on.isoformat()}
        )
    if post.vetted:
        raise ValidationError(
            _("The post %(post)s has already passed the joint review.") % {"post": post}
        )
    post.vetted = True
    post._history_user = actor
    post.save(update_fields=["vetted", "updated_at"])
    return post


@transaction.atomic
def post_end(*, actor, post: Post, ended_on: dt.date, reason: str, note: str = "") -> Post:
    """End a post early or at term end; the apps above hear of it through ``post_ended``."""
    require_perm(actor, "cadres.change_post")
    post = Post.objects.select_for_update().get(pk=post.pk)
    require_object(actor, post)
    if post.ended_on is not None:
        raise ValidationError(_("This post has already ended."))
    if is_secretary_post(post) and not actor.has_perm(END_SECRETARY_PERM):
        raise ValidationError(
            _(
                "A village party secretary's post ends only with the district's prior approval: "
                "send a secretary change request under Management records."
            )
        )
    if ended_on < post.term_start:
        raise ValidationError({"ended_on": _("A post cannot end before its term starts.")})
    if reason not in Post.EndReason.values:
        raise ValidationError({"end_reason": _("Choose why the post ends.")})
    post.ended_on = ended_on
    post.end_reason = reason
    post.end_note = note
    post._history_user = actor
    post.save(update_fields=["ended_on", "end_reason", "end_note", "updated_at"])
    signals.post_ended.send(sender=Post, posts=[post])
    return post


@dataclass(frozen=True)
class VillageRenewal:
    """What a general election renews in one village (see ``villages_posts_renew``): the
    serving posts of the ``bodies`` elected (a villager group's only for the ``groups``
    elected) end ``on`` the election day, and the ``appointments`` start on it. Each
    appointment is a dict of person, body, title and villager_group (or None)."""

    village: Village
    on: dt.date
    bodies: set[str]
    groups: set[int]
    appointments: list[dict]


@transaction.atomic
def villages_posts_renew(*, actor, renewals: list[VillageRenewal]) -> tuple[list[Post], list[Post]]:
    """A general election (换届) renews the villages' teams: in one transaction and a constant
    number of queries for any number of villages, the serving posts elected end with reason
    ELECTION on each village's election day, and the appointments start on it as posts from
    approved candidate cases (凡进必审: the caller, vetting, passes only what approved cases
    hold). Every check is made before anything is written, and every refusal names its
    village. ``post_ended`` is sent once for all the posts ended, after the new posts exist
    (so a handover finds its incoming holder). Returns (ended, started), started in the order
    of the renewals' appointments.

    Whoever confirms holds the appointment permission and, since a secretary's post ends
    with the old term, the district's: the district's approval of the new team's candidates
    is its prior approval.
    """
    require_perm(actor, POST_ORIGIN_PERMS[Post.Origin.CANDIDATE_CASE])
    require_perm(actor, "cadres.change_post")
    require_perm(actor, END_SECRETARY_PERM)
    require_townships(actor, {renewal.village.township_id for renewal in renewals})
    renewal_of = {renewal.village.pk: renewal for renewal in renewals}
    if len(renewal_of) < len(renewals):
        raise ValueError("A village is renewed once per call.")
    # One query: every serving post of the villages, locked; the rest is decided here.
    serving = Post.objects.select_for_update(of=("self",)).filter(
        village_id__in=renewal_of, ended_on__isnull=True
    )
    errors = []
    ending: dict[dt.date, list[Post]] = {}
    # The one-holder posts of each village (keys start with its id) that stay or start.
    taken: set[tuple] = set()
    for post in serving.select_related("person").order_by("pk"):
        renewal = renewal_of[post.village_id]
        ends = (
            post.villager_group_id in renewal.groups
            if post.body == Post.Body.VILLAGER_GROUP
            else post.body in renewal.bodies
        )
        if not ends:
            taken |= _village_keys(post.village_id, post.body, post.title, post.villager_group_id)
            continue
        ending.setdefault(renewal.on, []).append(post)
        if renewal.on < post.term_start:
            refusal = _("The post %(post)s of %(name)s starts after the election day %(date)s.")
            errors.append(
                named_by_village(
                    renewal.village,
                    refusal
                    % {
                        "post": post_label(post.body, post.title),
                        "name": post.person.name,
                        "date": renewal.on.isoformat(),
                    },
                )
            )
    new_posts = []
    for renewal in renewals:
        village = renewal.village
        start = as_partial_date(renewal.on)
        end = default_term_end(start)
        for values in renewal.appointments:
            body, title, group = values["body"], values["title"], values.get("villager_group")
            refusal = _appointment_refusal(village, body, title, group)
            keys = _village_keys(village.pk, body, title, group and group.pk) | {
                ("person", values["person"].pk, village.pk, body, title)
            }
            if refusal is None and keys & taken:
                refusal = _("The post %(post)s is filled twice.") % {
                    "post": post_label(body, title)
                }
            if refusal is not None:
                errors.append(named_by_village(village, refusal))
                continue
            taken |= keys
            new_posts.append(
                Post(
                    person=values["person"],
                    village=village,
                    villager_group=group,
                    body=body,
                    title=title,
                    **partial_date_values("term_start", start),
                    **partial_date_values("term_end", end),
                    origin=Post.Origin.CANDIDATE_CASE,
                    vetted=True,
                )
            )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    # One UPDATE per election day (a township's villages share a few), not per village.
    for day, posts in ending.items():
        update_alike_with_history(
            posts,
            Post,
            {
                "ended_on": day,
                "end_reason": Post.EndReason.ELECTION,
                "end_note": "",
                "updated_at": now,
            },
            actor=actor,
        )
    try:
        with transaction.atomic():
            started = bulk_create_with_history(new_posts, Post, batch_size=500, default_user=actor)
    except IntegrityError as error:
        raise ValidationError(
            _("Someone else changed this village's posts at the same time; try again.")
        ) from error
    ended = [post for posts in ending.values() for post in posts]
    if ended:
        signals.post_ended.send(sender=Post, posts=ended)
    return ended, started


def _appointment_refusal(village: Village, body: str, title: str, group) -> str | None:
    if title not in TITLES_BY_BODY.get(body, ()):
        return _("This title does not exist in this body.")
    if (body == Post.Body.VILLAGER_GROUP) != (group is not None) or (
        group is not None and group.village_id != village.pk
    ):
        return _("This villager group belongs to another village.")
    return None


def named_by_village(village: Village, reason: str) -> str:
    """A refusal among several villages' (a township's election results), named by its village."""
    return _("%(village)s: %(reason)s") % {"village": village.name, "reason": reason}


def _village_keys(village_id: int, body: str, title: str, group_id: int | None) -> set[tuple]:
    return {(village_id, *key) for key in _single_holder_keys(body, title, group_id)}


def _single_holder_keys(body: str, title: str, group_id: int | None) -> set[tuple]:
    """The keys of the posts that only one person holds at a time (the database's
    one-serving constraints), for checking a whole team before it is written."""
    if body == Post.Body.PARTY_BRANCH and title == Post.Title.SECRETARY:
        return {("secretary",)}
    if title == Post.Title.DIRECTOR:
        return {("director", body)}
    if body == Post.Body.VILLAGER_GROUP:
        return {("group", group_id)}
    return set()


@transaction.atomic
def relative_add(
    *,
    actor,
    cadre: Person,
    name: str,
    relation: str,
    id_number: object = None,
    birth_date=None,
    sex: str = "",
    work_unit_and_post: str = "",
) -> Relative:
    require_perm(actor, "cadres.add_relative")
    require_object(actor, cadre)
    relative = Relative(cadre=cadre, relation=relation, work_unit_and_post=work_unit_and_post)
    _apply_identity(relative, name=name, id_number=id_number, birth_date=birth_date, sex=sex)
    _check_unique_id_number(
        Relative.objects.filter(cadre_id=relative.cadre_id).exclude(pk=relative.pk),
        relative.id_number,
    )
    relative.full_clean(exclude=DERIVED_FIELDS)
    relative._history_user = actor
    relative.save()
    signals.relative_identity_changed.send(sender=Relative, relative=relative)
    return relative


@transaction.atomic
def relative_update(*, actor, relative: Relative, **fields) -> Relative:
    require_perm(actor, "cadres.change_relative")
    relative = Relative.objects.select_for_update().get(pk=relative.pk)
    require_object(actor, relative)
    before = _identity_snapshot(relative)
    identity = {
        key: fields.pop(key, getattr(relative, key)) for key in ("name", "id_number", "sex")
    }
    identity["birth_date"] = fields.pop("birth_date", _kept_birth_date(relative, identity))
    for key, value in fields.items():
        setattr(relative, key, value)
    _apply_identity(relative, **identity)
    _check_unique_id_number(
        Relative.objects.filter(cadre_id=relative.cadre_id).exclude(pk=relative.pk),
        relative.id_number,
    )
    relative.full_clean(exclude=DERIVED_FIELDS)
    relative._history_user = actor
    relative.save()
    if before != _identity_snapshot(relative):
        signals.relative_identity_changed.send(sender=Relative, relative=relative)
    return relative


# Any constant: the advisory lock that serializes appends to the access log on PostgreSQL.
_ACCESS_LOG_LOCK = 220502


@transaction.atomic
def access_log_append(
    *, user, action: str, obj: models.Model | None = None, detail: str = ""
) -> AccessLogEntry:
    """Append one entry to the hash-chained access log."""
    return access_log_append_many(user=user, action=action, objs=[obj], detail=detail)[0]


@transaction.atomic
def access_log_append_many(
    *, user, action: str, objs: Iterable[models.Model | None], detail: str = ""
) -> list[AccessLogEntry]:
    """Append one entry per object to the hash-chained access log, in a constant number of
    queries (the API reveals a page of ID numbers at once: one entry per person)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ACCESS_LOG_LOCK])
    # On SQLite the IMMEDIATE transaction already serializes writers.
    last = AccessLogEntry.objects.order_by("-pk").values_list("hash", flat=True).first()
    prev_hash = last or GENESIS_HASH
    at = timezone.now()
    entries = []
    for obj in objs:
        entry = AccessLogEntry(
            at=at,
            user=user,
            action=action,
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail=detail[:500],
            prev_hash=prev_hash,
            hash_version=AccessLogEntry.HashVersion.HMAC_SHA256,
        )
        entry.hash = prev_hash = access_log_hash(entry)
        entries.append(entry)
    if len(entries) == 1:
        entries[0].save()  # its pk, as callers of access_log_append expect
    else:
        AccessLogEntry.objects.bulk_create(entries)
    return entries


# Stored uploads -------------------------------------------------------------------

_XLSX_PARTS = {"[Content_Types].xml", "xl/workbook.xml"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _check_xlsx(upload) -> None:
    """Refuse anything but a plausible xlsx workbook, before any parser unpacks it."""
    upload.seek(0)
    magic = upload.read(4)
    upload.seek(0)
    if magic == _OLE_MAGIC:
        raise ValidationError(
            _("This is an old Excel 97–2003 file (.xls). Save it as .xlsx and upload it again.")
        )
    not_xlsx = ValidationError(
        _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again.")
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise not_xlsx from None
    finally:
        upload.seek(0)
    if not {member.filename for member in members} >= _XLSX_PARTS:
        raise not_xlsx
    # A zip bomb claims a huge unpacked size or an absurd compression ratio; real
    # workbooks stay far below both (see benchmarks/README.md).
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if (
        unpacked > settings.IMPORT_MAX_UNCOMPRESSED_BYTES
        or unpacked > packed * settings.IMPORT_MAX_COMPRESSION_RATIO
    ):
        raise ValidationError(
            _("The workbook unpacks to an implausible size; it is refused as unsafe.")
        )


def import_file_store(
    *, actor, upload, kind: str, township: Township | None = None
) -> tuple[ImportFile, ImportFile | None]:
    """Keep an uploaded workbook with its SHA-256.

    Returns the stored file and the latest earlier upload of the same kind with the
    same content that the actor may see, if any, so that the caller can say it was
    imported before.
    """
    if kind not in ImportFile.Kind.values:
        raise ValueError(kind)
    if township is not None:
        require_township(actor, township)
    if not isinstance(upload, File):
        upload = File(upload, name=getattr(upload, "name", ""))
    if not upload.size:
        raise ValidationError(_("The file is empty."))
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)d MB; split it into smaller workbooks.")
            % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    _check_xlsx(upload)
    sha256, size = content_sha256(upload)
    record = ImportFile(
        kind=kind,
        original_name=os.path.basename(upload.name or "")[:255] or "workbook.xlsx",
        sha256=sha256,
        size=size,
        township=township,
        uploaded_by=actor,
    )
    earlier = import_file_earlier(actor, kind=kind, sha256=record.sha256)
    record.file.save(record.original_name, upload, save=False)
    try:
        with transaction.atomic():
            record.save()
    except BaseException:
        record.file.delete(save=False)
        raise
    return record, earlier


# Strict control (从严掌控) ---------------------------------------------------------------

STRICT_CONTROL_PERM = "cadres.manage_strict_control"
_STRICT_CONTROL_FIELDS = [
    "strict_control_since",
    "strict_control_review_on",
    "strict_control_reason",
    "strict_control_source",
    "updated_at",
]


def may_see_strict_control(user) -> bool:
    """The strict-control list: roles that keep the register (their own townships) and
    those that manage strict control; joint-review departments do not."""
    return may_write_register(user) or user.has_perm(STRICT_CONTROL_PERM)


def _strict_control_log(person: Person, *, actor, action: str, note: str) -> None:
    StrictControlEvent.objects.create(
        person=person,
        at=timezone.now(),
        actor=actor,
        action=action,
        source=person.strict_control_source,
        review_on=person.strict_control_review_on,
        note=note,
    )


def _locked_under_control(actor, person: Person) -> Person:
    require_perm(actor, STRICT_CONTROL_PERM)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_object(actor, person)
    if not person.under_strict_control:
        raise ValidationError(_("%(name)s is not under strict control.") % {"name": person.name})
    return person


@transaction.atomic
def person_strict_control_set(
    *,
    actor,
    person: Person,
    since: dt.date,
    review_on: dt.date,
    reason: str,
    source: str,
) -> Person:
    """Put a cadre under strict control (从严掌控) until reviewed.

    A screening hit (vetting's hit_confirm) or a vetting decision (case_approve) sets it
    under the permission of the caller's own step; setting it by hand takes
    cadres.manage_strict_control. A cadre already under strict control keeps the
    earlier start date; the review date, reason and source are replaced.
    """
    if source not in StrictControlSource.values:
        raise ValueError(source)
    if source == StrictControlSource.MANUAL:
        require_perm(actor, STRICT_CONTROL_PERM)
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_object(actor, person)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"strict_control_reason": _("Give the reason for strict control.")})
    if since > timezone.localdate():
        raise ValidationError(
            {"strict_control_since": _("Strict control cannot start in the future.")}
        )
    if review_on <= since:
        raise ValidationError(
            {"strict_control_review_on": _("The review date must come after the start date.")}
        )
    person.strict_control_since = min(since, person.strict_control_since or since)
    person.strict_control_review_on = review_on
    person.strict_control_reason = reason
    person.strict_control_source = source
    person._history_user = actor
    person.save(update_fields=_STRICT_CONTROL_FIELDS)
    _strict_control_log(person, actor=actor, action=StrictControlEvent.Action.SET, note=reason)
    return person


@transaction.atomic
def person_strict_control_review(*, actor, person: Person, review_on: dt.date, note: str) -> Person:
    """The district reviewed a cadre under strict control and keeps it until a new date."""
    person = _locked_under_control(actor, person)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write what the review found.")})
    if review_on <= timezone.localdate():
        raise ValidationError({"review_on": _("The next review date must come after today.")})
    person.strict_control_review_on = review_on
    person._history_user = actor
    person.save(update_fields=_STRICT_CONTROL_FIELDS)
    _strict_control_log(person, actor=actor, action=StrictControlEvent.Action.REVIEWED, note=note)
    return person


@transaction.atomic
def person_strict_control_lift(*, actor, person: Person, reason: str) -> Person:
    """End a cadre's strict control; the events keep what it was and why it ended."""
    person = _locked_under_control(actor, person)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for lifting strict control.")})
    # Logged first: the event records the source and review date being ended.
    _strict_control_log(person, actor=actor, action=StrictControlEvent.Action.LIFTED, note=reason)
    person.strict_control_since = None
    person.strict_control_review_on = None
    person.strict_control_reason = ""
    person.strict_control_source = ""
    person._history_user = actor
    person.save(update_fields=_STRICT_CONTROL_FIELDS)
    return person
