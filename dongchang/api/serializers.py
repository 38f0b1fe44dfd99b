"""What the API gives out: read-only, flat, with codes (not the database's keys) for places.

ID numbers are masked unless the client has the reveal scope (``context["reveal"]``); the
view then writes the access-log entries for the people whose full number it sends."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cadres.choices import Light
from cadres.identity import mask_id_number
from cadres.models import Person, Post
from dongchang.models import WarningLight
from vetting.models import CandidateCase, DepartmentOpinion, Hit


class IdNumberField(serializers.Field):
    """The ID number, in full only for a client with the reveal scope."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value and self.context.get("reveal"):
            return value
        return mask_id_number(value)


extend_schema_field({"type": "string", "example": "2205**********1233"})(IdNumberField)


def _serving(post: Post, today) -> bool:
    """As ``cadres.models.serving_q``: begun, and not ended by ``today``."""
    return post.term_start <= today and (post.ended_on is None or post.ended_on > today)


class PostSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="village.township.code")
    village = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    serving = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id", "township", "village", "village_name", "body", "title", "term_start",
            "term_end", "ended_on", "end_reason", "origin", "vetted", "serving",
        ]  # fmt: skip

    def get_serving(self, post: Post) -> bool:
        return _serving(post, self.context["today"])


class CadreSerializer(serializers.ModelSerializer):
    id_number = IdNumberField()
    posts = PostSerializer(source="api_posts", many=True)
    serving = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id", "name", "id_number", "birth_date", "sex", "ethnicity", "political_status",
            "education", "serving", "posts", "updated_at",
        ]  # fmt: skip

    def get_serving(self, person: Person) -> bool:
        return any(_serving(post, self.context["today"]) for post in person.api_posts)


CHANGE_KINDS = [
    "post_begun", "post_changed", "post_ended", "post_deleted", "person_changed", "person_deleted",
]  # fmt: skip


class ChangeSerializer(serializers.Serializer):
    """One event of the change feed."""

    kind = serializers.ChoiceField(choices=CHANGE_KINDS)
    at = serializers.DateTimeField()
    person = serializers.IntegerField(help_text="The person's id (GET /api/v1/cadres/{id}/).")
    post = serializers.IntegerField(allow_null=True)
    township = serializers.CharField(allow_null=True)
    village = serializers.CharField(allow_null=True)
    body = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    term_start = serializers.DateField(allow_null=True)
    term_end = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField(allow_null=True)


class ChangePageSerializer(serializers.Serializer):
    events = ChangeSerializer(many=True)
    cursor = serializers.CharField(help_text="Give it back as ?cursor= for the next events.")
    more = serializers.BooleanField(help_text="More events wait after this cursor.")


class HitSerializer(serializers.ModelSerializer):
    """A hit's state and kind: never the list's row (its entry, the matched values)."""

    township = serializers.CharField(source="township.code", allow_null=True, default=None)
    village = serializers.CharField(source="village.code", allow_null=True, default=None)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    relative = serializers.IntegerField(source="relative_id", allow_null=True)
    candidate_case = serializers.IntegerField(source="candidate_id", allow_null=True)

    class Meta:
        model = Hit
        fields = [
            "id", "subject_kind", "person", "relative", "candidate_case", "township", "village",
            "match_kind", "rule", "matched_fields", "status", "reviewed_at", "created_at",
        ]  # fmt: skip


class OpinionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DepartmentOpinion
        fields = ["department", "verdict", "due_on", "given_at"]


class CaseSerializer(serializers.ModelSerializer):
    id_number = IdNumberField()
    township = serializers.CharField(source="village.township.code")
    village = serializers.CharField(source="village.code")
    opinions = OpinionSerializer(many=True)

    class Meta:
        model = CandidateCase
        fields = [
            "id", "kind", "state", "name", "id_number", "birth_date", "sex", "person",
            "township", "village", "body", "title", "term_start", "term_end", "submitted_at",
            "decided_at", "opinions",
        ]  # fmt: skip


class WarningLightSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    light = serializers.SerializerMethodField()
    rules_version = serializers.IntegerField(source="rules_id")

    class Meta:
        model = WarningLight
        fields = ["person", "name", "light", "score", "reasons", "rules_version", "computed_at"]

    def get_light(self, light: WarningLight) -> str:
        return Light(light.light).code


class StructureSerializer(serializers.Serializer):
    """The team-structure figures (cadres.structure): one row per township, or per village
    of the township asked for, and their total, as the structure page's JSON."""

    on = serializers.DateField()
    township = serializers.CharField(allow_null=True)
    total = serializers.DictField()
    rows = serializers.ListField(child=serializers.DictField())
