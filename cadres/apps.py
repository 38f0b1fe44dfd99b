from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("Cadre register")

    def ready(self) -> None:
        from cadres import listing, roster_jobs, search
        from cadres.jobs import job_kind_register

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
