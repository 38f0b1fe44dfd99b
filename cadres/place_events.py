"""Village mergers, splits and renames (撤并村、拆分、更名), and the names of past months.

A merger or a split ends the villages it replaces on the day before the event and carries
what is still going on to the villages that follow, in one transaction and a number of
queries that does not grow with the posts or records moved:

- each serving post ends on the effective day with the end reason MERGER or SPLIT and starts
  anew on the following village from that day, with the same person, body, title, origin,
  vetting and term end. The post ended stays on the old village, so past months still show
  it there. A post that starts on or after the effective day is moved instead. A change of
  village is not a departure: ``post_ended`` is not sent, so no departure audit or handover
  opens for it;
- the open villager groups move, and their names get the old village's in front where the
  following village already has a group of that name;
- the open records of every kind that an app registered (``open_records_register``, called
  from the app's ``AppConfig.ready()``: the register cannot import the apps above it) move,
  and with them their township scope, since every such record reaches its township through
  its village. What was closed or past stays on the village it belonged to. In a split, a
  record about one villager group (a group leader's candidate case) goes where the groups go.

A rename changes the village's name from the effective day; the event keeps the old name,
and ``village_names_on`` gives the names a past day's reports show.

Only the system administrator records events (``cadres.add_placeevent``). An event is
recorded once it has taken effect: its day is today or earlier.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres.models import (
    PlaceEvent,
    PlaceEventDocument,
    PlaceEventVillage,
    Post,
    Village,
    VillagerGroup,
)
from cadres.services import _single_holder_keys, require_perm, update_alike_with_history

EVENT_PERM = "cadres.add_placeevent"
POSTS = "posts"
GROUPS = "groups"


# 1. The open records of the apps -------------------------------------------------------------


@dataclass(frozen=True)
class OpenRecords:
    """One kind of record that an app moves with a village: its rows of the villages given
    that are open on the effective day (``open(day)``, a Q on the model)."""

    key: str
    label: Promise
    model: type[models.Model]
    open: Callable[[dt.date], Q]
    # A model that keeps its township besides its village (a screening hit) names it here.
    township_field: str = ""
    # A model whose rows may be about one villager group (a group leader's candidate case)
    # names that field: such a row goes where the groups go, as a group leader's post does.
    group_field: str = ""

    def rows(self, village_ids: Iterable[int], day: dt.date) -> models.QuerySet:
        return self.model._base_manager.filter(village__in=list(village_ids)).filter(self.open(day))


_OPEN_RECORDS: dict[str, OpenRecords] = {}


def open_records_register(
    *,
    key: str,
    label: Promise,
    model: type[models.Model],
    open: Callable[[dt.date], Q],
    township_field: str = "",
    group_field: str = "",
) -> None:
    """Called by an app's ``ready()`` for each kind of its records that follows a village."""
    _OPEN_RECORDS[key] = OpenRecords(key, label, model, open, township_field, group_field)


def open_record_kinds() -> list[OpenRecords]:
    return list(_OPEN_RECORDS.values())


# 2. The names of past days -------------------------------------------------------------------


def village_names_on(day: dt.date) -> dict[int, str]:
    """The villages renamed after ``day``, with the name each had on that day: the monthly
    workbook and the team structure of a past month show the villages as they were. One
    query; a village absent keeps today's name."""
    rows = (
        PlaceEventVillage.objects.filter(
            side=PlaceEventVillage.Side.BEFORE,
            event__kind=PlaceEvent.Kind.RENAME,
            event__effective_on__gt=day,
        )
        .order_by("village_id", "event__effective_on", "event_id")
        .values_list("village_id", "name")
    )
    names: dict[int, str] = {}
    for village_id, name in rows:
        names.setdefault(village_id, name)
    return names


# 3. What an event would move -----------------------------------------------------------------


@dataclass
class Preview:
    """What a merger or split of ``sources`` on ``day`` would carry over."""

    posts: list[Post]
    groups: list[VillagerGroup]
    # (key, label, count) of every kind with open records, posts and groups first.
    counts: list[tuple[str, str, int]] = field(default_factory=list)


