from django.urls import path

from vetting import candidate_views, rule_views, views

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
    path("rules/", rule_views.rules_overview, name="rules"),
    path("rules/negative-list/", rule_views.negative_list_edit, name="negative_list_edit"),
    path(
        "rules/negative-list/<int:pk>/",
        rule_views.negative_list_version,
        name="negative_list_version",
    ),
    path("rules/eligibility/", rule_views.eligibility_edit, name="eligibility_edit"),
    path("rules/eligibility/<int:pk>/", rule_views.eligibility_version, name="eligibility_version"),
    path("rules/review/", rule_views.eligibility_review, name="eligibility_review"),
    path("candidates/", candidate_views.queue, name="case_queue"),
    path("candidates/all/", candidate_views.case_list, name="case_list"),
    path("candidates/all/export/", candidate_views.case_export, name="case_export"),
    path("candidates/ledger/", candidate_views.ledger, name="case_ledger"),
    path("candidates/new/", candidate_views.case_new, name="case_new"),
    path("candidates/people/", candidate_views.person_search, name="case_person_search"),
    path("candidates/batch/", candidate_views.batch_upload, name="batch_upload"),
    path("candidates/batch/<int:pk>/", candidate_views.batch_preview, name="batch_preview"),
    path("candidates/batch/<int:pk>/confirm/", candidate_views.batch_confirm, name="batch_confirm"),
    path(
        "candidates/roster/<int:pk>/nominate/",
        candidate_views.roster_nominate,
        name="roster_nominate",
    ),
    path("candidates/opinions/agree/", candidate_views.opinions_agree_bulk, name="opinions_agree"),
    path("candidates/opinions/overdue/", candidate_views.overdue_opinions, name="opinions_overdue"),
    path("candidates/<int:pk>/", candidate_views.case_detail, name="case_detail"),
    path("candidates/<int:pk>/edit/", candidate_views.case_edit, name="case_edit"),
    path("candidates/<int:pk>/act/<str:verb>/", candidate_views.case_act, name="case_act"),
    path("candidates/<int:pk>/reveal/", candidate_views.reveal_id_number, name="case_reveal_id"),
    path("candidates/<int:pk>/relatives/", candidate_views.relative_add, name="case_relative_add"),
    path(
        "candidates/<int:pk>/relatives/<int:relative_pk>/reveal/",
        candidate_views.reveal_id_number,
        name="case_reveal_relative_id",
    ),
    path(
        "candidates/<int:pk>/relatives/<int:relative_pk>/edit/",
        candidate_views.relative_edit,
        name="case_relative_edit",
    ),
    path(
        "candidates/<int:pk>/relatives/<int:relative_pk>/remove/",
        candidate_views.relative_remove,
        name="case_relative_remove",
    ),
    path("candidates/<int:pk>/attachments/", candidate_views.attachment_add, name="case_attach"),
    path(
        "candidates/attachments/<int:pk>/",
        candidate_views.attachment_download,
        name="case_attachment",
    ),
]
