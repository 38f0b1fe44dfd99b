from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Education and training")

    def ready(self):
        from cadres.profile import register_profile_section
        from training.profile import profile_section

        register_profile_section("training/_profile_section.html", profile_section, order=40)