def _carried_posts(village_ids: list[int], day: dt.date, *, lock: bool = False) -> list[Post]:
    posts = Post.objects.filter(village__in=village_ids).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )
    if lock:
        posts = posts.select_for_update(of=("self",))
    return list(
        posts.select_related("person", "village", "villager_group").order_by(
            "village__code", "body", "title", "pk"
        )
    )


def event_preview(*, sources: list[Village], day: dt.date) -> Preview:
    """Counts per kind of what moves: one query per kind, whatever the rows."""
    ids = [village.pk for village in sources]
    posts = _carried_posts(ids, day)
    groups = list(VillagerGroup.objects.filter(village__in=ids, valid_to__isnull=True))
    counts = [
        (POSTS, str(_("Serving posts")), len(posts)),
        (GROUPS, str(_("Villager groups")), len(groups)),
    ]
    for kind in open_record_kinds():
        counts.append((kind.key, str(kind.label), kind.rows(ids, day).count()))
    return Preview(posts=posts, groups=groups, counts=counts)


# 4. Recording events -------------------------------------------------------------------------


def _check_day(day: dt.date) -> None:
    if day > timezone.localdate():
        raise ValidationError(
            {"effective_on": _("Record the change once it has taken effect: today or earlier.")}
        )


def _event_create(
    *,
    actor,
    kind: str,
    effective_on: dt.date,
    document_number: str,
    document_title: str,
    note: str,
    document: UploadedFile | None,
) -> PlaceEvent:
    from cadres.documents import documents_store

    if not document_number.strip():
        raise ValidationError({"document_number": _("Give the number of the deciding document.")})
    event = PlaceEvent(
        kind=kind,
        effective_on=effective_on,
        document_number=document_number.strip(),
        document_title=document_title.strip(),
        note=note.strip(),
        recorded_by=actor,
    )
    event._history_user = actor
    event.save()
    if document is not None:
        documents_store(
            PlaceEventDocument, actor=actor, uploads=[document], field="document", event=event
        )
    return event


def _locked_open(villages: Iterable[Village], day: dt.date, field: str) -> list[Village]:
    """The villages, locked, each open and existing on the day before ``day``."""
    ids = [village.pk for village in villages]
    locked = {
        village.pk: village
        for village in Village.objects.select_for_update()
        .select_related("township")
        .filter(pk__in=ids)
    }
    result = [locked[pk] for pk in ids]
    for village in result:
        if village.valid_to is not None:
            raise ValidationError(
                {field: _("%(village)s has already ended.") % {"village": village.name}}
            )
        if village.valid_from is not None and village.valid_from >= day:
            raise ValidationError(
                {
                    field: _("%(village)s only exists from %(date)s, not before the change.")
                    % {"village": village.name, "date": village.valid_from.isoformat()}
                }
            )
    return result


@transaction.atomic
def village_rename(
    *,
    actor,
    village: Village,
    name: str,
    effective_on: dt.date,
    document_number: str,
    document_title: str = "",
    note: str = "",
    document: UploadedFile | None = None,
) -> PlaceEvent:
    """The village is called ``name`` from ``effective_on``; the event keeps the old name,
    which the reports of the months before still show."""
    require_perm(actor, EVENT_PERM)
    _check_day(effective_on)
    (village,) = _locked_open([village], effective_on, "village")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the new name.")})
    if name == village.name:
        raise ValidationError({"name": _("The new name is the village's name already.")})
    if (
        Village.objects.filter(township=village.township_id, name=name, valid_to__isnull=True)
        .exclude(pk=village.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "name": _("%(township)s already has a village of this name.")
                % {"township": village.township.name}
            }
        )
    later = (
        PlaceEventVillage.objects.filter(village=village, event__effective_on__gte=effective_on)
        .values_list("event__effective_on", flat=True)
        .first()
    )
    if later is not None:
        raise ValidationError(
            {
                "effective_on": _(
                    "%(village)s has a change recorded on %(date)s: a rename must come after it."
                )
                % {"village": village.name, "date": later.isoformat()}
            }
        )
    event = _event_create(
        actor=actor,
        kind=PlaceEvent.Kind.RENAME,
        effective_on=effective_on,
        document_number=document_number,
        document_title=document_title,
        note=note,
        document=document,
    )
    PlaceEventVillage.objects.bulk_create(
        [
            PlaceEventVillage(event=event, village=village, side="before", name=village.name),
            PlaceEventVillage(event=event, village=village, side="after", name=name),
        ]
    )
    village.name = name
    village._history_user = actor
    village.save(update_fields=["name", "updated_at"])
    return event


