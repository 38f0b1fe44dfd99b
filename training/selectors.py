"""Reads for training: who sees which session and round, round targets, coverage."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cadres.models import Post
from cadres.scoping import can_access_township, scope, sees_all_townships, user_townships
from training.models import Attendance, DailyStudy, Round, Session

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=8, decimal_places=1))


def sessions_for(user) -> QuerySet[Session]:
    """Sessions the user may see: their townships' own, and district sessions that reach them."""
    if sees_all_townships(user):
        return Session.objects.all()
    townships = user_townships(user).values("pk")
    reached = Session.townships.through.objects.filter(township__in=townships)
    return Session.objects.filter(
        Q(organizer__in=townships)
        | Q(organizer__isnull=True, reach=Session.Reach.DISTRICT)
        | Q(organizer__isnull=True, pk__in=reached.values("session_id"))
    )


def rounds_for(user) -> QuerySet[Round]:
    """Rounds the user may see: their townships' own, and district rounds that target them."""
    if sees_all_townships(user):
        return Round.objects.all()
    townships = user_townships(user).values("pk")
    targeted = Round.target_townships.through.objects.filter(township__in=townships)
    return Round.objects.filter(
        Q(organizer__in=townships)
        | Q(organizer__isnull=True)
        & (~Exists(Round.target_townships.through.objects.filter(round=OuterRef("pk"))))
        | Q(organizer__isnull=True, pk__in=targeted.values("round_id"))
    )


def can_manage(user, obj: Session | Round) -> bool:
    """Whether the user may change a session or round, its roster and its attendance."""
    if obj.organizer_id is None:
        return user.has_perm("training.organize_district")
    codename = "change_session" if isinstance(obj, Session) else "change_round"
    return user.has_perm(f"training.{codename}") and can_access_township(user, obj.organizer_id)


def session_posts(session: Session, user) -> QuerySet[Post]:
    """Serving posts of the people the session may invite and the user may see."""
    posts = scope(Post.objects.serving(), user)
    if session.organizer_id is not None:
        return posts.filter(village__township=session.organizer_id)
    if session.reach == Session.Reach.TOWNSHIPS:
        return posts.filter(village__township__in=session.townships.values("pk"))
    return posts


def first_post_per_person(posts: QuerySet[Post]) -> QuerySet[Post]:
    """One post per person (their lowest-numbered among ``posts``): a person counts once."""
    earlier = posts.model.objects.filter(pk__in=posts.values("pk")).filter(
        person=OuterRef("person"), pk__lt=OuterRef("pk")
    )
    return posts.exclude(Exists(earlier))


def round_target(round_: Round, user) -> QuerySet[Post]:
    """The round's target population within the user's scope, one post per person."""
    posts = scope(Post.objects.serving(), user)
    if round_.organizer_id is not None:
        posts = posts.filter(village__township=round_.organizer_id)
    else:
        targets = round_.target_townships.values("pk")
        if targets.exists():
            posts = posts.filter(village__township__in=targets)
    if round_.target_bodies:
        posts = posts.filter(body__in=round_.target_bodies)
    if round_.target_titles:
        posts = posts.filter(title__in=round_.target_titles)
    return first_post_per_person(posts)


