from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.models import Person, Relative, TimeStampedModel, Township, Village
from vetting.models.candidates import CandidateCase, CandidateRelative
from vetting.models.watchlists import WatchlistEntry, WatchlistImport


class SubjectKind(models.TextChoices):
    """Who is screened. Each kind has its own nullable foreign key on Hit (see Hit)."""

    CADRE = "cadre", _("Cadre")
    RELATIVE = "relative", _("Relative")
    CANDIDATE = "candidate", _("Candidate for a post")
    CANDIDATE_RELATIVE = "cand_relative", _("Candidate's relative")


class ScreeningRun(TimeStampedModel):
    """One screening: what started it, how far it got, what it found."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly schedule")
        IMPORT = "import", _("Watchlist import")
        PERSON = "person", _("Person created or changed")
        MANUAL = "manual", _("Started by hand")
        CANDIDATE = "candidate", _("Candidate submitted")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    # A delta run screens only the entries of this import; a full run has none.
    watchlist_import = models.ForeignKey(
        WatchlistImport,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("watchlist import"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    subjects = models.PositiveIntegerField(_("subjects screened"), default=0)
    matches = models.PositiveIntegerField(_("matches found"), default=0)
    hits_new = models.PositiveIntegerField(_("new hits"), default=0)
    hits_reopened = models.PositiveIntegerField(_("hits reopened"), default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(chunks_done__lte=models.F("chunks_total")),
                name="run_chunks_done_within_total",
            ),
            models.CheckConstraint(
                condition=Q(status="running", finished_at__isnull=True)
                | Q(status="done", finished_at__isnull=False),
                name="run_done_has_finish_time",
            ),
        ]
        permissions = [("run_screening", _("Can start a screening run"))]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if not self.chunks_total:
            return 100 if self.status == self.Status.DONE else 0
        return self.chunks_done * 100 // self.chunks_total

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ScreeningChunk(models.Model):
    """A range of subjects of one run: the unit a worker executes, redone if the worker dies.

    Executing a chunk and marking it done happen in one transaction, so a chunk is
    either wholly done or not at all. Bookkeeping of a run, not a domain record:
    no history.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    class Part(models.TextChoices):
        """Which rules a chunk applies (vetting.engine). A full run splits the join on ID
        number by ranges of ID numbers, so that its chunks read the list once between them,
        from the rules by name, which go by ranges of subject ids."""

        ALL = "all", _("All rules")
        ID_NUMBER = "id_number", _("ID number")
        NAMES = "names", _("Rules by name")

    run = models.ForeignKey(
        ScreeningRun, models.CASCADE, related_name="chunks", verbose_name=_("run")
    )
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    part = models.CharField(_("rules"), max_length=12, choices=Part.choices, default=Part.ALL)
    pk_from = models.BigIntegerField(_("first subject id"))
    pk_to = models.BigIntegerField(_("last subject id"))
    # Of the ID number part: subjects whose ID number is at least the first and below the
    # second; "" leaves that side open.
    id_number_from = models.CharField(_("first ID number"), max_length=18, blank=True, default="")
    id_number_to = models.CharField(_("ID numbers below"), max_length=18, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    subjects = models.PositiveIntegerField(_("subjects screened"), default=0)
    matches = models.PositiveIntegerField(_("matches found"), default=0)
    hits_new = models.PositiveIntegerField(_("new hits"), default=0)
    hits_reopened = models.PositiveIntegerField(_("hits reopened"), default=0)

    class Meta:
        ordering = ["run", "subject_kind", "part", "pk_from", "id_number_from"]
        verbose_name = _("screening chunk")
        verbose_name_plural = _("screening chunks")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "subject_kind", "part", "pk_from", "id_number_from"],
                name="chunk_unique_range",
            ),
            models.CheckConstraint(
                condition=Q(pk_to__gte=models.F("pk_from")), name="chunk_range_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.subject_kind}:{self.part}:{self.pk_from}-{self.pk_to}"


class HitQuerySet(models.QuerySet):
    def current(self):
        """Hits on entries still on their list (retired entries no longer count)."""
        return self.filter(entry__active=True)


class Hit(TimeStampedModel):
    """A subject found on a list, with why, and the reviewer's decision.

    The subject is one of several kinds, each a nullable foreign key, with exactly
    one set (``subject_kind`` says which). Typed keys keep referential integrity and
    let the engine insert set-wise with ``ON CONFLICT`` on a plain unique index per
    kind; the candidate workflow adds its own key and kind. ``snapshot`` holds the
    matched values of both sides: a dismissed hit is reopened only when it changes.
    """

    class MatchKind(models.TextChoices):
        STRONG = "strong", _("Strong")
        PROBABLE = "probable", _("Probable")
        POSSIBLE = "possible", _("Possible")

    class Rule(models.TextChoices):
        ID_NUMBER = "id_number", _("Same ID number")
        NAME_BIRTH = "name_birth", _("Same name and birth date")
        NAME_BIRTH_MONTH = (
            "name_birth_month",
            _("Same name and birth month; one side gives only the month"),
        )
        NAME_BIRTH_YEAR = (
            "name_birth_year",
            _("Same name and birth year; one side gives only the year"),
        )
        HOMOPHONE = "homophone", _("Same pronunciation of the name, same birth year and sex")
        ONE_CHARACTER = "one_character", _("Name differs in one character, same birth year and sex")
        NAME_ONLY = "name_only", _("Same name; the list gives no birth date")

    class MatchedField(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        NAME = "name", _("Name")
        BIRTH_DATE = "birth_date", _("Birth date")
        BIRTH_MONTH = "birth_month", _("Birth month")
        NAME_PINYIN = "name_pinyin", _("Name pinyin")
        BIRTH_YEAR = "birth_year", _("Birth year")
        SEX = "sex", _("Sex")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    township_lookup = "township"

    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    person = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_hits",
        db_index=False,  # the leading column of its kind's unique (subject, entry) index
        verbose_name=_("cadre"),
    )
    relative = models.ForeignKey(
        Relative,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="screening_hits",
        db_index=False,  # the leading column of its kind's unique (subject, entry) index
        verbose_name=_("relative"),
    )
    candidate = models.ForeignKey(
        CandidateCase,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="hits",
        db_index=False,  # the leading column of its kind's unique (subject, entry) index
        verbose_name=_("candidate for a post"),
    )
    candidate_relative = models.ForeignKey(
        CandidateRelative,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="hits",
        db_index=False,  # the leading column of its kind's unique (subject, entry) index
        verbose_name=_("candidate's relative"),
    )
    entry = models.ForeignKey(
        WatchlistEntry, models.PROTECT, related_name="hits", verbose_name=_("watchlist entry")
    )
    # Where the subject serves, as of the last run that found the hit: scoping and filters.
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    match_kind = models.CharField(_("match kind"), max_length=10, choices=MatchKind.choices)
    rule = models.CharField(_("matching rule"), max_length=16, choices=Rule.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    matched_fields = models.JSONField(_("matched fields"), default=list)
    snapshot = models.CharField(_("matched values"), max_length=400)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    first_run = models.ForeignKey(
        ScreeningRun,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first found by run"),
    )
    # The last run that wrote the hit (found it new or changed): a run that finds
    # it as it stands leaves the row alone.
    last_run = models.ForeignKey(
        ScreeningRun,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last found by run"),
    )

    history = HistoricalRecords()
    objects = HitQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")
        constraints = [
            # NULLs never collide, so each index only binds hits of its own kind.
            models.UniqueConstraint(fields=["person", "entry"], name="hit_unique_cadre_entry"),
            models.UniqueConstraint(fields=["relative", "entry"], name="hit_unique_relative_entry"),
            models.UniqueConstraint(
                fields=["candidate", "entry"], name="hit_unique_candidate_entry"
            ),
            models.UniqueConstraint(
                fields=["candidate_relative", "entry"], name="hit_unique_cand_relative_entry"
            ),
            models.CheckConstraint(
                condition=Q(subject_kind="cadre", person__isnull=False)
                & Q(relative=None, candidate=None, candidate_relative=None)
                | Q(subject_kind="relative", relative__isnull=False)
                & Q(person=None, candidate=None, candidate_relative=None)
                | Q(subject_kind="candidate", candidate__isnull=False)
                & Q(person=None, relative=None, candidate_relative=None)
                | Q(subject_kind="cand_relative", candidate_relative__isnull=False)
                & Q(person=None, relative=None, candidate=None),
                name="hit_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(reviewer__isnull=False, reviewed_at__isnull=False) & ~Q(reason=""),
                name="hit_decision_has_reviewer_and_reason",
            ),
        ]
        indexes = [
            # The review queue: pending hits by match kind, strongest first.
            models.Index(fields=["status", "match_kind", "-score"], name="hit_queue_idx"),
        ]
        permissions = [("review_hit", _("Can confirm or dismiss screening hits"))]

    def __str__(self) -> str:
        return f"{self.subject} ↔ {self.entry.name}"

    @property
    def matched_field_labels(self) -> list[str]:
        return [self.MatchedField(field).label for field in self.matched_fields]

    @property
    def subject(self):
        return {
            SubjectKind.CADRE: self.person,
            SubjectKind.RELATIVE: self.relative,
            SubjectKind.CANDIDATE: self.candidate,
            SubjectKind.CANDIDATE_RELATIVE: self.candidate_relative,
        }[self.subject_kind]

    @property
    def cadre(self) -> Person | None:
        """The serving cadre the hit concerns (the subject, or the relative's cadre);
        None for candidates, who serve nowhere yet."""
        if self.subject_kind == SubjectKind.CADRE:
            return self.person
        if self.subject_kind == SubjectKind.RELATIVE:
            return self.relative.cadre
        return None