def _new_villages(new_villages: list[dict], day: dt.date, field: str) -> list[Village]:
    """Unsaved villages from the dicts (township, code, name), checked like any village."""
    made = []
    for values in new_villages:
        village = Village(
            township=values["township"],
            code=(values.get("code") or "").strip(),
            name=(values.get("name") or "").strip(),
            valid_from=day,
        )
        try:
            village.full_clean(exclude=["urban_rural_code", "code_source", "code_year"])
        except ValidationError as error:
            messages = "；".join(
                message for messages in error.message_dict.values() for message in messages
            )
            raise ValidationError(
                {
                    field: _("New village %(code)s %(name)s: %(reason)s")
                    % {"code": village.code, "name": village.name, "reason": messages}
                }
            ) from error
        made.append(village)
    codes = [village.code for village in made]
    names = [(village.township_id, village.name) for village in made]
    if len(set(codes)) < len(codes) or len(set(names)) < len(names):
        raise ValidationError({field: _("Two new villages have the same code or name.")})
    return made


@transaction.atomic
def villages_merge(
    *,
    actor,
    sources: list[Village],
    target: Village | None = None,
    new_village: dict | None = None,
    effective_on: dt.date,
    document_number: str,
    document_title: str = "",
    note: str = "",
    document: UploadedFile | None = None,
    post_targets: dict[int, int | None] | None = None,
) -> PlaceEvent:
    """``sources`` merge into ``target`` (an existing village) or into a village created from
    ``new_village`` (township, code, name) on ``effective_on``. ``post_targets`` may end a
    serving post with the merger instead of carrying it over (post id → None), where the
    village that follows cannot have two holders (two secretaries)."""
    require_perm(actor, EVENT_PERM)
    if (target is None) == (new_village is None):
        raise ValidationError(
            {"target": _("Choose the village they merge into, or give the new village.")}
        )
    return _reorganize(
        actor=actor,
        kind=PlaceEvent.Kind.MERGER,
        sources=sources,
        targets=[target] if target is not None else [],
        new_villages=[new_village] if new_village is not None else [],
        effective_on=effective_on,
        event_fields={
            "document_number": document_number,
            "document_title": document_title,
            "note": note,
            "document": document,
        },
        post_targets=post_targets or {},
        record_targets={},
    )


@transaction.atomic
def village_split(
    *,
    actor,
    source: Village,
    targets: list[Village] = (),
    new_villages: list[dict] = (),
    effective_on: dt.date,
    document_number: str,
    document_title: str = "",
    note: str = "",
    document: UploadedFile | None = None,
    post_targets: dict[int, int | None] | None = None,
    record_targets: dict[str, int] | None = None,
) -> PlaceEvent:
    """``source`` ends and becomes the existing ``targets`` and the ``new_villages``, in that
    order (the indexes of ``post_targets`` and ``record_targets``). Each serving post goes
    to the village its index names (None: it ends with the split; a group leader's post
    follows the villager groups); each kind of open record (the villager groups included,
    key ``groups``) goes whole to the village its index names, the first by default."""
    require_perm(actor, EVENT_PERM)
    if len(targets) + len(new_villages) < 2:
        raise ValidationError({"targets": _("A village splits into two villages or more.")})
    return _reorganize(
        actor=actor,
        kind=PlaceEvent.Kind.SPLIT,
        sources=[source],
        targets=list(targets),
        new_villages=list(new_villages),
        effective_on=effective_on,
        event_fields={
            "document_number": document_number,
            "document_title": document_title,
            "note": note,
            "document": document,
        },
        post_targets=post_targets or {},
        record_targets=record_targets or {},
    )


