from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VettingConfig(AppConfig):
    name = "vetting"
    verbose_name = _("Eligibility screening and vetting")

    def ready(self) -> None:
        from cadres import signals
        from cadres.access_log_page import access_log_model_register
        from cadres.jobs import job_kind_register
        from vetting import place_events, receivers, review_form
        from vetting.services import watchlists

        signals.person_identity_changed.connect(
            receivers.person_changed, dispatch_uid="vetting.person_changed"
        )
        signals.relative_identity_changed.connect(
            receivers.relative_changed, dispatch_uid="vetting.relative_changed"
        )
        signals.register_imported.connect(
            receivers.register_imported, dispatch_uid="vetting.register_imported"
        )
        signals.removal_proposed.connect(
            receivers.removal_proposed, dispatch_uid="vetting.removal_proposed"
        )
        job_kind_register(
            watchlists.CHECK_JOB,
            label=_("Watchlist check"),
            permission=watchlists.IMPORT_PERM,
            handler=watchlists.watchlist_check_job,
        )
        job_kind_register(
            watchlists.IMPORT_JOB,
            label=_("Watchlist import"),
            permission=watchlists.IMPORT_PERM,
            handler=watchlists.watchlist_import_job,
        )
        job_kind_register(
            review_form.JOB,
            label=_("Joint review forms"),
            # Whoever may open the batch's cases: the worker builds the forms as that user.
            permission=None,
            handler=review_form.review_forms_job,
        )
        place_events.register()
        # Whom the access log's entries about vetting records concern (its page).
        access_log_model_register(
            "vetting.Hit",
            related=[
                "person",
                "relative",
                "candidate__village",
                "candidate_relative",
                "entry",
            ],
            subject=lambda hit: hit.subject,
            profile=lambda hit: hit.person_id or (hit.relative.cadre_id if hit.relative else None),
        )
        access_log_model_register(
            "vetting.CandidateCase",
            related=["village"],
            subject=lambda case: case,
            profile=lambda case: case.person_id,
        )
        access_log_model_register("vetting.CandidateRelative", subject=lambda relative: relative)
