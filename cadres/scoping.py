"""Township scoping: the one place that decides which rows a user may see.

Access to a township is a django-guardian object permission
(``cadres.access_township``) on the Township row, granted to a user or a group;
never a permission row per cadre. District roles hold the global
``cadres.view_all_townships`` and see everything. Every township-owned model
names its path to Township in a ``township_lookup`` class attribute: one lookup,
or a tuple of lookups of which any grants access.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from cadres.models import Township

T = TypeVar("T")

ACCESS_PERM = "cadres.access_township"
VIEW_ALL_PERM = "cadres.view_all_townships"


def sees_all_townships(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(VIEW_ALL_PERM)


def user_townships(user) -> QuerySet[Township]:
    """The townships whose records the user may see."""
    if not (user.is_authenticated and user.is_active):
        return Township.objects.none()
    if sees_all_townships(user):
        return Township.objects.all()
    if isinstance(user, TownshipReader):
        return Township.objects.filter(pk__in=user.township_ids)
    return get_objects_for_user(
        user, ACCESS_PERM, klass=Township, accept_global_perms=False, with_superuser=False
    )


def scope(queryset: QuerySet, user) -> QuerySet:
    """Restrict a queryset of a township-owned model to the user's townships."""
    if sees_all_townships(user):
        return queryset
    return in_townships(queryset, _township_ids(user))


def in_townships(queryset: QuerySet, townships: list[int]) -> QuerySet:
    """Restrict a queryset of a township-owned model to the rows of ``townships`` (ids)."""
    model = queryset.model
    lookups = model.township_lookup
    if isinstance(lookups, str):
        lookups = (lookups,)
    if len(lookups) == 1:
        return queryset.filter(_reaches(model, lookups[0].split(LOOKUP_SEP), townships))
    # Several paths (a person's posts, or their home village): one semi-join on the union
    # of their rows. Joined by OR, PostgreSQL would test every row of the table instead
    # of starting from the township's villages.
    rows = [_reaching_pks(model, lookup.split(LOOKUP_SEP), townships) for lookup in lookups]
    return queryset.filter(pk__in=rows[0].union(*rows[1:], all=True))


def _reaching_pks(model, path: list[str], townships: list[int]) -> QuerySet:
    """The pks of the rows of ``model`` that ``path`` leads to one of ``townships``.

    A path that starts across a one-to-many relation (a person's posts) gives the related
    rows' own column (the posts' person_id): the rows of ``model`` need not be read at all,
    and an index on the related table answers alone (a township's 9,000 people: 11 ms
    instead of 30 at 100,000 cadres).
    """
    field = model._meta.get_field(path[0])
    if field.one_to_many:
        related = field.related_model
        return (
            related._base_manager.filter(_reaches(related, path[1:], townships))
            .order_by()
            .values(field.field.attname)
        )
    return model._base_manager.filter(_reaches(model, path, townships)).order_by().values("pk")


def _township_ids(user) -> list[int]:
    """The user's townships, read once for each user object (in a web request, once a request).

    Literal ids, not a subquery: the planner then knows how few villages, posts and
    people a township has and starts from them; for a subquery it guesses most of them.
    """
    if isinstance(user, TownshipReader) and user.township_ids is not None:
        return user.township_ids
    if not hasattr(user, "_township_ids"):
        user._township_ids = list(user_townships(user).values_list("pk", flat=True))
    return user._township_ids


def _reaches(model, path: list[str], townships: list[int]) -> Q:
    """Rows of ``model`` whose ``path`` leads to one of ``townships``.

    Where the path crosses a one-to-many relation (a person's posts), that part
    becomes a semi-join on the related table alone: one row per object without
    DISTINCT (which would forbid select_for_update() and clash with some
    orderings), and without joining every post to every person, so that
    PostgreSQL can start from the few villages of a township and their posts.
    """
    current = model
    for index, name in enumerate(path):
        if name == "pk":
            break
        field = current._meta.get_field(name)
        if field.many_to_many:
            raise ImproperlyConfigured(f"{model.__name__}.township_lookup crosses {name}.")
        if field.one_to_many:
            related = field.related_model
            inner = related._base_manager.filter(
                _reaches(related, path[index + 1 :], townships)
            ).values(field.field.attname)
            key = [*path[:index], field.field.target_field.name, "in"]
            return Q(**{LOOKUP_SEP.join(key): inner})
        current = field.related_model
    return Q(**{LOOKUP_SEP.join([*path, "in"]): townships})


