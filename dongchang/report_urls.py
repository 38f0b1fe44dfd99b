from django.urls import path

from dongchang import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.report_list, name="list"),
    path("build/", report_views.report_build, name="build"),
    path("<str:month>.xlsx", report_views.report_download, name="download"),
]
