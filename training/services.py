"""Every write to training goes through a function here.

Each service checks the actor's permission and township itself: a district
session or round needs ``training.organize_district``; a township's needs the
model permission and access to that township. Rosters only ever hold people
the actor may see.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cadres.error_workbook import REFUSED_WITH_ERRORS
from cadres.models import ImportFile, Person, Post, Township
from cadres.scoping import require_object, require_township, scope
from cadres.spreadsheets import SpreadsheetError
from training.models import Attendance, DailyStudy, Material, Round, Session
from training.selectors import can_manage, first_post_per_person, rounds_for, session_posts
from training.signin import signin_read

SESSION_FIELDS = {"title", "kind", "lecturer", "place", "starts_at", "ends_at", "hours", "topics"}
ROUND_FIELDS = {"title", "year", "description", "target_bodies", "target_titles"}
MAX_MATERIAL_BYTES = 50 * 1024 * 1024
# Handouts, slides, scans and recordings; never HTML or executables, even as downloads.
MATERIAL_SUFFIXES = {
    ".pdf",
    ".ofd",
    ".doc",
    ".docx",
    ".wps",
    ".ppt",
    ".pptx",
    ".dps",
    ".xls",
    ".xlsx",
    ".et",
    ".txt",
    ".jpg",
    ".jpeg",
    ".png",
    ".mp3",
    ".mp4",
    ".zip",
}


def _require_organize(actor, organizer: Township | None, model: str, action: str) -> None:
    if organizer is None:
        if not actor.has_perm("training.organize_district"):
            raise PermissionDenied
        return
    if not actor.has_perm(f"training.{action}_{model}"):
        raise PermissionDenied
    require_township(actor, organizer)


def _require_manage(actor, obj: Session | Round) -> None:
    if not can_manage(actor, obj):
        raise PermissionDenied


def _check_round(actor, round_: Round | None, organizer: Township | None) -> None:
    if round_ is None:
        return
    if not rounds_for(actor).filter(pk=round_.pk).exists():
        raise PermissionDenied
    if round_.organizer_id is not None and round_.organizer_id != getattr(organizer, "pk", None):
        raise ValidationError({"round": _("A township's round only holds its own sessions.")})


def _set_reach(session: Session, townships: Iterable[Township]) -> None:
    townships = list(townships)
    if session.organizer_id is not None:
        # A township session reaches its own township, whatever was asked.
        session.reach = Session.Reach.TOWNSHIPS
        townships = [session.organizer]
    elif session.reach == Session.Reach.DISTRICT:
        townships = []
    elif not townships:
        raise ValidationError({"townships": _("Choose the townships the session is for.")})
    session.full_clean()
    session.save()
    session.townships.set(townships)


@transaction.atomic
def session_create(
    *,
    actor,
    title: str,
    kind: str,
    organizer: Township | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hours: Decimal,
    lecturer: str = "",
    place: str = "",
    topics: str = "",
    reach: str = Session.Reach.DISTRICT,
    townships: Iterable[Township] = (),
    round: Round | None = None,
) -> Session:
    _require_organize(actor, organizer, "session", "add")
    _check_round(actor, round, organizer)
    session = Session(
        title=title,
        kind=kind,
        organizer=organizer,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        lecturer=lecturer,
        place=place,
        topics=topics,
        reach=reach,
        round=round,
    )
    _set_reach(session, townships)
    return session


@transaction.atomic
def session_update(
    *, actor, session: Session, townships: Iterable[Township] | None = None, **fields
) -> Session:
    """Change a session's details; its organizer never changes."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    if "round" in fields:
        _check_round(actor, fields["round"], session.organizer)
        session.round = fields.pop("round")
    if "reach" in fields:
        session.reach = fields.pop("reach")
    unknown = fields.keys() - SESSION_FIELDS
    if unknown:
        raise TypeError(f"session_update: unknown fields {sorted(unknown)}")
    for key, value in fields.items():
        setattr(session, key, value)
    _set_reach(session, session.townships.all() if townships is None else townships)
    return session


@transaction.atomic
def session_delete(*, actor, session: Session) -> None:
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    if session.attendances.exclude(status=Attendance.Status.INVITED).exists():
        raise ValidationError(
            _("Attendance has been recorded; the session can no longer be deleted.")
        )
    files = [(m.file.storage, m.file.name) for m in session.materials.all()]
    session.delete()
    # Files go only once the rows are surely gone.
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


@transaction.atomic
def material_add(*, actor, session: Session, upload: UploadedFile) -> Material:
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    if upload.size > MAX_MATERIAL_BYTES:
        raise ValidationError({"file": _("A material may be at most 50 MB.")})
    if Path(upload.name).suffix.lower() not in MATERIAL_SUFFIXES:
        raise ValidationError(
            {
                "file": _("Materials may be %(suffixes)s files.")
                % {"suffixes": "、".join(sorted(s.lstrip(".") for s in MATERIAL_SUFFIXES))}
            }
        )
    material = Material(
        session=session,
        original_name=upload.name[-255:],
        size=upload.size,
        uploaded_by=actor,
    )
    material.file.save(upload.name, upload, save=False)
    try:
        material.save()
    except Exception:
        material.file.delete(save=False)
        raise
    return material


