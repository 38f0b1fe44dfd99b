import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.dates import precision_field
from cadres.search import PINYIN_COLLATION

TERM_YEARS = 5


class TimeStampedModel(models.Model):
    """Base of every domain model: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # auto_now is set in pre_save, which a save(update_fields=…) skips unless it is named.
        fields = kwargs.get("update_fields")
        if fields is not None and "updated_at" not in fields:
            kwargs["update_fields"] = [*fields, "updated_at"]
        return super().save(*args, **kwargs)

    def _get_FIELD_display(self, field):
        # Django hashes every label of the field's choices on each call, and hashing a lazy
        # label translates it: a list page of 25 cadres translated about 1,000 labels to
        # show 150. Only the label shown is translated here.
        value = make_hashable(getattr(self, field.attname))
        labels = {make_hashable(choice): label for choice, label in field.flatchoices}
        return force_str(labels.get(value, value), strings_only=True)


class PlaceQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date):
        """The places that existed on ``day``: a report of a past month shows them as they were."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def current(self):
        return self.valid_on(timezone.localdate())

    def current_or(self, pk: int | None):
        """Today's places for a picker, and the one that the record being edited names, ended
        or not: new records go to open places, old ones keep theirs."""
        today = timezone.localdate()
        return self.filter(
            (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            | Q(pk=pk)
        )


class Place(TimeStampedModel):
    """What every place carries besides its name and code: its 城乡分类 code, the days it
    existed, and the code list its code came from.

    Places are data the district maintains, not a fixed list: official code lists disagree,
    and villages are merged and renamed between elections. A place is never deleted, since
    posts and records point at it; one that no longer exists is ended (``valid_to``). A
    blank source means the code was never checked against an official list.
    """

    urban_rural_code = models.CharField(
        _("urban-rural classification code"),
        max_length=3,
        blank=True,
        validators=[
            RegexValidator(r"^\d{3}$", _("An urban-rural classification code has 3 digits."))
        ],
    )
    # Both days belong to the place's life: valid_to is its last day.
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    code_source = models.CharField(_("code source"), max_length=100, blank=True)
    code_year = models.PositiveSmallIntegerField(_("year of the code list"), null=True, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="%(class)s_valid_to_after_valid_from",
            ),
        ]

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Township(Place):
    """A subdistrict, town or township of Dongchang district: the unit of access."""

    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        TOWN = "town", _("Town")
        TOWNSHIP = "township", pgettext_lazy("township kind", "Township")
        ZONE = "zone", _("Development zone")

    # Scoping helper: the lookup from this model to Township ("pk": itself).
    township_lookup = "pk"

    code = models.CharField(
        _("division code"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{9}$", _("A township code has 9 digits."))],
    )
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    history = HistoricalRecords()

    class Meta(Place.Meta):
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        permissions = [
            ("access_township", _("Can work with the records of this township")),
            ("view_all_townships", _("Can see the records of every township")),
            # No role holds it: the administrator's (a superuser, or a user given it).
            ("import_places", _("Can import the division codes and see ended places")),
        ]

    def __str__(self) -> str:
        return self.name


class Village(Place):
    """An administrative village (its villagers' committee), under a township.

    Subdistricts mostly hold communities (社区, a residents' committee); the system is about
    villages, and keeps a community only where the code list names one among them.
    """

    class Kind(models.TextChoices):
        VILLAGE = "village", pgettext_lazy("place kind", "Village")
        COMMUNITY = "community", _("Community")

    township_lookup = "township"

    township = models.ForeignKey(
        Township, models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("A village code has 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VILLAGE)

    history = HistoricalRecords()

    class Meta(Place.Meta):
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        # A merged village's name may be taken by the village that follows it.
        constraints = [
            *Place.Meta.constraints,
            models.UniqueConstraint(
                fields=["township", "name"],
                condition=Q(valid_to__isnull=True),
                name="village_unique_name_in_township",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VillagerGroup(Place):
    """A villager group (村民小组) inside a village. Code lists stop at villages: a group's
    code, where it has one, is the village's own numbering."""

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="groups", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=50)
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    code = models.CharField(_("group code"), max_length=15, blank=True)

    history = HistoricalRecords()

    class Meta(Place.Meta):
        ordering = ["village", "number", "name"]
        verbose_name = _("villager group")
        verbose_name_plural = _("villager groups")
        constraints = [
            *Place.Meta.constraints,
            models.UniqueConstraint(
                fields=["village", "name"],
                condition=Q(valid_to__isnull=True),
                name="group_unique_name_in_village",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.name}"


class IdentityFields(models.Model):
    """Who someone is, in the normalized form that screening matches on.

    Shared by people in the register and by the entries of other apps' lists, so
    that every match compares like with like. Fill it through
    ``cadres.services.identity_fields``, never by hand.
    """

    # 姓名 (a person's name), not the 名称 of townships and villages.
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_key = models.CharField(_("name key"), max_length=50, db_index=True, editable=False)
    name_pinyin = models.CharField(_("name pinyin"), max_length=200, editable=False)
    # NULL, not "", when absent: unique constraints then ignore people without one.
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True)  # noqa: DJ001
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # 出生年月 1972.08 is known to the month: the date is its first day (cadres.dates).
    birth_date_precision = precision_field(_("birth date known to"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)

    class Meta:
        abstract = True


class PersonQuerySet(models.QuerySet):
    def serving(self, on: dt.date | None = None):
        """People holding at least one post on the given day (today by default)."""
        return self.filter(pk__in=Post.objects.serving(on).values("person_id"))

    def strict_control_due(self, on: dt.date):
        """People under strict control whose review date has come (on or before ``on``)."""
        return self.filter(strict_control_review_on__lte=on)


class StrictControlSource(models.TextChoices):
    """Why a cadre came under strict control (从严掌控)."""

    HIT = "hit", _("Screening hit on a family member")
    VETTING = "vetting", _("Vetting decision")
    MANUAL = "manual", _("Set by the district")


class Person(IdentityFields, TimeStampedModel):
    """A village cadre, present or past, with the personal data of the 干部信息表."""

    # Former cadres stay visible to the townships where they served.
    township_lookup = ("posts__village__township", "home_village__township")

    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False)
    ethnicity = models.CharField(
        _("ethnicity"), max_length=2, choices=Ethnicity.choices, default=Ethnicity.HAN
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    party_joined_on = models.DateField(_("date joined the party"), null=True, blank=True)
    party_joined_on_precision = precision_field(_("date joined the party known to"))
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The 干部任免审批表's personal data (issue 21).
    native_place = models.CharField(_("native place"), max_length=100, blank=True)
    birthplace = models.CharField(_("birthplace"), max_length=100, blank=True)
    work_started_on = models.DateField(_("date work began"), null=True, blank=True)
    work_started_on_precision = precision_field(_("date work began known to"))
    health = models.CharField(_("health"), max_length=50, blank=True)
    # Columns of an imported roster that the register does not know, kept at the importer's
    # choice (职称, 身高 …), by their header.
    extra = models.JSONField(_("kept columns"), null=True, blank=True)
    home_village = models.ForeignKey(
        "Village",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("home village"),
    )
    strict_control_since = models.DateField(_("under strict control since"), null=True, blank=True)
    strict_control_review_on = models.DateField(
        _("strict control review date"), null=True, blank=True
    )
    strict_control_reason = models.TextField(_("reason for strict control"), blank=True)
    strict_control_source = models.CharField(
        _("source of strict control"),
        max_length=10,
        choices=StrictControlSource.choices,
        blank=True,
    )

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name_key__pinyin_order", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="person_unique_id_number",
            ),
            models.CheckConstraint(
                condition=Q(
                    strict_control_since__isnull=True,
                    strict_control_review_on__isnull=True,
                    strict_control_source="",
                )
                | Q(
                    strict_control_since__isnull=False,
                    strict_control_review_on__gt=models.F("strict_control_since"),
                )
                & ~Q(strict_control_source=""),
                name="person_strict_control_complete",
            ),
        ]
        indexes = [
            # Screening's probable match: name key plus birth date.
            models.Index(fields=["name_key", "birth_date"], name="person_name_birth_idx"),
            # Screening's possible match: homophones by pinyin.
            models.Index(fields=["name_pinyin"], name="person_pinyin_idx"),
            # List search by pinyin initials (zw finds 张伟).
            models.Index(fields=["name_initials"], name="person_initials_idx"),
            # Every list of people sorted by name (the register's default order).
            models.Index(Collate("name_key", PINYIN_COLLATION), name="person_name_order_idx"),
            # The register sorted by birth date, ties by pk (cadres.filters.PersonOrdering);
            # descending, through person_birth_desc_idx on PostgreSQL (migration 0016).
            models.Index(fields=["birth_date", "id"], name="person_birth_idx"),
            # The strict-control list and the reviews due, by review date.
            models.Index(
                fields=["strict_control_review_on"],
                condition=Q(strict_control_review_on__isnull=False),
                name="person_strict_review_idx",
            ),
        ]
        permissions = [
            ("reveal_id_number", _("Can reveal a full ID number")),
            ("manage_strict_control", _("Can set, review and lift strict control")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def under_strict_control(self) -> bool:
        return self.strict_control_since is not None

    @property
    def strict_control_review_due(self) -> bool:
        review_on = self.strict_control_review_on
        return review_on is not None and review_on <= timezone.localdate()


def serving_q(on: dt.date | None = None, prefix: str = "") -> Q:
    """Posts held on the given day (today by default): begun, and not yet ended.

    ``prefix`` reaches the posts from another model ("posts__" from a person).
    """
    on = on or dt.date.today()
    return Q(**{f"{prefix}term_start__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": on})
    )


class PostQuerySet(models.QuerySet):
    def serving(self, on: dt.date | None = None):
        return self.filter(serving_q(on))


# Which titles each body has (values of Post.Body and Post.Title); the database
# enforces the same table through the post_title_fits_body constraint.
TITLES_BY_BODY = {
    "party_branch": ("secretary", "deputy_secretary", "member"),
    "villagers_committee": ("director", "deputy_director", "member"),
    "supervision_committee": ("director", "member"),
    "villager_group": ("group_leader",),
}


class Post(TimeStampedModel):
    """One office held by one person in one village, for one term."""

    class Body(models.TextChoices):
        PARTY_BRANCH = "party_branch", _("Village party organization")
        VILLAGERS_COMMITTEE = "villagers_committee", _("Villagers' committee")
        SUPERVISION_COMMITTEE = "supervision_committee", _("Village affairs supervision committee")
        VILLAGER_GROUP = "villager_group", _("Villager group")

    class Title(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
        DIRECTOR = "director", _("Director")
        DEPUTY_DIRECTOR = "deputy_director", _("Deputy director")
        MEMBER = "member", _("Member")
        GROUP_LEADER = "group_leader", _("Group leader")

    class EndReason(models.TextChoices):
        TERM_EXPIRED = "term_expired", _("Term expired")
        RESIGNED = "resigned", _("Resigned")
        RECALLED = "recalled", _("Recalled")
        REMOVED = "removed", _("Removed (disqualified)")
        TRANSFERRED = "transferred", _("Transferred")
        DECEASED = "deceased", _("Deceased")
        # A roster that renews a village ends the posts it gives to others (cadres.roster).
        ELECTION = "election", _("General election of the village committees")
        ADJUSTMENT = "adjustment", _("Adjustment of the village team")
        # The village was merged into another or split (cadres.place_events): the same
        # person holds the post on, in the village that follows; not a departure.
        MERGER = "merger", _("Village merged")
        SPLIT = "split", _("Village split")
        OTHER = "other", _("Other")

    class Origin(models.TextChoices):
        # 凡进必审: a post begins from an approved candidate case, or records one held before
        # the system (a roster import, or a 存量登记 by the district).
        CANDIDATE_CASE = "case", _("Appointed after vetting")
        ROSTER = "roster", _("Roster import")
        REGISTRATION = "registration", _("Registration of an existing post")

    TITLES_BY_BODY = TITLES_BY_BODY

    township_lookup = "village__township"

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="posts", verbose_name=_("person")
    )
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        related_name="posts",
        db_index=False,  # the leading column of post_village_person_term_idx
        verbose_name=_("village"),
    )
    villager_group = models.ForeignKey(
        VillagerGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("villager group"),
    )
    body = models.CharField(_("body"), max_length=24, choices=Body.choices)
    title = models.CharField(_("title"), max_length=20, choices=Title.choices)
    # A roster's 任职时间 may be 2021.12: the first day stands for the month (cadres.dates).
    term_start = models.DateField(_("term start"))
    term_start_precision = precision_field(_("term start known to"))
    term_end = models.DateField(_("term end"))
    term_end_precision = precision_field(_("term end known to"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.TextField(_("note on the end"), blank=True)
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    # Set by vetting through cadres.services: at appointment, or when a 补审 case is approved.
    vetted = models.BooleanField(_("vetted in joint review"), default=False)

    history = HistoricalRecords()
    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["village", "body", "title", "term_start"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    *[Q(body=body, title__in=titles) for body, titles in TITLES_BY_BODY.items()],
                    _connector=Q.OR,
                ),
                name="post_title_fits_body",
            ),
            models.CheckConstraint(
                condition=Q(body="villager_group", villager_group__isnull=False)
                | (~Q(body="villager_group") & Q(villager_group__isnull=True)),
                name="post_group_only_for_group_leaders",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="post_term_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | Q(ended_on__isnull=False, ended_on__gte=models.F("term_start"))
                & ~Q(end_reason=""),
                name="post_end_has_date_and_reason",
            ),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(body="party_branch", title="secretary", ended_on__isnull=True),
                name="post_one_serving_secretary_per_village",
            ),
            models.UniqueConstraint(
                fields=["village", "body"],
                condition=Q(title="director", ended_on__isnull=True),
                name="post_one_serving_director_per_body",
            ),
            models.UniqueConstraint(
                fields=["villager_group"],
                condition=Q(body="villager_group", ended_on__isnull=True),
                name="post_one_serving_group_leader",
            ),
            models.UniqueConstraint(
                fields=["person", "village", "body", "title"],
                condition=Q(ended_on__isnull=True),
                name="post_no_duplicate_serving_post",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=["case", "roster", "registration"]),
                name="post_origin_known",
            ),
            models.CheckConstraint(
                condition=~Q(origin="case") | Q(vetted=True), name="post_from_case_is_vetted"
            ),
        ]
        indexes = [
            # Serving posts by term end: "terms ending within N months" and the monthly roster.
            models.Index(fields=["ended_on", "term_end"], name="post_serving_term_end_idx"),
            # Township scoping: the people of a township's villages, read from the index alone,
            # serving ones included (the term's start and end are in it: the to-do centre's
            # missing reports, the warning lights of one township); and the register sorted by
            # village, walked village by village (KeyedPeople).
            models.Index(
                fields=["village", "person", "term_start", "ended_on"],
                name="post_village_person_term_idx",
            ),
            # The register sorted by term end, walked in that order (KeyedPeople).
            models.Index(fields=["term_end", "person"], name="post_term_end_person_idx"),
        ]
        permissions = [
            ("register_existing_post", _("Can register a post held before the system")),
            # Checked by post_end; townships without it ask through a records.SecretaryChange.
            ("end_secretary_post", _("Can end a village party secretary's post")),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.get_body_display()}{self.get_title_display()}"

    @property
    def serving(self) -> bool:
        return self.ended_on is None


class Relative(IdentityFields, TimeStampedModel):
    """A family member of a cadre; screened like the cadre."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Brother or sister")
        PARENT_IN_LAW = "parent_in_law", _("Spouse's parent")
        OTHER = "other", _("Other")

    township_lookup = tuple(f"cadre__{lookup}" for lookup in Person.township_lookup)

    cadre = models.ForeignKey(
        Person, models.CASCADE, related_name="relatives", verbose_name=_("cadre")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    work_unit_and_post = models.CharField(_("work unit and post"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["cadre", "relation", "name_key__pinyin_order", "pk"]
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "id_number"],
                condition=Q(id_number__isnull=False),
                name="relative_unique_id_per_cadre",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="relative_id_number_idx"),
            models.Index(fields=["name_key", "birth_date"], name="relative_name_birth_idx"),
            models.Index(fields=["name_pinyin"], name="relative_pinyin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


PERSON_TOWNSHIP_LOOKUP = tuple(f"person__{lookup}" for lookup in Person.township_lookup)


class EducationRecord(TimeStampedModel):
    """One stage of a person's education: 全日制 (full-time) or 在职 (while working)."""

    class Kind(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time education")
        IN_SERVICE = "in_service", _("In-service education")

    township_lookup = PERSON_TOWNSHIP_LOOKUP

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="education_records", verbose_name=_("person")
    )
    kind = models.CharField(_("kind of education"), max_length=10, choices=Kind.choices)
    level = models.CharField(_("education level"), max_length=20, choices=Education.choices)
    degree = models.CharField(_("degree"), max_length=50, blank=True)
    school = models.CharField(_("school"), max_length=100, blank=True)
    major = models.CharField(_("major"), max_length=100, blank=True)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    started_on_precision = precision_field(_("start date known to"))
    ended_on = models.DateField(_("graduation date"), null=True, blank=True)
    ended_on_precision = precision_field(_("graduation date known to"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "kind", "started_on", "pk"]
        verbose_name = _("education record")
        verbose_name_plural = _("education records")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="education_ends_after_start",
                violation_error_message=_("The end cannot come before the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_level_display()} {self.school}".strip()


class ResumeLine(TimeStampedModel):
    """One line of a person's 简历: from, to (none: 至今) and what they did."""

    township_lookup = PERSON_TOWNSHIP_LOOKUP

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="resume_lines", verbose_name=_("person")
    )
    started_on = models.DateField(_("from"))
    started_on_precision = precision_field(_("from known to"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    ended_on_precision = precision_field(_("to known to"))
    text = models.CharField(_("work unit and post"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "started_on", "pk"]
        verbose_name = _("resume line")
        verbose_name_plural = _("resume lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="resume_line_ends_after_start",
                violation_error_message=_("The end cannot come before the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class RewardPunishment(TimeStampedModel):
    """One reward or punishment (奖惩) of a person, with who decided it."""

    class Kind(models.TextChoices):
        REWARD = "reward", _("Reward")
        PUNISHMENT = "punishment", _("Punishment")

    township_lookup = PERSON_TOWNSHIP_LOOKUP

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="rewards_punishments", verbose_name=_("person")
    )
    kind = models.CharField(_("reward or punishment"), max_length=10, choices=Kind.choices)
    decided_on = models.DateField(_("date"))
    decided_on_precision = precision_field(_("date known to"))
    description = models.CharField(_("particulars"), max_length=300)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "decided_on", "pk"]
        verbose_name = _("reward or punishment")
        verbose_name_plural = _("rewards and punishments")

    def __str__(self) -> str:
        return self.description


def _import_file_path(instance, filename: str) -> str:
    # Named by content hash: never by the user's file name, never guessable from a URL.
    return f"imports/{instance.sha256[:2]}/{instance.sha256}.xlsx"


def _error_file_path(instance, filename: str) -> str:
    return f"imports/{instance.sha256[:2]}/{instance.sha256}-errors.xlsx"


class ImportFile(TimeStampedModel):
    """An uploaded workbook, kept with its SHA-256 so that the same file is recognized."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("Cadre roster")
        WATCHLIST = "watchlist", _("Watchlist")
        CANDIDATES = "candidates", _("Candidate nomination")
        ATTENDANCE = "attendance", _("Attendance sign-in sheet")
        ELECTION_RESULTS = "election_results", _("Election results")
        PLACES = "places", _("Statistical division codes")

    class Status(models.TextChoices):
        # A worker reads the whole of a big file (watchlists): the page polls meanwhile.
        CHECKING = "checking", _("Being checked")
        PREVIEWED = "previewed", _("Previewed")
        IMPORTING = "importing", _("Being imported")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    township_lookup = "township"

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    file = models.FileField(_("file"), upload_to=_import_file_path)
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="import_files",
        verbose_name=_("township"),
        help_text=_("Empty for district-wide files such as watchlists."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREVIEWED
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # The rows in error, written by the worker that checks a large file (watchlists);
    # the imports checked in the request build theirs on download (cadres.error_workbook).
    error_file = models.FileField(
        _("error workbook"), upload_to=_error_file_path, blank=True, max_length=200
    )
    # The worker's job that checks or imports the file (watchlists): its state and retry.
    job = models.ForeignKey(
        "Job",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("background job"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")
        indexes = [
            # "Has this exact file been uploaded before?" on every upload.
            models.Index(fields=["kind", "sha256"], name="importfile_kind_sha_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name


def _job_result_path(instance, filename: str) -> str:
    # Named by the job and a random token, never by a user's text: not guessable from a URL.
    return f"jobs/{instance.pk}/{secrets.token_hex(16)}"


class Job(TimeStampedModel):
    """Work done by a worker (cadres.jobs): its kind, state, progress, outcome and who asked.

    Written only by ``cadres.jobs``; ``updated_at`` is the heartbeat the watchdog reads.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    township_lookup = "township"

    kind = models.CharField(_("kind"), max_length=50)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempt = models.PositiveSmallIntegerField(
        _("attempt"),
        default=1,
        help_text=_("Raised by each retry: a message of an earlier attempt is ignored."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    result_file = models.FileField(
        _("result file"), upload_to=_job_result_path, blank=True, max_length=200
    )
    result_name = models.CharField(_("result file name"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty for jobs the schedule started."),
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("township"),
        help_text=_("Empty for district-wide jobs."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            # "My jobs", newest first, on the jobs page.
            models.Index(fields=["requested_by", "-created_at"], name="job_requester_created_idx"),
            # The watchdog's unfinished jobs without a recent heartbeat.
            models.Index(fields=["state", "updated_at"], name="job_state_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, 100 * self.progress_done // self.progress_total)


def document_path(instance, filename: str) -> str:
    # Named by content alone: never by the user's file name, never guessable from a URL, and
    # the same content is kept once however often it is uploaded.
    return f"documents/{instance.sha256[:2]}/{instance.sha256}"


class StoredDocument(TimeStampedModel):
    """An uploaded document of any app: kept once per content under var/uploads, typed by its
    content, and served only by ``cadres.documents.document_response`` from a scoped view.

    Written only by ``cadres.documents.documents_store``; ``created_at`` is the upload's time.
    Rows stored before the hash path keep their old file names; a row whose file was missing
    when the hashes were filled has an empty SHA-256, size and content type (README: Stored
    documents).
    """

    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class PersonPhoto(StoredDocument):
    """A person's photo (JPEG or PNG) for the profile and the 干部信息表; one per person, a
    new upload replaces it (``cadres.person_details.person_photo_store``)."""

    township_lookup = PERSON_TOWNSHIP_LOOKUP

    person = models.OneToOneField(
        Person, models.CASCADE, related_name="photo", verbose_name=_("person")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


class AccessLogEntry(models.Model):
    """Append-only, hash-chained log of sensitive reads: ID reveals, hit views, exports.

    Each entry holds the hash of the one before, so an edited or deleted entry
    breaks the chain (``verify_access_log`` finds the first bad one); the hash is an
    HMAC under ``settings.ACCESS_LOG_KEY``, so whoever can only write the database
    cannot re-hash the chain, and signed checkpoints (``AccessLogCheckpoint``) catch a
    cut tail. Written only by ``cadres.services.access_log_append``.
    """

    class Action(models.TextChoices):
        REVEAL_ID = "reveal_id", _("Revealed an ID number")
        VIEW_HITS = "view_hits", _("Viewed screening hits")
        EXPORT = "export", _("Exported data")
        DOWNLOAD = "download", _("Downloaded a file")

    class HashVersion(models.IntegerChoices):
        # Entries written before the key existed; only the prefix that the migration's
        # signed checkpoint counts may use it (cadres.access_log).
        SHA256 = 0, _("SHA-256 without a key")
        HMAC_SHA256 = 1, _("HMAC-SHA256 under the access log key")

    at = models.DateTimeField(_("time"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    hash_version = models.PositiveSmallIntegerField(_("hash algorithm"), choices=HashVersion)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.get_action_display()}"


class AccessLogCheckpoint(models.Model):
    """The access log's entry count and head hash at a moment, signed with the log's key.

    Written by beat every hour and by every verification, here and appended to a file
    outside the database (``settings.ACCESS_LOG_CHECKPOINT_DIR``); a verification fails
    when the chain no longer holds a checkpoint's head at its count. Written only by
    ``cadres.access_log``.
    """

    at = models.DateTimeField(_("time"))
    entry_count = models.PositiveBigIntegerField(_("entries"))
    head_hash = models.CharField(_("hash of the last entry"), max_length=64)
    legacy_count = models.PositiveBigIntegerField(
        _("entries hashed without a key"),
        help_text=_("The entries at the start of the log written before it had a key."),
    )
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("access log checkpoint")
        verbose_name_plural = _("access log checkpoints")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.entry_count}"


class AccessLogVerification(models.Model):
    """One verification of the access log and what it found: the hourly one (no user), one
    asked for on the access log page, or one by ``verify_access_log``. A checkpoint is
    written only for an intact log; this keeps the failures too, with their reason, so that
    the page shows a broken log until a verification finds it intact again. Written only by
    ``cadres.access_log``.
    """

    at = models.DateTimeField(_("time"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty for the hourly verification and the command."),
    )
    intact = models.BooleanField(_("intact"))
    entry_count = models.PositiveBigIntegerField(_("entries"), null=True, blank=True)
    head_hash = models.CharField(_("hash of the last entry"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("access log verification")
        verbose_name_plural = _("access log verifications")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(intact=True, entry_count__isnull=False)
                | Q(intact=False) & ~Q(reason=""),
                name="access_log_verification_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'broken'}"


class StrictControlEvent(models.Model):
    """One step in a cadre's strict control: set, reviewed and kept, or lifted. Append-only.

    The Person history holds the fields' values; this holds why each change was made.
    """

    class Action(models.TextChoices):
        SET = "set", _("Put under strict control")
        REVIEWED = "reviewed", _("Reviewed and kept")
        LIFTED = "lifted", _("Strict control lifted")

    township_lookup = tuple(f"person__{lookup}" for lookup in Person.township_lookup)

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="strict_control_events", verbose_name=_("cadre")
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for strict control recorded before its events were kept."),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    source = models.CharField(
        _("source of strict control"),
        max_length=10,
        choices=StrictControlSource.choices,
        blank=True,
    )
    review_on = models.DateField(_("strict control review date"), null=True, blank=True)
    note = models.TextField(_("reason or note"))

    class Meta:
        ordering = ["person", "at", "pk"]
        verbose_name = _("strict control event")
        verbose_name_plural = _("strict control events")
        default_permissions = ("view",)
        indexes = [
            # A profile's strict-control history.
            models.Index(fields=["person", "at"], name="strictevent_person_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


class IdNumberConflict(TimeStampedModel):
    """A user gave an ID number that a person outside their townships holds.

    The user is told only that the number cannot be used there (nothing of the person, not
    even that one exists); the district is shown who tried, from which township, and whose
    number it is. One row per user, township and person: trying again (a roster checked and
    then imported) moves its time on.
    """

    class Source(models.TextChoices):
        FORM = "form", _("Register form")
        ROSTER = "roster", _("Roster import")

    township_lookup = "tried_in"

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="+", verbose_name=_("registered person")
    )
    held_in = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered in"),
    )
    tried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("tried by")
    )
    tried_in = models.ForeignKey(
        Township, models.PROTECT, related_name="+", verbose_name=_("township tried")
    )
    source = models.CharField(_("tried through"), max_length=10, choices=Source.choices)
    tried_at = models.DateTimeField(_("last tried at"))

    class Meta:
        ordering = ["-tried_at", "-pk"]
        verbose_name = _("ID number conflict")
        verbose_name_plural = _("ID number conflicts")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["person", "tried_by", "tried_in"], name="idconflict_one_per_try"
            ),
        ]
        indexes = [
            # The district's list, newest first.
            models.Index(fields=["-tried_at"], name="idconflict_tried_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tried_at:%Y-%m-%d %H:%M} {self.tried_in}"


class RuleVersion(TimeStampedModel):
    """One version of a rule set: who made it, when (created_at) and why. Rules and targets
    live in several apps (the vetting rules, the warning rules, the structure targets), and
    each keeps its versions the same way."""

    active = models.BooleanField(_("active"), default=True)
    # Empty only for the defaults that the migration loaded.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    note = models.CharField(_("what changed and why"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="%(class)s_one_active"
            ),
        ]

    def __str__(self) -> str:
        return _("Version %(number)s of %(date)s") % {
            "number": self.pk,
            "date": f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M}",
        }


_TARGET = {"max_digits": 4, "decimal_places": 1, "null": True, "blank": True}
_SHARE = {**_TARGET, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
_SHARE_TARGETS = (
    "young_share_min",
    "college_share_min",
    "women_share_min",
    "party_share_min",
    "one_shoulder_share_min",
    "cross_share_min",
)
_AGE = {**_TARGET, "validators": [MinValueValidator(18), MaxValueValidator(99)]}


class StructureTargets(RuleVersion):
    """A version of the district's targets for the team structure (cadres.structure).

    Shares are percentages; an empty target sets none. Saving makes a new version and keeps
    the old ones, as every RuleVersion does.
    """

    TARGET_FIELDS = (*_SHARE_TARGETS, "average_age_max")

    young_share_min = models.DecimalField(_("aged 35 or younger, at least (%)"), **_SHARE)
    college_share_min = models.DecimalField(
        _("junior college or above, at least (%)"),
        **_SHARE,
    )
    women_share_min = models.DecimalField(_("women, at least (%)"), **_SHARE)
    party_share_min = models.DecimalField(_("CPC members, at least (%)"), **_SHARE)
    one_shoulder_share_min = models.DecimalField(
        _("villages whose secretary is also director, at least (%)"),
        **_SHARE,
    )
    cross_share_min = models.DecimalField(
        _("two-committee members holding posts on both, at least (%)"),
        **_SHARE,
    )
    average_age_max = models.DecimalField(_("average age, at most"), **_AGE)

    class Meta(RuleVersion.Meta):
        verbose_name = _("team structure targets")
        verbose_name_plural = _("team structure targets")
        constraints = [
            *RuleVersion.Meta.constraints,
            models.CheckConstraint(
                condition=Q(
                    *[
                        Q(**{f"{name}__isnull": True})
                        | Q(**{f"{name}__gte": 0, f"{name}__lte": 100})
                        for name in _SHARE_TARGETS
                    ]
                ),
                name="structuretargets_shares_in_range",
            ),
            models.CheckConstraint(
                condition=Q(average_age_max__isnull=True) | Q(average_age_max__gte=18),
                name="structuretargets_age_adult",
            ),
        ]

    def target_values(self) -> list:
        return [getattr(self, name) for name in self.TARGET_FIELDS]


# Registered with the app from their own module (cadres.place_events writes them).
from cadres.place_event_models import (  # noqa: E402, F401
    PlaceEvent,
    PlaceEventDocument,
    PlaceEventVillage,
)
