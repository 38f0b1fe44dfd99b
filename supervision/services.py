"""Every write of the supervision app.

Each service checks the actor's model permission and township (403 otherwise),
validates with the model's clean() so that errors name the field in Chinese,
and locks what it reads before changing it.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cadres import signals
from cadres.documents import document_files_release, documents_store
from cadres.models import Person, Post, Village
from cadres.scoping import (
    can_access_township,
    require_object,
    require_township,
    sees_all_townships,
)
from cadres.services import require_perm
from supervision import selectors
from supervision.models import (
    Audit,
    AuditAttachment,
    CaseEvent,
    Disclosure,
    DisclosureSchedule,
    Handover,
    HandoverDocument,
    HandoverLine,
    MisconductCase,
    SupervisionRecord,
)

PHOTO_MAX_BYTES = 10 * 1024 * 1024
# Photos are stored under the suffix of the format Pillow found, never the user's.
PHOTO_SUFFIXES = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


def _require_record_access(actor, village: Village, tier: str) -> None:
    if tier == SupervisionRecord.Tier.AGRICULTURE_BUREAU and selectors.is_agriculture_bureau(actor):
        return
    require_perm(actor, "supervision.add_supervisionrecord")
    require_township(actor, village.township_id)


def _check_cadres(village: Village, cadres: Iterable[Person]) -> list[Person]:
    cadres = list(cadres)
    allowed = set(
        selectors.village_cadres(village)
        .filter(pk__in=[p.pk for p in cadres])
        .values_list("pk", flat=True)
    )
    strangers = [p.name for p in cadres if p.pk not in allowed]
    if strangers:
        raise ValidationError(
            {
                "cadres": _("%(names)s never held a post in %(village)s nor live there.")
                % {"names": "、".join(strangers), "village": village.name}
            }
        )
    return cadres


# Supervision records -------------------------------------------------------------------


@transaction.atomic
def record_create(
    *,
    actor,
    tier: str,
    date: dt.date,
    village: Village,
    kind: str,
    findings: str,
    cadres: Iterable[Person] = (),
    rectification: str = "",
    rectification_deadline: dt.date | None = None,
) -> SupervisionRecord:
    _require_record_access(actor, village, tier)
    cadres = _check_cadres(village, cadres)
    record = SupervisionRecord(
        tier=tier,
        date=date,
        village=village,
        kind=kind,
        findings=findings,
        rectification=rectification.strip(),
        rectification_deadline=rectification_deadline,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    record.cadres.set(cadres)
    return record


def may_change_record(actor, record: SupervisionRecord) -> bool:
    """Whether the actor may change a record it can see: the agriculture bureau its own tier's
    records, otherwise a role with the change permission in the record's township. Views ask
    before they read a form, so that a role that may not act is refused, not shown errors."""
    if record.tier == SupervisionRecord.Tier.AGRICULTURE_BUREAU and (
        selectors.is_agriculture_bureau(actor)
    ):
        return True
    return actor.has_perm("supervision.change_supervisionrecord") and can_access_township(
        actor, record.village.township_id
    )


def _locked_record(actor, record: SupervisionRecord) -> SupervisionRecord:
    record = SupervisionRecord.objects.select_for_update().get(pk=record.pk)
    if not selectors.visible_records(actor).filter(pk=record.pk).exists():
        raise PermissionDenied
    if not may_change_record(actor, record):
        raise PermissionDenied
    return record


@transaction.atomic
def record_update(
    *,
    actor,
    record: SupervisionRecord,
    date: dt.date,
    kind: str,
    findings: str,
    cadres: Iterable[Person] = (),
    rectification: str = "",
    rectification_deadline: dt.date | None = None,
) -> SupervisionRecord:
    """Change what was found and asked for; the village and tier stay as recorded."""
    record = _locked_record(actor, record)
    cadres = _check_cadres(record.village, cadres)
    record.date = date
    record.kind = kind
    record.findings = findings
    record.rectification = rectification.strip()
    record.rectification_deadline = rectification_deadline
    record.full_clean()
    record.save()
    record.cadres.set(cadres)
    return record


@transaction.atomic
def record_rectify(
    *, actor, record: SupervisionRecord, rectified_on: dt.date, note: str = ""
) -> SupervisionRecord:
    """Mark the required rectification as done."""
    record = _locked_record(actor, record)
    if record.recorded_by_id == actor.pk:
        # Confirming the rectification is a second person's look at what the first one found.
        raise PermissionDenied(
            _("You recorded this finding: you may not confirm that it was rectified.")
        )
    if not record.rectification:
        raise ValidationError(_("This record requires no rectification."))
    if record.rectified_on is not None:
        raise ValidationError(_("The rectification has already been marked as done."))
    if rectified_on > selectors.today():
        raise ValidationError({"rectified_on": _("The date cannot be in the future.")})
    record.rectified_on = rectified_on
    record.rectification_note = note
    record.full_clean()
    record.save(update_fields=["rectified_on", "rectification_note", "updated_at"])
    return record


# Audits -------------------------------------------------------------------------------


@transaction.atomic
def audit_create(
    *,
    actor,
    kind: str,
    village: Village | None = None,
    post: Post | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    auditor: str = "",
) -> Audit:
    """Plan an audit: of a village's expenditure for a period, or of a post (term-end/departure)."""
    require_perm(actor, "supervision.add_audit")
    if kind == Audit.Kind.FINANCIAL:
        if village is None:
            raise ValidationError({"village": _("Choose the village audited.")})
        post = None
    else:
        if post is None:
            raise ValidationError({"post": _("Choose the post audited.")})
        village, period_start, period_end = post.village, None, None
    require_township(actor, village.township_id)
    audit = Audit(
        kind=kind,
        village=village,
        post=post,
        period_start=period_start,
        period_end=period_end,
        auditor=auditor,
        created_by=actor,
    )
    audit.full_clean()
    audit.save()
    return audit


