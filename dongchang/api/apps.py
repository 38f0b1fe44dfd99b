from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "dongchang.api"
    # Permissions and tables read "api.<codename>" (api_apiclient …).
    label = "api"
    verbose_name = _("Read-only API")
