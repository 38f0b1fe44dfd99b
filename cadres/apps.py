from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("Cadre register")

    def ready(self) -> None:
        from cadres import access_log_page, cadre_form, listing, roster_jobs, search
        from cadres.access_log_page import access_log_model_register
        from cadres.jobs import job_kind_label, job_kind_register

        search.connect()
        job_kind_register(
            roster_jobs.CHECK_JOB,
            label=_("Roster check"),
            permission=roster_jobs.IMPORT_PERM,
            handler=roster_jobs.roster_check_job,
        )
        job_kind_register(
            roster_jobs.IMPORT_JOB,
            label=_("Roster import"),
            permission=roster_jobs.IMPORT_PERM,
            handler=roster_jobs.roster_import_job,
        )
        job_kind_register(
            listing.EXPORT_JOB,
            label=_("Export"),
            # Anyone who sees a list may export it: the worker requests the list's page as
            # them, which applies the page's own permission and scoping.
            permission=None,
            handler=listing.export_job,
        )
        job_kind_register(
            access_log_page.VERIFY_JOB,
            label=_("Access log verification"),
            permission=access_log_page.VERIFY_PERM,
            handler=access_log_page.access_log_verify_job,
        )
        job_kind_register(
            cadre_form.JOB,
            label=_("Cadre information forms"),
            # Anyone who sees a township's register may have its forms: the worker builds
            # them as that user, scoped again.
            permission=None,
            handler=cadre_form.cadre_forms_job,
        )
        access_log_model_register(
            "cadres.Person", subject=lambda person: person, profile=lambda person: person.pk
        )
        access_log_model_register(
            "cadres.Relative",
            subject=lambda relative: relative,
            profile=lambda relative: relative.cadre_id,
        )
        access_log_model_register(
            "cadres.Job", describe=lambda job: f"{job_kind_label(job.kind)} #{job.pk}"
        )