def _count_sub(attendances: QuerySet[Attendance]):
    return Coalesce(
        Subquery(
            attendances.filter(person=OuterRef("person"))
            .order_by()
            .values("person")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _with_coverage(
    posts: QuerySet[Post], attendances: QuerySet[Attendance], studies: QuerySet[DailyStudy]
) -> QuerySet[Post]:
    present = attendances.filter(status=Attendance.Status.PRESENT)
    session_hours = Subquery(
        present.filter(person=OuterRef("person"))
        .order_by()
        .values("person")
        .annotate(h=Sum("session__hours"))
        .values("h"),
        output_field=DecimalField(max_digits=8, decimal_places=1),
    )
    study_hours = Subquery(
        studies.filter(person=OuterRef("person"))
        .order_by()
        .values("person")
        .annotate(h=Sum("hours"))
        .values("h"),
        output_field=DecimalField(max_digits=8, decimal_places=1),
    )
    return (
        posts.select_related("person", "village__township")
        .annotate(
            invited=_count_sub(attendances),
            present=_count_sub(present),
            session_hours=Coalesce(session_hours, ZERO),
            study_hours=Coalesce(study_hours, ZERO),
        )
        .annotate(total_hours=F("session_hours") + F("study_hours"))
        .order_by(
            "village__township__code", "village__code", "person__name_key__pinyin_order", "pk"
        )
    )


def round_coverage(round_: Round, user) -> QuerySet[Post]:
    """The round's target, one row per person: invitations, attendance and hours in the round.

    A person is trained once present at any session of the round.
    """
    attendances = Attendance.objects.filter(session__round=round_)
    return _with_coverage(round_target(round_, user), attendances, DailyStudy.objects.none())


def year_coverage(year: int, user) -> QuerySet[Post]:
    """Every serving cadre in the user's scope, one row per person, for a calendar year.

    Hours are credited hours of sessions attended plus recorded daily study; a
    person is trained in the year once they have any hours.
    """
    posts = first_post_per_person(scope(Post.objects.serving(), user))
    attendances = Attendance.objects.filter(session__starts_at__year=year)
    studies = DailyStudy.objects.filter(studied_on__year=year)
    return _with_coverage(posts, attendances, studies)


def year_trained_q(year: int, person: str = "person") -> Q:
    """Rows whose ``person`` was trained in the year by year_coverage's rule (any credited
    hours: a session attended, or daily study), as set membership (hashed by the database,
    not asked row by row)."""
    attended = Attendance.objects.filter(
        session__starts_at__year=year, status=Attendance.Status.PRESENT, session__hours__gt=0
    )
    studied = DailyStudy.objects.filter(studied_on__year=year, hours__gt=0)
    return Q(**{f"{person}__in": attended.values("person")}) | Q(
        **{f"{person}__in": studied.values("person")}
    )


def untrained(rows: QuerySet[Post]) -> QuerySet[Post]:
    """Rows of round_coverage / year_coverage with no hours at all."""
    return rows.filter(total_hours=0)


def coverage_summary(rows: QuerySet[Post], *, by_village: bool = True) -> tuple[list[dict], dict]:
    """Per township (and village) counts of a coverage queryset, and the totals.

    Each group: people, trained, untrained, hours, hours per person, invited,
    present and the attendance rate (present ÷ invited, the 实到/应到 of a roster).
    """
    keys = ["village__township__code", "village__township__name"]
    if by_village:
        keys += ["village__code", "village__name"]
    measures = {
        "people": Count("pk"),
        "trained": Count("pk", filter=Q(total_hours__gt=0)),
        "hours": Coalesce(Sum("total_hours"), ZERO),
        "invited_sum": Coalesce(Sum("invited"), 0),
        "present_sum": Coalesce(Sum("present"), 0),
    }
    groups = list(rows.order_by().values(*keys).annotate(**measures).order_by(*keys))
    # The groups share out every row, so the totals are their sums: a second pass over
    # the rows would cost as much again (a subquery per person for each measure).
    totals = {
        name: sum((group[name] for group in groups), Decimal(0) if name == "hours" else 0)
        for name in measures
    }
    for group in [*groups, totals]:
        _derive(group)
    return groups, totals


def _derive(group: dict) -> None:
    group["untrained"] = group["people"] - group["trained"]
    group["hours_per_person"] = (
        (group["hours"] / group["people"]).quantize(Decimal("0.1")) if group["people"] else None
    )
    group["attendance_rate"] = (
        round(100 * group["present_sum"] / group["invited_sum"], 1)
        if group["invited_sum"]
        else None
    )
    group["trained_rate"] = (
        round(100 * group["trained"] / group["people"], 1) if group["people"] else None
    )


def person_training(person, user) -> dict:
    """A person's training for their profile: sessions invited to, daily study, hours by year."""
    attendances = list(
        Attendance.objects.filter(person=person, session__in=sessions_for(user))
        .select_related("session")
        .order_by("-session__starts_at")
    )
    studies = list(DailyStudy.objects.filter(person=person).order_by("-studied_on", "-pk"))
    hours_by_year: dict[int, Decimal] = defaultdict(Decimal)
    for attendance in attendances:
        if attendance.status == Attendance.Status.PRESENT:
            year = timezone.localtime(attendance.session.starts_at).year
            hours_by_year[year] += attendance.session.hours
    for study in studies:
        hours_by_year[study.studied_on.year] += study.hours
    return {
        "attendances": attendances,
        "studies": studies,
        "hours_by_year": sorted(hours_by_year.items(), reverse=True),
    }
