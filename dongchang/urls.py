from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from dongchang import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("help/", views.help_index, name="help"),
    path("help/<slug:role>/", views.help_guide, name="help_guide"),
    path("warning-rules/", views.warning_rules, name="warning_rules"),
    path("warning-rules/<int:pk>/", views.warning_rules_version, name="warning_rules_version"),
    path("warning-rules/edit/", views.warning_rules_edit, name="warning_rules_edit"),
    path("accounts/", include("dongchang.accounts.urls")),
    path("cadres/", include("cadres.urls")),
    path("reports/", include("dongchang.report_urls")),
    path("training/", include("training.urls")),
    path("supervision/", include("supervision.urls")),
    path("vetting/", include("vetting.urls")),
    path("api/v1/", include("dongchang.api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