def audits_open_for_ended_posts(*, posts: list[Post]) -> list[Audit]:
    """The register ended these posts: plan each one's departure or term-end audit
    (idempotent): one read, an insert and its history, whatever the number of posts.

    Called by the ``cadres.signals.post_ended`` receiver inside the service's
    transaction; the actor already passed the register's township check there.
    """
    due = {
        (post.pk, selectors.audit_kind_due_for(post)): post
        for post in posts
        if post.body in selectors.AUDITED_BODIES
    }
    if not due:
        return []
    planned = set(
        Audit.objects.filter(post_id__in={pk for pk, _kind in due}).values_list("post_id", "kind")
    )
    audits = [
        Audit(post=post, kind=kind, village_id=post.village_id)
        for (pk, kind), post in due.items()
        if (pk, kind) not in planned
    ]
    return bulk_create_with_history(audits, Audit, batch_size=500) if audits else []


@transaction.atomic
def audit_update(
    *,
    actor,
    audit: Audit,
    status: str,
    auditor: str,
    findings: str,
    amount_questioned: Decimal,
    conclusion: str,
    completed_on: dt.date | None = None,
) -> Audit:
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    require_perm(actor, "supervision.change_audit")
    require_object(actor, audit)
    audit.status = status
    audit.auditor = auditor
    audit.findings = findings
    audit.amount_questioned = amount_questioned
    audit.conclusion = conclusion
    audit.completed_on = completed_on if status == Audit.Status.COMPLETED else None
    audit.full_clean()
    audit.save()
    return audit


@transaction.atomic
def audit_attach(*, actor, audit: Audit, upload: UploadedFile) -> AuditAttachment:
    require_perm(actor, "supervision.change_audit")
    require_object(actor, audit)
    [attachment] = documents_store(AuditAttachment, actor=actor, uploads=[upload], audit=audit)
    return attachment


# Disclosure ---------------------------------------------------------------------------


