from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from dongchang import notification_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("help/", views.help_index, name="help"),
    path("help/<slug:role>/", views.help_guide, name="help_guide"),
    path("warning-rules/", views.warning_rules, name="warning_rules"),
    path("warning-rules/<int:pk>/", views.warning_rules_version, name="warning_rules_version"),
    path("warning-rules/edit/", views.warning_rules_edit, name="warning_rules_edit"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path("notifications/bell/", notification_views.notification_bell, name="notification_bell"),
    path(
        "notifications/read-all/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
    path("todo-deadlines/", views.todo_deadlines, name="todo_deadlines"),
    path("todo-deadlines/<int:pk>/", views.todo_deadlines_version, name="todo_deadlines_version"),
    path("todo-deadlines/edit/", views.todo_deadlines_edit, name="todo_deadlines_edit"),
    path("elections/<int:pk>/before-after/", views.election_report, name="election_report"),
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