def _reorganize(
    *,
    actor,
    kind: str,
    sources: list[Village],
    targets: list[Village],
    new_villages: list[dict],
    effective_on: dt.date,
    event_fields: dict,
    post_targets: dict[int, int | None],
    record_targets: dict[str, int],
) -> PlaceEvent:
    day = effective_on
    _check_day(day)
    if not sources:
        raise ValidationError({"sources": _("Choose the villages that end.")})
    if len({village.pk for village in sources}) < len(sources) or len(
        {village.pk for village in targets}
    ) < len(targets):
        raise ValidationError({"sources": _("A village is chosen twice.")})
    source_ids = [village.pk for village in sources]
    if {village.pk for village in targets} & set(source_ids):
        raise ValidationError(
            {"targets": _("A village that ends cannot also be one that follows.")}
        )
    sources = _locked_open(sources, day, "sources")
    targets = _locked_open(targets, day, "targets") if targets else []
    count = len(targets) + len(new_villages)
    for index in [*post_targets.values(), *record_targets.values()]:
        if index is not None and not 0 <= index < count:
            raise ValidationError(_("A post or record is sent to a village not in the change."))
    event = _event_create(actor=actor, kind=kind, effective_on=day, **event_fields)
    now = timezone.now()
    update_alike_with_history(
        sources,
        Village,
        {"valid_to": day - dt.timedelta(days=1), "updated_at": now},
        actor=actor,
    )
    # Checked once the villages that end have freed their names: a new village may take one.
    made = _new_villages(new_villages, day, "new_villages")
    if made:
        made = bulk_create_with_history(made, Village, default_user=actor)
    following = [*targets, *made]
    PlaceEventVillage.objects.bulk_create(
        [PlaceEventVillage(event=event, village=v, side="before", name=v.name) for v in sources]
        + [
            PlaceEventVillage(event=event, village=v, side="after", name=v.name, created=v in made)
            for v in following
        ]
    )
    moved: dict[str, list[dict]] = {}
    group_target = following[record_targets.get(GROUPS, 0)]
    groups = _groups_move(actor, source_ids, group_target, sources, now)
    if groups:
        moved[GROUPS] = [{"to": group_target.pk, "ids": groups}]
    reason = Post.EndReason.MERGER if kind == PlaceEvent.Kind.MERGER else Post.EndReason.SPLIT
    moved[POSTS] = _posts_carry(
        actor, source_ids, following, group_target, day, post_targets, reason, now
    )
    for records in open_record_kinds():
        to = following[record_targets.get(records.key, 0)]
        rows = records.rows(source_ids, day)
        moves = [(to, rows)]
        if records.group_field and group_target != to:
            about_a_group = Q(**{f"{records.group_field}__isnull": False})
            moves = [(to, rows.exclude(about_a_group)), (group_target, rows.filter(about_a_group))]
        for destination, chosen in moves:
            ids = _records_move(records, chosen, destination, now)
            if ids:
                moved.setdefault(records.key, []).append({"to": destination.pk, "ids": ids})
    event.moved = moved
    event.save(update_fields=["moved", "updated_at"])
    return event


def _records_move(records: OpenRecords, rows: models.QuerySet, to: Village, now) -> list[int]:
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        return []
    values = {"village": to, "updated_at": now}
    if records.township_field:
        values[records.township_field] = to.township_id
    try:
        with transaction.atomic():
            records.model._base_manager.filter(pk__in=ids).update(**values)
    except IntegrityError as error:
        raise ValidationError(
            _(
                "The open records “%(kind)s” cannot move to %(village)s: it already has "
                "one for the same period or person. Settle them first."
            )
            % {"kind": records.label, "village": to.name}
        ) from error
    return ids


def _groups_move(actor, source_ids, target: Village, sources, now) -> list[int]:
    groups = list(
        VillagerGroup.objects.select_for_update()
        .filter(village__in=source_ids, valid_to__isnull=True)
        .order_by("village_id", "number", "pk")
    )
    if not groups:
        return []
    names = {village.pk: village.name for village in sources}
    taken = set(
        VillagerGroup.objects.filter(village=target, valid_to__isnull=True).values_list(
            "name", flat=True
        )
    )
    for group in groups:
        if group.name in taken:
            group.name = f"{names[group.village_id]}{group.name}"
        taken.add(group.name)
        group.village = target
        group.updated_at = now
    bulk_update_with_history(
        groups, VillagerGroup, ["village", "name", "updated_at"], default_user=actor
    )
    return [group.pk for group in groups]