def _checked_photo(upload: UploadedFile) -> UploadedFile:
    """Accept only a real image, judged by its content (Pillow), and rename it by its format."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("The photo is larger than 10 MB.")})
    try:
        checked = forms.ImageField().to_python(upload)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from error
    suffix = PHOTO_SUFFIXES.get(checked.image.format)
    if suffix is None:
        raise ValidationError({"photo": _("Upload a photo in JPEG, PNG, GIF, WebP or BMP format.")})
    checked.seek(0)
    checked.name = f"photo.{suffix}"
    return checked


@transaction.atomic
def disclosure_create(
    *,
    actor,
    village: Village,
    kind: str,
    period_day: dt.date,
    content: str,
    published_on: dt.date,
    channel: str,
    photo: UploadedFile | None = None,
) -> Disclosure:
    """Record a disclosure; ``period_day`` is any day of the month or quarter it is for."""
    require_perm(actor, "supervision.add_disclosure")
    require_township(actor, village.township_id)
    period, _grace = selectors.schedules()[kind]
    disclosure = Disclosure(
        village=village,
        kind=kind,
        period_start=selectors.period_start(period_day, period),
        content=content,
        published_on=published_on,
        channel=channel,
        recorded_by=actor,
    )
    if published_on > selectors.today():
        raise ValidationError({"published_on": _("The date cannot be in the future.")})
    if photo is not None:
        disclosure.photo = _checked_photo(photo)
    disclosure.full_clean()
    disclosure.save()
    return disclosure


@transaction.atomic
def disclosure_verify(*, actor, disclosure: Disclosure) -> Disclosure:
    """Confirm on the spot (or online) that the disclosure is really posted."""
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    require_perm(actor, "supervision.change_disclosure")
    require_object(actor, disclosure)
    if disclosure.verified_by_id is not None:
        raise ValidationError(_("This disclosure has already been verified."))
    if disclosure.recorded_by_id == actor.pk:
        # Verifying is a second person's look at what the first one recorded.
        raise PermissionDenied(_("You recorded this disclosure: you may not verify it."))
    disclosure.verified_by = actor
    disclosure.verified_on = selectors.today()
    disclosure.save(update_fields=["verified_by", "verified_on", "updated_at"])
    return disclosure


@transaction.atomic
def disclosure_schedule_set(
    *, actor, kind: str, period: str, grace_days: int
) -> DisclosureSchedule:
    """The district sets how often a kind of disclosure is due and how long villages have."""
    require_perm(actor, "supervision.change_disclosureschedule")
    schedule = DisclosureSchedule.objects.select_for_update().filter(kind=kind).first()
    schedule = schedule or DisclosureSchedule(kind=kind)
    schedule.period = period
    schedule.grace_days = grace_days
    schedule.full_clean()
    schedule.save()
    return schedule


# Misconduct cases ------------------------------------------------------------------------


def _log(case: MisconductCase, actor, action: str, note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, at=timezone.now(), actor=actor, action=action, note=note
    )


@transaction.atomic
def case_open(
    *,
    actor,
    person: Person,
    village: Village,
    occurred_on: dt.date,
    facts: str,
    category: str,
    source: str,
    source_record: SupervisionRecord | None = None,
    source_audit: Audit | None = None,
    source_reference: str = "",
) -> MisconductCase:
    require_perm(actor, "supervision.add_misconductcase")
    require_township(actor, village.township_id)
    _check_cadres(village, [person])
    if source_record is not None:
        require_object(actor, source_record)
    if source_audit is not None:
        require_object(actor, source_audit)
    case = MisconductCase(
        person=person,
        village=village,
        occurred_on=occurred_on,
        facts=facts,
        category=category,
        source=source,
        source_record=source_record if source == MisconductCase.Source.SUPERVISION else None,
        source_audit=source_audit if source == MisconductCase.Source.AUDIT else None,
        source_reference=source_reference.strip(),
        opened_by=actor,
    )
    case.full_clean()
    case.save()
    _log(case, actor, CaseEvent.Action.OPENED, facts)
    return case


def _locked_case(actor, case: MisconductCase, *, open_only: bool = True) -> MisconductCase:
    case = MisconductCase.objects.select_for_update().get(pk=case.pk)
    require_perm(actor, "supervision.change_misconductcase")
    require_object(actor, case)
    if open_only and case.status == MisconductCase.Status.CLOSED:
        raise ValidationError(_("The case is closed; reopen it first."))
    return case


def may_decide_case(actor, case: MisconductCase) -> bool:
    """Separation of duties: whoever opened the case or changed its facts (its log) does not
    dispose of it, refer it or close it."""
    return not case.events.filter(
        actor=actor, action__in=[CaseEvent.Action.OPENED, CaseEvent.Action.UPDATED]
    ).exists()


def _locked_decision(actor, case: MisconductCase) -> MisconductCase:
    case = _locked_case(actor, case)
    if not may_decide_case(actor, case):
        raise PermissionDenied(
            _(
                "You opened this case or changed its facts: you may not dispose of it, refer "
                "it or close it."
            )
        )
    return case


@transaction.atomic
def case_update(
    *, actor, case: MisconductCase, occurred_on: dt.date, facts: str, category: str
) -> MisconductCase:
    case = _locked_case(actor, case)
    case.occurred_on = occurred_on
    case.facts = facts
    case.category = category
    case.full_clean()
    case.save()
    _log(case, actor, CaseEvent.Action.UPDATED, facts)
    return case


@transaction.atomic
def case_dispose(
    *, actor, case: MisconductCase, disposition: str, disposed_on: dt.date, note: str = ""
) -> MisconductCase:
    """Record how the township dealt with the cadre (谈话提醒 … 建议罢免/清退).

    A removal disposition also asks the district to remove the cadre: a removal case opens.
    """
    case = _locked_decision(actor, case)
    case.disposition = disposition
    case.disposed_on = disposed_on
    case.full_clean()
    case.save()
    _log(case, actor, CaseEvent.Action.DISPOSED, f"{case.get_disposition_display()}。{note}")
    if case.disposition in MisconductCase.REMOVAL_DISPOSITIONS:
        # Same transaction: the removal case exists iff this disposition was recorded.
        signals.removal_proposed.send(
            sender=MisconductCase,
            person=case.person,
            township=case.village.township,
            actor=actor,
            misconduct_case_id=case.pk,
            misconduct_case_label=str(case),
            reason=f"{case.get_disposition_display()}：{case.facts}",
        )
    return case


@transaction.atomic
def case_refer(
    *,
    actor,
    case: MisconductCase,
    referred_on: dt.date,
    body: str = "",
    body_other: str = "",
    note: str = "",
) -> MisconductCase:
    """Hand the case to the competent body (移交纪委监委、公安 or another)."""
    case = _locked_decision(actor, case)
    if case.referred_on is not None:
        raise ValidationError(_("The case has already been referred."))
    case.referral_body = body
    case.referral_body_other = body_other.strip()
    case.referred_on = referred_on
    case.status = MisconductCase.Status.REFERRED
    case.full_clean()
    case.save()
    _log(case, actor, CaseEvent.Action.REFERRED, f"{case.referral_body_label}。{note}")
    return case


@transaction.atomic
def case_record_outcome(
    *, actor, case: MisconductCase, outcome: str, outcome_on: dt.date
) -> MisconductCase:
    """The receiving body reported back."""
    case = _locked_case(actor, case)
    if case.referred_on is None:
        raise ValidationError(_("The case has not been referred."))
    case.referral_outcome = outcome.strip()
    case.outcome_on = outcome_on
    case.full_clean()
    case.save()
    _log(case, actor, CaseEvent.Action.OUTCOME, outcome)
    return case


@transaction.atomic
def case_add_note(*, actor, case: MisconductCase, note: str) -> CaseEvent:
    case = _locked_case(actor, case, open_only=False)
    if not note.strip():
        raise ValidationError({"note": _("Write the note.")})
    return _log(case, actor, CaseEvent.Action.NOTE, note.strip())


@transaction.atomic
def case_close(*, actor, case: MisconductCase, note: str) -> MisconductCase:
    case = _locked_decision(actor, case)
    if not note.strip():
        raise ValidationError({"note": _("Say why the case is closed.")})
    if not case.disposition and case.referred_on is None:
        raise ValidationError(_("Record a disposition or a referral before closing the case."))
    if case.referred_on is not None and not case.referral_outcome:
        raise ValidationError(_("Record the outcome of the referral before closing the case."))
    case.status = MisconductCase.Status.CLOSED
    case.save(update_fields=["status", "updated_at"])
    _log(case, actor, CaseEvent.Action.CLOSED, note.strip())
    return case


@transaction.atomic
def case_reopen(*, actor, case: MisconductCase, note: str) -> MisconductCase:
    case = _locked_case(actor, case, open_only=False)
    if case.status != MisconductCase.Status.CLOSED:
        raise ValidationError(_("The case is not closed."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the case is reopened.")})
    case.status = MisconductCase.Status.REFERRED if case.referred_on else MisconductCase.Status.OPEN
    case.save(update_fields=["status", "updated_at"])
    _log(case, actor, CaseEvent.Action.REOPENED, note.strip())
    return case


# Handovers (移交) ------------------------------------------------------------------------------

HANDOVER_PERM = "supervision.change_handover"


class HandoverSide:
    """Who confirms a handover: the two holders (recorded by township staff on their behalf)
    and the township witness (who confirms for themself, last)."""

    OUTGOING = "outgoing"
    INCOMING = "incoming"
    WITNESS = "witness"
    ALL = (OUTGOING, INCOMING, WITNESS)


def _incoming_resolve(handover: Handover) -> None:
    """Store the register's incoming holder on a handover that names none (not saved here)."""
    if handover.incoming_person_id is not None:
        return
    row = (
        selectors.with_incoming(Handover.objects.filter(pk=handover.pk))
        .values("resolved_post_id", "resolved_person_id")
        .first()
    )
    if row and row["resolved_person_id"] is not None:
        handover.incoming_post_id = row["resolved_post_id"]
        handover.incoming_person_id = row["resolved_person_id"]


