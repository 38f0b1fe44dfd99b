from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("Cadre register")

    def ready(self) -> None:
        from cadres import search

        search.connect()