def township_user_ids(townships: Iterable[int]) -> dict[int, set[int]]:
    """The users granted each of ``townships`` (ids), directly or through a group: two
    queries for any number of townships. District roles, who see every township through
    the global permission, are not among them."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    keys = [str(pk) for pk in townships]
    found: dict[int, set[int]] = {int(key): set() for key in keys}
    granted = {
        "permission__codename": ACCESS_PERM.partition(".")[2],
        "permission__content_type__app_label": ACCESS_PERM.partition(".")[0],
        "content_type": ContentType.objects.get_for_model(Township),
        "object_pk__in": keys,
    }
    rows = [
        *UserObjectPermission.objects.filter(**granted).values_list("object_pk", "user_id"),
        *GroupObjectPermission.objects.filter(group__user__isnull=False, **granted).values_list(
            "object_pk", "group__user"
        ),
    ]
    for key, user_id in rows:
        found[int(key)].add(user_id)
    return found


def kept_today(name: str, user, on: dt.date, parts: list, count: Callable[[], T]) -> T:
    """What ``count`` gives for the user's townships on ``on``: today's is kept for
    ``FIGURES_CACHE_SECONDS`` for everyone who sees the same townships, another day's is
    counted each time. ``parts`` (JSON) name whatever else the figures depend on, such as
    the version of the rules in force, so that a new version is counted at once.

    For figures that would count the whole district at every request (a pass over every
    serving post, beyond a page's budget at 100,000 cadres) and that a page may show a few
    minutes old."""
    seconds = settings.FIGURES_CACHE_SECONDS
    if not seconds or on != timezone.localdate():
        return count()
    townships = sorted(user_townships(user).values_list("pk", flat=True))
    # Whether the user sees all townships names the figures' total (the district's, or 合计).
    described = [on.isoformat(), townships, sees_all_townships(user), *parts]
    key = f"{name}:" + hashlib.sha256(json.dumps(described).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = count()
        cache.set(key, figures, seconds)
    return figures


def can_access_township(user, township: Township | int) -> bool:
    township_id = township.pk if isinstance(township, Model) else township
    return sees_all_townships(user) or user_townships(user).filter(pk=township_id).exists()


def require_township(user, township: Township | int) -> None:
    """Raise PermissionDenied unless the user may work in the township (for services)."""
    require_townships(user, [township.pk if isinstance(township, Model) else township])


def require_townships(user, townships: Iterable[int]) -> None:
    """Raise PermissionDenied unless the user may work in every one of the townships (ids):
    one query for any number of them, none for a user who sees them all."""
    if sees_all_townships(user):
        return
    wanted = set(townships)
    if user_townships(user).filter(pk__in=wanted).count() < len(wanted):
        raise PermissionDenied


def township_access_set(*, user, townships: Iterable[Township]) -> None:
    """Make ``townships`` exactly the set the user was granted directly."""
    wanted = {t.pk: t for t in townships}
    current = {
        t.pk: t
        for t in get_objects_for_user(
            user,
            ACCESS_PERM,
            klass=Township,
            use_groups=False,
            accept_global_perms=False,
            with_superuser=False,
        )
    }
    user.__dict__.pop("_township_ids", None)
    with transaction.atomic():
        for pk in wanted.keys() - current.keys():
            assign_perm(ACCESS_PERM, user, wanted[pk])
        for pk in current.keys() - wanted.keys():
            remove_perm(ACCESS_PERM, user, current[pk])


def query_number(value: object) -> int | None:
    """A whole number (a key, a year) given in a query string or a form, or None for
    anything else: text, signs, other scripts' digits ("²".isdigit() holds, int() refuses
    it) and numbers too large for any key column."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def query_numbers(values: Iterable[object]) -> list[int]:
    """The keys among ``values`` (a form's ticked boxes), the rest left out."""
    return [pk for pk in map(query_number, values) if pk is not None]


def object_or_404(queryset: QuerySet, pk: object) -> Model:
    """The object of an already scoped queryset with a key taken from a query string, or 404:
    text that is not a number names no object, and must not become a server error."""
    key = query_number(pk)
    if key is None:
        raise Http404
    return get_object_or_404(queryset, pk=key)


def require_object(user, obj: Model) -> None:
    """Raise PermissionDenied unless the township-owned object is within the user's scope."""
    if not scope(type(obj)._base_manager.filter(pk=obj.pk), user).exists():
        raise PermissionDenied


class TownshipReader:
    """A reader that is not a login: work done by the system itself (the monthly workbook
    built by beat), or an external system reading through the API (dongchang.api).

    It only answers the questions scoping asks: it sees every township (``townships`` None)
    or the townships whose ids it was given, and holds no other permission.
    """

    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self, townships: Iterable[int] | None = None) -> None:
        self.township_ids = None if townships is None else sorted(set(townships))

    def has_perm(self, perm: str, obj=None) -> bool:
        return perm == VIEW_ALL_PERM and self.township_ids is None


WHOLE_DISTRICT = TownshipReader()