def handovers_open_for_ended_posts(*, posts: list[Post]) -> list[Handover]:
    """The register ended these posts: each post of the village committees ended by a
    general election (换届) is handed over to its successor (idempotent), due the district's
    number of days after the election (``selectors.handover_days``, read once) and naming the
    incoming holder where the register has exactly one. A constant number of queries, whatever
    the number of posts.

    Called by the ``cadres.signals.post_ended`` receiver inside the register's transaction
    (the actor passed its township check there). Posts ended for other reasons get a
    handover only when township staff open one.
    """
    due = [
        post.pk
        for post in posts
        if post.end_reason == Post.EndReason.ELECTION and post.body in selectors.HANDOVER_BODIES
    ]
    if not due:
        return []
    rows = list(
        selectors.with_successor(Post.objects.filter(pk__in=due, handover__isnull=True))
        .order_by("pk")
        .values("pk", "village_id", "ended_on", "successor_post_id", "successor_person_id")
    )
    if not rows:
        return []
    days, opened_on = selectors.handover_days(), selectors.today()
    handovers = [
        Handover(
            outgoing_post_id=row["pk"],
            village_id=row["village_id"],
            incoming_post_id=row["successor_post_id"],
            incoming_person_id=row["successor_person_id"],
            opened_on=opened_on,
            due_on=selectors.handover_due_on(row["ended_on"], days),
        )
        for row in rows
    ]
    return bulk_create_with_history(handovers, Handover, batch_size=500)