@transaction.atomic
def material_delete(*, actor, material: Material) -> None:
    material = Material.objects.select_related("session").get(pk=material.pk)
    _require_manage(actor, material.session)
    name, storage = material.file.name, material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _clean_targets(target_bodies: Iterable[str], target_titles: Iterable[str]) -> tuple[list, list]:
    bodies = [b for b in target_bodies if b]
    titles = [t for t in target_titles if t]
    if set(bodies) - set(Post.Body.values) or set(titles) - set(Post.Title.values):
        raise ValidationError(_("Unknown body or title in the target population."))
    return bodies, titles


@transaction.atomic
def round_create(
    *,
    actor,
    title: str,
    organizer: Township | None,
    year: int,
    target_townships: Iterable[Township] = (),
    target_bodies: Iterable[str] = (),
    target_titles: Iterable[str] = (),
    description: str = "",
) -> Round:
    _require_organize(actor, organizer, "round", "add")
    bodies, titles = _clean_targets(target_bodies, target_titles)
    round_ = Round(
        title=title,
        organizer=organizer,
        year=year,
        target_bodies=bodies,
        target_titles=titles,
        description=description,
    )
    round_.full_clean()
    round_.save()
    round_.target_townships.set([] if organizer is not None else list(target_townships))
    return round_


@transaction.atomic
def round_update(
    *, actor, round_: Round, target_townships: Iterable[Township] | None = None, **fields
) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    _require_manage(actor, round_)
    unknown = fields.keys() - ROUND_FIELDS
    if unknown:
        raise TypeError(f"round_update: unknown fields {sorted(unknown)}")
    bodies, titles = _clean_targets(
        fields.pop("target_bodies", round_.target_bodies),
        fields.pop("target_titles", round_.target_titles),
    )
    round_.target_bodies, round_.target_titles = bodies, titles
    for key, value in fields.items():
        setattr(round_, key, value)
    round_.full_clean()
    round_.save()
    if target_townships is not None and round_.organizer_id is None:
        round_.target_townships.set(list(target_townships))
    return round_


def _add_to_roster(actor, session: Session, posts: QuerySet[Post]) -> int:
    already = Attendance.objects.filter(session=session).values("person_id")
    rows = [
        Attendance(session=session, person_id=person_id, village_id=village_id)
        for person_id, village_id in first_post_per_person(posts)
        .exclude(person__in=already)
        .values_list("person_id", "village_id")
    ]
    bulk_create_with_history(rows, Attendance, batch_size=500, default_user=actor)
    return len(rows)


@transaction.atomic
def roster_add_matching(
    *,
    actor,
    session: Session,
    townships: Iterable[Township] = (),
    villages: Iterable = (),
    bodies: Iterable[str] = (),
    titles: Iterable[str] = (),
) -> int:
    """Invite every serving cadre matching the filters; returns how many were added."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    posts = session_posts(session, actor)
    townships, villages = list(townships), list(villages)
    if townships:
        posts = posts.filter(village__township__in=townships)
    if villages:
        posts = posts.filter(village__in=villages)
    bodies, titles = _clean_targets(bodies, titles)
    if bodies:
        posts = posts.filter(body__in=bodies)
    if titles:
        posts = posts.filter(title__in=titles)
    return _add_to_roster(actor, session, posts)


@transaction.atomic
def roster_add_people(*, actor, session: Session, people: Iterable[Person]) -> int:
    """Invite people picked by hand; each must be a serving cadre the actor may invite."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    wanted = {getattr(p, "pk", p) for p in people}
    posts = session_posts(session, actor).filter(person__in=wanted)
    if set(posts.values_list("person_id", flat=True)) != wanted:
        raise PermissionDenied
    return _add_to_roster(actor, session, posts)


@transaction.atomic
def roster_remove(*, actor, session: Session, attendance_ids: Iterable[int]) -> int:
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    rows = scope(Attendance.objects.filter(session=session, pk__in=list(attendance_ids)), actor)
    deleted, _detail = rows.delete()
    return deleted


@transaction.atomic
def attendance_mark(*, actor, session: Session, statuses: Mapping[int, str]) -> int:
    """Mark many roster rows at once (attendance id → status); returns how many changed.

    One locked read, then per status one UPDATE and one history INSERT: the
    query count does not depend on the roster's size.
    """
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    if set(statuses.values()) - set(Attendance.Status.values):
        raise ValidationError(_("Unknown attendance status."))
    current = dict(
        scope(Attendance.objects.filter(session=session, pk__in=list(statuses)), actor)
        .select_for_update()
        .values_list("pk", "status")
    )
    if len(current) != len(statuses):
        raise ValidationError(_("Some people are no longer on this roster; reload the page."))
    return _mark(actor, current, statuses)


