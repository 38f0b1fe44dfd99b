from django.urls import include, path

from cadres import (
    access_log_views,
    id_conflict_views,
    import_views,
    job_views,
    person_detail_views,
    place_event_views,
    places_views,
    strict_control_views,
    structure_views,
    views,
)

app_name = "cadres"

urlpatterns = [
    path("records/", include("cadres.records.urls")),
    path("", views.person_list, name="list"),
    path("import/", import_views.roster_upload, name="import_upload"),
    path("import/template/", import_views.roster_template, name="import_template"),
    path("import/<int:pk>/", import_views.roster_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", import_views.roster_confirm, name="import_confirm"),
    path("import/<int:pk>/errors/", import_views.roster_errors, name="import_errors"),
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/retry/", job_views.job_retry, name="job_retry"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("access-log/", access_log_views.access_log_list, name="access_log"),
    path("access-log/verify/", access_log_views.access_log_verify, name="access_log_verify"),
    path("places/", places_views.places, name="places"),
    path("places/import/", places_views.places_import_upload, name="places_import"),
    path(
        "places/import/<int:pk>/",
        places_views.places_import_preview,
        name="places_import_preview",
    ),
    path(
        "places/import/<int:pk>/apply/",
        places_views.places_import_apply,
        name="places_import_apply",
    ),
    path(
        "places/import/<int:pk>/errors/",
        places_views.places_import_errors,
        name="places_import_errors",
    ),
    path("structure/", structure_views.structure, name="structure"),
    path("structure/targets/", structure_views.targets_history, name="structure_targets"),
    path(
        "structure/targets/<int:pk>/",
        structure_views.targets_version,
        name="structure_targets_version",
    ),
    path("structure/targets/edit/", structure_views.targets_edit, name="structure_targets_edit"),
    path("places/changes/", place_event_views.place_event_list, name="place_event_list"),
    path("places/changes/new/", place_event_views.place_event_create, name="place_event_create"),
    path(
        "places/changes/<int:pk>/", place_event_views.place_event_detail, name="place_event_detail"
    ),
    path(
        "places/changes/<int:pk>/document/",
        place_event_views.place_event_document,
        name="place_event_document",
    ),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/form/", views.person_form, name="person_form"),
    path("forms/", views.forms_batch, name="forms"),
    path("<int:pk>/posts/new/", views.post_appoint, name="post_appoint"),
    path("<int:pk>/relatives/new/", views.relative_add, name="relative_add"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("strict-control/", strict_control_views.strict_control_list, name="strict_control_list"),
    path("id-conflicts/", id_conflict_views.id_conflict_list, name="id_conflict_list"),
    path(
        "<int:pk>/strict-control/",
        strict_control_views.strict_control_set,
        name="strict_control_set",
    ),
    path(
        "<int:pk>/strict-control/review/",
        strict_control_views.strict_control_review,
        name="strict_control_review",
    ),
    path(
        "<int:pk>/strict-control/lift/",
        strict_control_views.strict_control_lift,
        name="strict_control_lift",
    ),
    path("relatives/<int:pk>/edit/", views.relative_edit, name="relative_edit"),
    path("<int:pk>/photo/", person_detail_views.photo, name="photo"),
    path("<int:pk>/photo/upload/", person_detail_views.photo_upload, name="photo_upload"),
    path("<int:pk>/photo/delete/", person_detail_views.photo_delete, name="photo_delete"),
    path("<int:pk>/reveal/", views.reveal_id_number, {"kind": "person"}, name="reveal_id"),
    path(
        "relatives/<int:pk>/reveal/",
        views.reveal_id_number,
        {"kind": "relative"},
        name="reveal_relative_id",
    ),
    # The profile's detail rows, one set of pages per kind (education, resume, reward).
    *(
        pattern
        for kind in person_detail_views.ROW_KINDS
        for pattern in (
            path(
                f"<int:pk>/{kind}/new/",
                person_detail_views.detail_row_add,
                {"kind": kind},
                name=f"{kind}_add",
            ),
            path(
                f"{kind}/<int:pk>/edit/",
                person_detail_views.detail_row_edit,
                {"kind": kind},
                name=f"{kind}_edit",
            ),
            path(
                f"{kind}/<int:pk>/delete/",
                person_detail_views.detail_row_delete,
                {"kind": kind},
                name=f"{kind}_delete",
            ),
        )
    ),
]
