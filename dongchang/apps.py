from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DongchangConfig(AppConfig):
    name = "dongchang"
    verbose_name = _("District-wide views")

    def ready(self) -> None:
        from cadres.jobs import job_kind_register
        from cadres.profile import register_profile_section
        from dongchang import receivers, services, views

        job_kind_register(
            services.REPORT_JOB,
            label=_("Monthly workbook"),
            permission=services.BUILD_PERM,
            handler=services.monthly_report_job,
        )
        receivers.connect()
        register_profile_section(
            "dongchang/_warning_light.html", views.warning_light_section, order=5
        )
