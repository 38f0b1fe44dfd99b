"""The read-only API (issue 24): every resource a client system may read, scoped to its
townships, one scope each; every call logged (``ApiCallLog``), every full ID number sent
written to the access log, one entry per person."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from types import SimpleNamespace

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, mixins
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from cadres.choices import Light
from cadres.filters import PersonFilter
from cadres.identity import mask_id_number, name_key, normalize_id_number
from cadres.models import AccessLogEntry, Person, Post, Township, Village
from cadres.scoping import scope, user_townships
from cadres.services import access_log_append_many
from cadres.structure import team_structure
from dongchang.api import serializers
from dongchang.api.auth import ApiReader, TokenAuthentication
from dongchang.api.models import Scope
from dongchang.api.permissions import HasScope
from dongchang.api.problems import told
from dongchang.api.services import api_call_record
from dongchang.api.throttling import TokenRateThrottle
from dongchang.models import WarningLight
from vetting.models import CandidateCase, DepartmentOpinion, Hit

_ID_LIKE = re.compile(r"\d{17}[\dXx]|\d{15}")


def masked_params(params: QueryDict) -> dict:
    """The query's parameters for the call log, with anything like an ID number masked."""
    return {
        key: [mask_id_number(v) if _ID_LIKE.fullmatch(v.strip()) else v[:100] for v in values]
        for key, values in params.lists()
    }


