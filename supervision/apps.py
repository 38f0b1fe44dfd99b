from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from cadres.signals import post_ended
        from supervision import receivers

        post_ended.connect(
            receivers.open_audit_for_ended_post, dispatch_uid="supervision_open_audit"
        )
