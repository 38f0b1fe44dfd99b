"""The supervision records that follow a village when it is merged or split
(cadres.place_events): what is still going on moves, what is past stays."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.place_events import open_records_register
from supervision.models import Audit, Disclosure, Handover, MisconductCase, SupervisionRecord


def register() -> None:
    open_records_register(
        key="supervision.rectification",
        label=_("Rectifications not yet done"),
        model=SupervisionRecord,
        open=lambda day: ~Q(rectification="") & Q(rectified_on__isnull=True),
    )
    # A financial audit of a period over before the change audits the old village's accounts.
    open_records_register(
        key="supervision.audit",
        label=_("Audits not yet completed"),
        model=Audit,
        open=lambda day: (
            ~Q(status=Audit.Status.COMPLETED) & ~Q(kind=Audit.Kind.FINANCIAL, period_end__lt=day)
        ),
    )
    # A period before the change is the old village's, verified or not.
    open_records_register(
        key="supervision.disclosure",
        label=_("Disclosures not yet verified, for periods from the change"),
        model=Disclosure,
        open=lambda day: Q(verified_by__isnull=True, period_start__gte=day),
    )
    open_records_register(
        key="supervision.misconductcase",
        label=_("Misconduct cases not yet closed"),
        model=MisconductCase,
        open=lambda day: ~Q(status=MisconductCase.Status.CLOSED),
    )
    open_records_register(
        key="supervision.handover",
        label=_("Handovers not yet completed"),
        model=Handover,
        open=lambda day: Q(state=Handover.State.OPEN),
    )