def _posts_carry(
    actor,
    source_ids: list[int],
    following: list[Village],
    group_target: Village,
    day: dt.date,
    post_targets: dict[int, int | None],
    reason: str,
    now,
) -> list[dict]:
    posts = _carried_posts(source_ids, day, lock=True)
    # Who already holds the single-holder posts of each following village (one query).
    taken: dict[int, set[tuple]] = {village.pk: set() for village in following}
    existing = Post.objects.filter(village__in=[v.pk for v in following if v.pk]).filter(
        ended_on__isnull=True
    )
    for village_id, person_id, body, title, group_id in existing.values_list(
        "village_id", "person_id", "body", "title", "villager_group_id"
    ):
        taken[village_id] |= _single_holder_keys(body, title, group_id) | {
            ("person", person_id, body, title)
        }
    ending, starting, moving, ended_only = [], [], [], []
    for post in posts:
        index = post_targets.get(post.pk, 0)
        if index is None:
            to = None
        elif post.body == Post.Body.VILLAGER_GROUP:
            to = group_target
        else:
            to = following[index]
        if to is not None:
            keys = _single_holder_keys(post.body, post.title, post.villager_group_id) | {
                ("person", post.person_id, post.body, post.title)
            }
            if keys & taken[to.pk]:
                raise ValidationError(
                    _(
                        "%(village)s would have two holders of the post %(post)s (%(name)s is "
                        "one): choose which post ends with the change."
                    )
                    % {
                        "village": to.name,
                        "post": f"{post.get_body_display()}{post.get_title_display()}",
                        "name": post.person.name,
                    }
                )
            taken[to.pk] |= keys
        if post.term_start >= day:
            if to is None:
                raise ValidationError(
                    _("The post of %(name)s starts on or after the change: it cannot end with it.")
                    % {"name": post.person.name}
                )
            post.village = to
            post.updated_at = now
            moving.append(post)
            continue
        if to is not None:
            starting.append(
                Post(
                    person=post.person,
                    village=to,
                    villager_group=post.villager_group,
                    body=post.body,
                    title=post.title,
                    term_start=day,
                    term_end=post.term_end,
                    term_end_precision=post.term_end_precision,
                    ended_on=post.ended_on,
                    end_reason=post.end_reason,
                    end_note=post.end_note,
                    origin=post.origin,
                    vetted=post.vetted,
                )
            )
        else:
            ended_only.append(post.pk)
        ending.append(post)
    update_alike_with_history(
        ending,
        Post,
        {"ended_on": day, "end_reason": reason, "end_note": "", "updated_at": now},
        actor=actor,
    )
    if moving:
        bulk_update_with_history(
            moving, Post, ["village", "updated_at"], batch_size=500, default_user=actor
        )
    started = []
    if starting:
        try:
            with transaction.atomic():
                started = bulk_create_with_history(
                    starting, Post, batch_size=500, default_user=actor
                )
        except IntegrityError as error:
            raise ValidationError(
                _("Someone else changed these villages' posts at the same time; try again.")
            ) from error
    entries = []
    for village in following:
        ids = [p.pk for p in started if p.village_id == village.pk]
        ids += [p.pk for p in moving if p.village_id == village.pk]
        if ids:
            entries.append({"to": village.pk, "ids": ids})
    if ended_only:
        entries.append({"to": None, "ids": ended_only})
    return entries


# 5. Reading events ---------------------------------------------------------------------------


def event_kind_labels() -> dict[str, str]:
    labels = {POSTS: str(_("Serving posts")), GROUPS: str(_("Villager groups"))}
    labels.update({kind.key: str(kind.label) for kind in open_record_kinds()})
    return labels


def event_moved_rows(event: PlaceEvent) -> list[tuple[str, int, str]]:
    """(kind, count, village it went to) of what the event moved, for its page."""
    labels = event_kind_labels()
    ids = {entry["to"] for entries in event.moved.values() for entry in entries if entry["to"]}
    names = dict(Village.objects.filter(pk__in=ids).values_list("pk", "name"))
    ended = str(_("ended with the change"))
    return [
        (labels.get(key, key), len(entry["ids"]), names.get(entry["to"], ended))
        for key, entries in event.moved.items()
        for entry in entries
    ]
