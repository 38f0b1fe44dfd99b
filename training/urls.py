from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("new/", views.session_create, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("materials/<int:pk>/", views.material_download, name="material"),
    path("materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("<int:pk>/roster/invite/", views.roster_invite, name="roster_invite"),
    path("<int:pk>/roster/add/", views.roster_add, name="roster_add"),
    path("<int:pk>/roster/remove/", views.roster_remove, name="roster_remove"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/signin/", views.signin_upload, name="signin"),
    path("<int:pk>/signin/template/", views.signin_template, name="signin_template"),
    path("<int:pk>/signin/<int:file_pk>/", views.signin_preview, name="signin_preview"),
    path("<int:pk>/signin/<int:file_pk>/errors/", views.signin_errors, name="signin_errors"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("coverage/", views.coverage, name="coverage"),
    path("study/", views.study_list, name="studies"),
    path("study/<int:pk>/delete/", views.study_delete, name="study_delete"),
]
