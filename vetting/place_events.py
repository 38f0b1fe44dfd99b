"""The vetting records that follow a village when it is merged or split
(cadres.place_events): what is still going on moves, what is decided stays."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.place_events import open_records_register
from vetting.models import CandidateCase, Hit


def register() -> None:
    open_records_register(
        key="vetting.candidatecase",
        label=_("Candidate cases not yet decided"),
        model=CandidateCase,
        open=lambda day: ~Q(state__in=[CandidateCase.State.APPROVED, CandidateCase.State.REJECTED]),
        group_field="villager_group",
    )
    # A hit keeps its township besides its village: its scope follows too.
    open_records_register(
        key="vetting.hit",
        label=_("Screening hits pending review"),
        model=Hit,
        open=lambda day: Q(status=Hit.Status.PENDING),
        township_field="township_id",
    )
