from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "cadres.records"
    # Permissions read "records.<codename>" (e.g. records.confirm_secretaryfiling).
    label = "records"
    verbose_name = _("Management records")

    def ready(self) -> None:
        from cadres.records import cadre_form, place_events, profile

        profile.register()
        cadre_form.register()
        place_events.register()