def _check_due_on(post: Post, due_on: dt.date) -> None:
    if due_on < post.ended_on:
        raise ValidationError(
            {
                "due_on": _("The handover cannot be due before the post ended (%(date)s).")
                % {"date": post.ended_on.isoformat()}
            }
        )


@transaction.atomic
def handover_open(*, actor, post: Post, due_on: dt.date) -> Handover:
    """Township staff open the handover of a post that ended (for any reason, of any body)."""
    require_perm(actor, "supervision.add_handover")
    post = Post.objects.select_for_update().select_related("village").get(pk=post.pk)
    require_object(actor, post)
    if post.ended_on is None:
        raise ValidationError(
            {"post": _("This post has not ended: there is nothing to hand over.")}
        )
    if Handover.objects.filter(outgoing_post=post).exists():
        raise ValidationError({"post": _("This post's handover has already been opened.")})
    _check_due_on(post, due_on)
    handover = Handover(
        outgoing_post=post,
        village=post.village,
        opened_on=selectors.today(),
        due_on=due_on,
        opened_by=actor,
    )
    _incoming_resolve(handover)
    handover._history_user = actor
    handover.full_clean()
    handover.save()
    return handover


def may_change_handover(actor, handover: Handover) -> bool:
    """Township roles of the handover's township, while it is not completed."""
    return (
        handover.state == Handover.State.OPEN
        and actor.has_perm(HANDOVER_PERM)
        and can_access_township(actor, handover.village.township_id)
    )


