from django.urls import path

from vetting import views

app_name = "vetting"

urlpatterns = [
    path("hits/", views.hit_list, name="hit_list"),
    path("hits/export/", views.hit_export, name="hit_export"),
    path("hits/dismiss/", views.hits_dismiss, name="hits_dismiss"),
    path("hits/<int:pk>/", views.hit_detail, name="hit_detail"),
    path("hits/<int:pk>/decide/", views.hit_decide, name="hit_decide"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("watchlists/", views.watchlist_list, name="watchlist_list"),
    path("watchlists/import/", views.watchlist_upload, name="watchlist_upload"),
    path("watchlists/import/<int:pk>/", views.watchlist_preview, name="watchlist_preview"),
    path("watchlists/import/<int:pk>/confirm/", views.watchlist_confirm, name="watchlist_confirm"),
    path("removals/", views.removal_list, name="removal_list"),
    path("removals/<int:pk>/", views.removal_detail, name="removal_detail"),
]
