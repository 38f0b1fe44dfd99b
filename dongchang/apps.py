from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DongchangConfig(AppConfig):
    name = "dongchang"
    verbose_name = _("District-wide views")

    def ready(self) -> None:
        from cadres.jobs import job_kind_register
        from dongchang import services

        job_kind_register(
            services.REPORT_JOB,
            label=_("Monthly workbook"),
            permission=services.BUILD_PERM,
            handler=services.monthly_report_job,
        )
