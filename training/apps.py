from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Education and training")

    def ready(self):
        from cadres.jobs import job_kind_register
        from cadres.profile import register_profile_section
        from training import signin_jobs
        from training.profile import profile_section

        register_profile_section("training/_profile_section.html", profile_section, order=40)
        job_kind_register(
            signin_jobs.CHECK_JOB,
            label=_("Sign-in sheet check"),
            permission=signin_jobs.JOB_PERM,
            handler=signin_jobs.signin_check_job,
        )
        job_kind_register(
            signin_jobs.IMPORT_JOB,
            label=_("Sign-in sheet import"),
            permission=signin_jobs.JOB_PERM,
            handler=signin_jobs.signin_import_job,
        )
