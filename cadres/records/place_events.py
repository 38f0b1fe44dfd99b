"""The management records that follow a village when it is merged or split
(cadres.place_events): what is still going on moves, what is past stays."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.place_events import open_records_register
from cadres.records.models import DutyRoster, PartyCandidate, PersonalReport, PioneerProject


def register() -> None:
    open_records_register(
        key="records.dutyroster",
        label=_("Duty rosters not yet over"),
        model=DutyRoster,
        open=lambda day: Q(ends_on__gte=day),
    )
    open_records_register(
        key="records.pioneerproject",
        label=_("Pioneer projects in progress"),
        model=PioneerProject,
        open=lambda day: Q(status=PioneerProject.Status.CLAIMED),
    )
    open_records_register(
        key="records.personalreport",
        label=_("Personal matters reports not yet approved"),
        model=PersonalReport,
        open=lambda day: ~Q(status=PersonalReport.Status.APPROVED),
    )
    open_records_register(
        key="records.partycandidate",
        label=_("Party membership candidates on the way"),
        model=PartyCandidate,
        open=lambda day: ~Q(stage=PartyCandidate.Stage.FULL),
    )
