from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VettingConfig(AppConfig):
    name = "vetting"
    verbose_name = _("Eligibility screening and vetting")
