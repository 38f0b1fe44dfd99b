from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DongchangConfig(AppConfig):
    name = "dongchang"
    verbose_name = _("District-wide views")