class Pages(CursorPagination):
    """Cursor pages in key order: stable while rows are added, and constant queries."""

    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiView(generics.GenericAPIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [TokenRateThrottle]
    pagination_class = Pages
    required_scope: str = ""
    returned_count: int | None = None

    @property
    def reader(self) -> ApiReader:
        return self.request.user

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated()
        raise told(exceptions.PermissionDenied, HasScope.message)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = dt.date.today()  # as cadres.models.serving_q
        reader = self.request.user
        context["reveal"] = isinstance(reader, ApiReader) and Scope.REVEAL in reader.scopes
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Personal data, and refusals alike: never kept by a cache (a refused token leaves
        # the request anonymous, so NoStoreMiddleware would not add it).
        add_never_cache_headers(response)
        token = getattr(request, "_auth", None)
        if token is not None:
            api_call_record(
                token=token,
                method=request.method,
                endpoint=request.path,
                params=masked_params(request.query_params),
                status=response.status_code,
                count=self.returned_count if response.status_code < 400 else None,
            )
        return response

    def choice(self, name: str, choices) -> str | None:
        """A query parameter that must be one of ``choices`` (values), or None if absent."""
        value = self.request.query_params.get(name)
        if value in (None, ""):
            return None
        if value not in [str(c) for c in choices]:
            raise exceptions.ValidationError(
                {name: [_("Not one of: %(choices)s.") % {"choices": ", ".join(map(str, choices))}]}
            )
        return value

    def log_reveals(self, objs, *, action=AccessLogEntry.Action.REVEAL_ID) -> None:
        """One access-log entry per object whose full ID number (or hit) the response sends,
        in the name of the client's owner."""
        objs = list(objs)
        if objs:
            access_log_append_many(
                user=self.reader.client.owner,
                action=action,
                objs=objs,
                detail=f"API: {self.reader.client.name}",
            )

    def paged(self, queryset, *, reveal_ids: bool = False, action=None) -> Response:
        page = self.paginate_queryset(queryset)
        data = self.get_serializer(page, many=True).data
        self.returned_count = len(page)
        if reveal_ids and self.get_serializer_context()["reveal"]:
            self.log_reveals(o for o in page if o.id_number)
        if action is not None:
            self.log_reveals(page, action=action)
        return self.get_paginated_response(data)


class ApiListView(mixins.ListModelMixin, ApiView):
    """A list in cursor pages: the subclass's ``list`` gives ``self.paged(queryset)``."""

    def get(self, request):
        return self.list(request)


def _place_params(reader, params: QueryDict) -> QueryDict:
    """The query with township and village given by their statistical codes turned into the
    keys the register's filters take; a code outside the client's townships finds nothing."""
    data = params.copy()
    for name, model, places in (
        ("township", Township, user_townships(reader)),
        ("village", Village, scope(Village.objects.all(), reader)),
    ):
        code = data.get(name)
        if code:
            key = places.filter(code=code).values_list("pk", flat=True).first()
            if key is None:
                raise exceptions.ValidationError(
                    {name: [_("No %(place)s has this code.") % {"place": model._meta.verbose_name}]}
                )
            data[name] = str(key)
    return data


def cadres_queryset(reader) -> QuerySet[Person]:
    """The people who hold or held a post in the client's townships, each with those posts
    (``api_posts``); a post held elsewhere is not the client's to read."""
    posts = scope(Post.objects.select_related("village__township"), reader)
    return (
        scope(Person.objects.filter(pk__in=Post.objects.values("person_id")), reader)
        .prefetch_related(
            Prefetch("posts", queryset=posts.order_by("term_start", "pk"), to_attr="api_posts")
        )
        .order_by("pk")
    )


_CADRE_FILTERS = [
    OpenApiParameter("township", str, description="Township code (9 digits)."),
    OpenApiParameter("village", str, description="Village code (12 digits)."),
    OpenApiParameter("body", str, enum=Post.Body.values),
    OpenApiParameter("title", str, enum=Post.Title.values),
    OpenApiParameter("status", str, enum=["serving", "former"]),
]


@extend_schema(parameters=_CADRE_FILTERS)
class CadreList(ApiListView):
    """Serving and former cadres with their posts."""

    required_scope = Scope.CADRES
    serializer_class = serializers.CadreSerializer

    def list(self, request):
        data = _place_params(self.reader, request.query_params)
        # The register's own filters (cadres.filters), on the client's people.
        filters = PersonFilter(
            data,
            queryset=cadres_queryset(self.reader),
            request=SimpleNamespace(user=self.reader, GET=data),
        )
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        return self.paged(filters.qs, reveal_ids=True)


class CadreDetail(ApiView):
    required_scope = Scope.CADRES
    serializer_class = serializers.CadreSerializer

    def get(self, request, pk: int):
        person = generics.get_object_or_404(cadres_queryset(self.reader), pk=pk)
        data = self.get_serializer(person).data
        self.returned_count = 1
        if self.get_serializer_context()["reveal"] and person.id_number:
            self.log_reveals([person])
        return Response(data)


class CadreLookup(ApiView):
    """One cadre by full ID number, or by name and birth date (there may be several)."""

    required_scope = Scope.CADRES
    serializer_class = serializers.CadreSerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("id_number", str, description="The full ID number (18 or 15)."),
            OpenApiParameter("name", str),
            OpenApiParameter("birth_date", OpenApiTypes.DATE),
        ],
        responses=serializers.CadreSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        people = cadres_queryset(self.reader)
        if params.get("id_number"):
            number = normalize_id_number(params["id_number"])
            if not number.value:
                raise told(
                    exceptions.ParseError,
                    _("The ID number is not valid: %(reason)s"),
                    reason=number.errors[0],
                )
            people = people.filter(id_number=number.value)
        elif params.get("name") and params.get("birth_date"):
            try:
                born = dt.date.fromisoformat(params["birth_date"])
            except ValueError:
                raise told(exceptions.ParseError, _("Give the birth date as YYYY-MM-DD.")) from None
            people = people.filter(name_key=name_key(params["name"]), birth_date=born)
        else:
            raise told(
                exceptions.ParseError, _("Give id_number, or name and birth_date, to look up.")
            )
        found = list(people[:20])
        if not found:
            raise told(exceptions.NotFound, _("No cadre of your townships fits."))
        self.returned_count = len(found)
        if self.get_serializer_context()["reveal"]:
            self.log_reveals(p for p in found if p.id_number)
        return Response(self.get_serializer(found, many=True).data)


# Changes -----------------------------------------------------------------------------------


def _cursor_read(text: str | None) -> tuple[int, int]:
    """The positions in the posts' and the people's histories that an opaque cursor holds."""
    if not text:
        return 0, 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4)))
        posts, people = int(raw["post"]), int(raw["person"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise told(exceptions.ParseError, _("The cursor is not one this API gave.")) from None
    return max(posts, 0), max(people, 0)


def _cursor_make(posts: int, people: int) -> str:
    raw = json.dumps({"post": posts, "person": people}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_POST_FIELDS = ("term_start", "term_end", "ended_on", "end_reason", "body", "title")


def _post_event(row: dict) -> dict:
    if row["history_type"] == "+":
        kind = "post_begun"
    elif row["history_type"] == "-":
        kind = "post_deleted"
    elif row["ended_on"] is not None:
        kind = "post_ended"
    else:
        kind = "post_changed"
    return {
        "kind": kind,
        "at": row["history_date"],
        "person": row["person_id"],
        "post": row["id"],
        "township": row["village__township__code"],
        "village": row["village__code"],
        **{name: row[name] or None for name in _POST_FIELDS},
    }


def _person_event(row: dict) -> dict:
    return {
        "kind": "person_deleted" if row["history_type"] == "-" else "person_changed",
        "at": row["history_date"],
        "person": row["id"],
        "post": None,
        "township": None,
        "village": None,
        **dict.fromkeys(_POST_FIELDS),
    }


class ChangeFeed(ApiView):
    """Posts begun, changed and ended and people changed, after an opaque cursor, oldest
    first. The cursor holds positions in the history tables, so it outlives restarts;
    start without one, and keep the cursor each answer gives."""

    required_scope = Scope.CHANGES
    serializer_class = serializers.ChangePageSerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="The cursor of the previous answer."),
            OpenApiParameter("page_size", int, description="At most 500 events (default 100)."),
        ]
    )
    def get(self, request):
        after_post, after_person = _cursor_read(request.query_params.get("cursor"))
        size = request.query_params.get("page_size", "100")
        size = min(int(size), 500) if size.isascii() and size.isdigit() and int(size) else 100
        post_history = Post.history.model.objects.filter(history_id__gt=after_post)
        person_history = Person.history.model.objects.filter(history_id__gt=after_person)
        if self.reader.township_ids is not None:
            post_history = post_history.filter(village__township_id__in=self.reader.township_ids)
            person_history = person_history.filter(
                id__in=scope(Person.objects.all(), self.reader).values("pk")
            )
        posts = list(
            post_history.order_by("history_id").values(
                "history_id", "history_date", "history_type", "id", "person_id",
                "village__code", "village__township__code", *_POST_FIELDS,
            )[: size + 1]
        )  # fmt: skip
        people = list(
            person_history.order_by("history_id").values(
                "history_id", "history_date", "history_type", "id"
            )[: size + 1]
        )
        # Merge the two histories by time, each consumed in its own order, so that the
        # cursor's two positions never skip an event.
        events, i, j = [], 0, 0
        while len(events) < size and (i < len(posts) or j < len(people)):
            if j >= len(people) or (
                i < len(posts) and posts[i]["history_date"] <= people[j]["history_date"]
            ):
                events.append(_post_event(posts[i]))
                after_post = posts[i]["history_id"]
                i += 1
            else:
                events.append(_person_event(people[j]))
                after_person = people[j]["history_id"]
                j += 1
        self.returned_count = len(events)
        page = {
            "events": events,
            "cursor": _cursor_make(after_post, after_person),
            "more": i < len(posts) or j < len(people),
        }
        return Response(self.get_serializer(page).data)


