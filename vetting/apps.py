from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VettingConfig(AppConfig):
    name = "vetting"
    verbose_name = _("Eligibility screening and vetting")

    def ready(self) -> None:
        from cadres import signals
        from vetting import receivers

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
