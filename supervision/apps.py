from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from cadres.profile import register_profile_section
        from cadres.signals import post_ended
        from supervision import place_events, receivers, views

        post_ended.connect(
            receivers.open_audits_for_ended_posts, dispatch_uid="supervision_open_audit"
        )
        post_ended.connect(
            receivers.open_handovers_for_ended_posts, dispatch_uid="supervision_open_handover"
        )
        place_events.register()
        register_profile_section(
            "supervision/_profile_section.html", views.profile_section_context, order=60
        )