def _locked_handover(actor, handover: Handover) -> Handover:
    require_perm(actor, HANDOVER_PERM)
    handover = (
        Handover.objects.select_for_update()
        .select_related("outgoing_post", "village")
        .get(pk=handover.pk)
    )
    require_object(actor, handover)
    if handover.state == Handover.State.COMPLETED:
        raise ValidationError(_("The handover is completed and can no longer be changed."))
    return handover


def _withdraw_confirmations(handover: Handover) -> bool:
    """What the holders confirmed is no longer what the handover says: their confirmations
    are withdrawn (the history keeps them). Not saved here; True when there were any."""
    withdrawn = bool(handover.outgoing_confirmed_at or handover.incoming_confirmed_at)
    handover.outgoing_confirmed_at = handover.outgoing_confirmed_by = None
    handover.incoming_confirmed_at = handover.incoming_confirmed_by = None
    return withdrawn


def _save(handover: Handover, actor) -> Handover:
    handover._history_user = actor
    handover.full_clean()
    handover.save()
    return handover


def _lived_or_served(village: Village, person: Person) -> bool:
    return selectors.village_cadres(village).filter(pk=person.pk).exists()


@transaction.atomic
def handover_update(
    *,
    actor,
    handover: Handover,
    due_on: dt.date,
    incoming_post: Post | None = None,
    incoming_person: Person | None = None,
) -> Handover:
    """Change the due date, or name the incoming holder: by their post (its holder), or the
    person alone (someone not yet in office). Naming another holder withdraws the holders'
    confirmations."""
    handover = _locked_handover(actor, handover)
    outgoing = handover.outgoing_post
    _check_due_on(outgoing, due_on)
    if incoming_post is not None:
        if (
            incoming_post.village_id != handover.village_id
            or incoming_post.pk == outgoing.pk
            or incoming_post.term_start < outgoing.ended_on
        ):
            raise ValidationError(
                {"incoming_post": _("Choose a post of the same village that began afterwards.")}
            )
        incoming_person = incoming_post.person
    elif incoming_person is not None and not _lived_or_served(handover.village, incoming_person):
        message = _("%(name)s never held a post in %(village)s nor live there.")
        raise ValidationError(
            {
                "incoming_person": message
                % {"name": incoming_person.name, "village": handover.village.name}
            }
        )
    if incoming_person is not None and incoming_person.pk == outgoing.person_id:
        raise ValidationError(
            {"incoming_person": _("The outgoing holder cannot hand over to themself.")}
        )
    handover.due_on = due_on
    new_person = incoming_person.pk if incoming_person is not None else None
    if new_person != handover.incoming_person_id:
        _withdraw_confirmations(handover)
    handover.incoming_post = incoming_post
    handover.incoming_person = incoming_person
    if incoming_person is None:
        _incoming_resolve(handover)
    return _save(handover, actor)