def _mark(actor, current: Mapping[int, str], statuses: Mapping[int, str]) -> int:
    changes: dict[str, list[int]] = defaultdict(list)
    for pk, status in statuses.items():
        if current[pk] != status:
            changes[status].append(pk)
    now = timezone.now()
    for status, ids in changes.items():
        Attendance.objects.filter(pk__in=ids).update(status=status, updated_at=now)
        _history_copy(Attendance, ids, actor=actor, when=now)
    return sum(len(ids) for ids in changes.values())


@transaction.atomic
def attendance_import(
    *,
    actor,
    session: Session,
    import_file: ImportFile,
    resolutions: Mapping[int, int | None],
    skip_errors: bool = False,
) -> dict:
    """Apply a sign-in sheet: matched rows, plus unmatched rows resolved by the user.

    ``resolutions`` maps each unmatched row number to the chosen person's id, or
    None to ignore the row; every unmatched row must be resolved. People not yet
    on the roster are added. All or nothing. A sheet with rows in error is refused
    unless ``skip_errors`` (导入无误的行，跳过有误的行): those rows are then skipped.
    """
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manage(actor, session)
    if import_file.kind != ImportFile.Kind.ATTENDANCE or import_file.uploaded_by_id != actor.pk:
        raise PermissionDenied
    try:
        sheet = signin_read(import_file.file, session=session, user=actor)
    except SpreadsheetError as error:
        raise ValidationError(str(error)) from error
    if sheet.failed and not skip_errors:
        raise ValidationError(REFUSED_WITH_ERRORS % {"count": len(sheet.failed)})
    open_rows = sorted({u.row for u in sheet.unmatched} - resolutions.keys())
    if open_rows:
        raise ValidationError(
            _("Choose a person or ignore rows %(rows)s.")
            % {"rows": "、".join(str(r) for r in open_rows)}
        )
    wanted = {m.post.person_id: m.status for m in sheet.matched}
    statuses = {u.row: u.status for u in sheet.unmatched}
    for row, person_id in resolutions.items():
        if person_id is not None and row in statuses:
            wanted.setdefault(person_id, statuses[row])
    posts = session_posts(session, actor).filter(person__in=wanted)
    if set(posts.values_list("person_id", flat=True)) != wanted.keys():
        raise PermissionDenied
    added = _add_to_roster(actor, session, posts)
    current = {
        person_id: (pk, status)
        for pk, person_id, status in Attendance.objects.filter(
            session=session, person__in=wanted
        ).values_list("pk", "person_id", "status")
    }
    changed = _mark(
        actor,
        dict(current.values()),
        {current[person_id][0]: status for person_id, status in wanted.items()},
    )
    summary = {
        "matched": len(sheet.matched),
        "resolved": sum(1 for v in resolutions.values() if v is not None),
        "ignored": sum(1 for v in resolutions.values() if v is None),
        "added": added,
        "changed": changed,
        "skipped": len(sheet.failed),
    }
    import_file.status = ImportFile.Status.IMPORTED
    import_file.summary = summary
    import_file.save(update_fields=["status", "summary", "updated_at"])
    return summary


def _history_copy(model, ids: list[int], *, actor, when) -> None:
    """Record the current state of many rows as "changed" in one INSERT … SELECT.

    simple-history's bulk helper inserts in batches that SQLite's 999-parameter
    limit keeps small, so its query count would grow with the roster.
    """
    history = model.history.model
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in model._meta.concrete_fields]
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608 (names from _meta)
        f"({', '.join(columns + [quote(c) for c in extra])}) "
        f"SELECT {', '.join(columns)}, %s, NULL, %s, %s FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(when), "~", actor.pk, *ids])


@transaction.atomic
def daily_study_record(
    *, actor, person: Person, topic: str, studied_on: dt.date, hours: Decimal
) -> DailyStudy:
    if not actor.has_perm("training.add_dailystudy"):
        raise PermissionDenied
    require_object(actor, person)
    if studied_on > timezone.localdate():
        raise ValidationError({"studied_on": _("The date is in the future.")})
    study = DailyStudy(
        person=person, topic=topic, studied_on=studied_on, hours=hours, recorded_by=actor
    )
    study.full_clean()
    study.save()
    return study


@transaction.atomic
def daily_study_delete(*, actor, study: DailyStudy) -> None:
    study = DailyStudy.objects.select_for_update().get(pk=study.pk)
    if not actor.has_perm("training.delete_dailystudy"):
        raise PermissionDenied
    require_object(actor, study)
    study.delete()
