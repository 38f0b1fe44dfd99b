"""What recomputes a cadre's warning light: a write to any record a rule reads; what
tells users of vetting's events (its signals, vetting.signals) in their bell; and the
election's 交接 stage, read from supervision's handovers.

The rules read every app's rows, and those apps may not import this one (DESIGN.md §2), so
the lights listen to the rows' own post_save and post_delete (and the supervision record's
cadres) and recompute the people concerned after the transaction commits, in one task for
all of them. Bulk writes send no signal: the nightly run catches them, except the posts
that one service ends, which the register tells in one post_ended.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from cadres.models import Person, Post
from cadres.records.models import AnnualEvaluation, DutyShift, PersonalReport
from cadres.signals import post_ended
from dongchang import notifications
from dongchang.todo import active_deadlines
from dongchang.warnings import lights_refresh_enqueue
from supervision import selectors as supervision_selectors
from supervision.models import Audit, Disclosure, Handover, MisconductCase, SupervisionRecord
from training.models import Attendance, DailyStudy
from vetting import election_stages
from vetting import signals as vetting_signals
from vetting.models import Hit, RemovalCase


def _by_person(sender, instance, **kwargs) -> None:
    lights_refresh_enqueue([instance.person_id])


def _person(sender, instance, **kwargs) -> None:
    lights_refresh_enqueue([instance.pk])


def _audit(sender, instance, **kwargs) -> None:
    if instance.post_id is not None:
        lights_refresh_enqueue(
            Post.objects.filter(pk=instance.post_id).values_list("person_id", flat=True)
        )


def _record(sender, instance, **kwargs) -> None:
    lights_refresh_enqueue(instance.cadres.values_list("pk", flat=True))


def _record_cadres(sender, instance, action, pk_set, **kwargs) -> None:
    if action in ("post_add", "post_remove", "pre_clear"):
        lights_refresh_enqueue(pk_set or instance.cadres.values_list("pk", flat=True))


def _posts_ended(sender, posts, **kwargs) -> None:
    # A general election ends a village's posts in bulk, and opens their audits in bulk: no
    # row's post_save tells the lights, so the one signal for all of them does.
    lights_refresh_enqueue(post.person_id for post in posts)


def _handover_days() -> int:
    return active_deadlines().handover_days


def _village(sender, instance, **kwargs) -> None:
    serving = Post.objects.serving().filter(village_id=instance.village_id)
    lights_refresh_enqueue(serving.values_list("person_id", flat=True))


# Vetting's events, told once the step has committed (robust: a notification that fails is
# logged, and the committed step stands).


def _opinions_requested(sender, *, opinion_ids, **kwargs) -> None:
    ids = list(opinion_ids)
    transaction.on_commit(
        lambda: notifications.opinions_requested_notify(opinion_ids=ids), robust=True
    )


def _case_returned(sender, *, case, actor, **kwargs) -> None:
    case_id, actor_id = case.pk, actor.pk
    transaction.on_commit(
        lambda: notifications.case_returned_notify(case_id=case_id, actor_id=actor_id),
        robust=True,
    )


def _case_decided(sender, *, case, actor, **kwargs) -> None:
    case_id, actor_id = case.pk, actor.pk
    transaction.on_commit(
        lambda: notifications.case_decided_notify(case_id=case_id, actor_id=actor_id),
        robust=True,
    )


def election_handovers_pending(villages) -> set[int]:
    """The confirmed election villages (ElectionVillage) with a handover still open among those
    the election opened (posts ended with reason 换届): one query for any number of villages."""
    by_village = {village.village_id: village.pk for village in villages}
    open_ = Handover.objects.filter(
        village_id__in=by_village,
        state=Handover.State.OPEN,
        outgoing_post__end_reason=Post.EndReason.ELECTION,
    )
    return {by_village[pk] for pk in open_.values_list("village_id", flat=True).distinct()}


def connect() -> None:
    election_stages.handover_query_register(election_handovers_pending)
    supervision_selectors.handover_days_register(_handover_days)
    post_ended.connect(_posts_ended, dispatch_uid="warning_lights_posts_ended")
    vetting_signals.opinions_requested.connect(
        _opinions_requested, dispatch_uid="notifications_opinions_requested"
    )
    vetting_signals.case_returned.connect(_case_returned, dispatch_uid="notifications_returned")
    vetting_signals.case_decided.connect(_case_decided, dispatch_uid="notifications_decided")
    for model in (
        Hit,
        RemovalCase,
        MisconductCase,
        AnnualEvaluation,
        DutyShift,
        PersonalReport,
        Attendance,
        DailyStudy,
        Post,
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                _by_person, sender=model, dispatch_uid=f"warning_lights_{model.__name__}"
            )
    post_save.connect(_person, sender=Person, dispatch_uid="warning_lights_Person")
    for signal in (post_save, post_delete):
        signal.connect(_audit, sender=Audit, dispatch_uid="warning_lights_Audit")
        signal.connect(_village, sender=Disclosure, dispatch_uid="warning_lights_Disclosure")
    post_save.connect(_record, sender=SupervisionRecord, dispatch_uid="warning_lights_record")
    m2m_changed.connect(
        _record_cadres, sender=SupervisionRecord.cadres.through, dispatch_uid="warning_lights_m2m"
    )