@transaction.atomic
def handover_line_add(
    *,
    actor,
    handover: Handover,
    kind: str,
    description: str,
    quantity: int = 1,
    notes: str = "",
    document: UploadedFile | None = None,
) -> HandoverLine:
    """Add an item to the list, with its document if any. The holders confirmed another list:
    their confirmations are withdrawn."""
    handover = _locked_handover(actor, handover)
    line = HandoverLine(
        handover=handover,
        kind=kind,
        description=description.strip(),
        quantity=quantity,
        notes=notes.strip(),
        recorded_by=actor,
    )
    line._history_user = actor
    line.full_clean()
    line.save()
    if document is not None:
        documents_store(
            HandoverDocument, actor=actor, uploads=[document], field="document", line=line
        )
    _incoming_resolve(handover)
    _withdraw_confirmations(handover)
    _save(handover, actor)
    return line


@transaction.atomic
def handover_line_remove(*, actor, line: HandoverLine) -> Handover:
    """Take an item off the list with its documents (the history keeps them). The holders'
    confirmations are withdrawn."""
    handover = _locked_handover(actor, line.handover)
    line = HandoverLine.objects.get(pk=line.pk, handover=handover)
    documents = list(line.documents.all())
    for document in documents:
        document._history_user = actor
        document.delete()
    document_files_release(documents)
    line._history_user = actor
    line.delete()
    _incoming_resolve(handover)
    _withdraw_confirmations(handover)
    return _save(handover, actor)


def handover_recorders(handover: Handover) -> set[int]:
    """The users who wrote the handover's list: added, changed or removed an item (its
    history), or uploaded an item's document."""
    recorded = set(
        HandoverLine.history.filter(handover_id=handover.pk, history_user__isnull=False)
        .values_list("history_user_id", flat=True)
        .distinct()
    )
    recorded |= set(
        HandoverDocument.objects.filter(line__handover=handover).values_list(
            "uploaded_by_id", flat=True
        )
    )
    return recorded


def may_witness(actor, handover: Handover) -> bool:
    """Separation of duties: the witness is a township user (not a district-wide one) who did
    not write the list they witness."""
    return not sees_all_townships(actor) and actor.pk not in handover_recorders(handover)


@transaction.atomic
def handover_confirm(*, actor, handover: Handover, side: str) -> Handover:
    """Record one of the three confirmations, with who recorded it and when.

    The holders (cadres, not users) confirm on paper or in person; township staff record it
    for them. The witness confirms last, after both holders, and may not be anyone who wrote
    the list. With the third confirmation the handover is completed and locked.
    """
    if side not in HandoverSide.ALL:
        raise ValidationError(_("Choose who confirms."))
    handover = _locked_handover(actor, handover)
    if not handover.lines.exists():
        raise ValidationError(_("List what is handed over before anyone confirms it."))
    now = timezone.now()
    if side == HandoverSide.OUTGOING:
        if handover.outgoing_confirmed_at is not None:
            raise ValidationError(_("The outgoing holder has already confirmed."))
        handover.outgoing_confirmed_at, handover.outgoing_confirmed_by = now, actor
    elif side == HandoverSide.INCOMING:
        if handover.incoming_confirmed_at is not None:
            raise ValidationError(_("The incoming holder has already confirmed."))
        _incoming_resolve(handover)
        if handover.incoming_person_id is None:
            raise ValidationError(
                _("Name the incoming holder before recording their confirmation.")
            )
        handover.incoming_confirmed_at, handover.incoming_confirmed_by = now, actor
    else:
        if handover.outgoing_confirmed_at is None or handover.incoming_confirmed_at is None:
            raise ValidationError(_("The witness confirms last, once both holders have confirmed."))
        if sees_all_townships(actor):
            raise PermissionDenied(_("The witness is a user of the township."))
        if actor.pk in handover_recorders(handover):
            raise PermissionDenied(
                _("You recorded items of this handover: you may not witness it.")
            )
        handover.witness_confirmed_at, handover.witness = now, actor
        handover.state = Handover.State.COMPLETED
        handover.completed_on = timezone.localdate(now)
    return _save(handover, actor)