# Vetting and the district's figures ---------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=Hit.Status.values),
        OpenApiParameter("match_kind", str, enum=Hit.MatchKind.values),
    ]
)
class HitList(ApiListView):
    """Screening hits: their state and match kind, never the list's row."""

    required_scope = Scope.HITS
    serializer_class = serializers.HitSerializer

    def list(self, request):
        hits = scope(Hit.objects.current(), self.reader).select_related("township", "village")
        for name, choices in (("status", Hit.Status), ("match_kind", Hit.MatchKind)):
            value = self.choice(name, choices.values)
            if value:
                hits = hits.filter(**{name: value})
        return self.paged(hits, action=AccessLogEntry.Action.VIEW_HITS)


@extend_schema(parameters=[OpenApiParameter("state", str, enum=CandidateCase.State.values)])
class CaseList(ApiListView):
    """Candidate cases: their state and each department's opinion."""

    required_scope = Scope.CASES
    serializer_class = serializers.CaseSerializer

    def list(self, request):
        cases = (
            scope(CandidateCase.objects.all(), self.reader)
            .select_related("village__township")
            .prefetch_related(
                Prefetch("opinions", queryset=DepartmentOpinion.objects.order_by("department"))
            )
        )
        state = self.choice("state", CandidateCase.State.values)
        if state:
            cases = cases.filter(state=state)
        return self.paged(cases, reveal_ids=True)


LIGHTS = [light.code for light in Light]


@extend_schema(parameters=[OpenApiParameter("light", str, enum=LIGHTS)])
class WarningLightList(ApiListView):
    """The serving cadres' warning lights (dongchang.warnings)."""

    required_scope = Scope.WARNINGS
    serializer_class = serializers.WarningLightSerializer

    def list(self, request):
        lights = scope(WarningLight.objects.select_related("person"), self.reader)
        light = self.choice("light", LIGHTS)
        if light:
            lights = lights.filter(light=Light[light.upper()])
        return self.paged(lights)


class StructureFigures(ApiView):
    """The team-structure figures: the client's townships and their total, or the villages
    of one township (``?township=CODE``), as on a day (``?on=YYYY-MM-DD``, today by default)."""

    required_scope = Scope.STRUCTURE
    serializer_class = serializers.StructureSerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("township", str, description="Township code (9 digits)."),
            OpenApiParameter("on", OpenApiTypes.DATE),
        ]
    )
    def get(self, request):
        township = None
        code = request.query_params.get("township")
        if code:
            township = user_townships(self.reader).filter(code=code).first()
            if township is None:
                raise told(exceptions.NotFound, _("No township of yours has this code."))
        on = timezone.localdate()
        if request.query_params.get("on"):
            try:
                on = dt.date.fromisoformat(request.query_params["on"])
            except ValueError:
                raise told(exceptions.ParseError, _("Give the day as YYYY-MM-DD.")) from None
        figures = team_structure(self.reader, on, township)
        self.returned_count = len(figures.rows)
        return Response(
            self.get_serializer(
                {
                    "on": figures.on,
                    "township": township.code if township else None,
                    "total": figures.total.as_json(),
                    "rows": [row.as_json() for row in figures.rows],
                }
            ).data
        )
