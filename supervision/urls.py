from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("records/", views.record_list, name="record_list"),
    path("records/overdue/", views.record_list, {"overdue": True}, name="record_overdue"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/rectify/", views.record_rectify, name="record_rectify"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/due/", views.audit_due_list, name="audit_due_list"),
    path("audits/new/", views.audit_create, name="audit_create"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/edit/", views.audit_edit, name="audit_edit"),
    path("audits/<int:pk>/attach/", views.audit_attach, name="audit_attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("disclosures/", views.disclosure_list, name="disclosure_list"),
    path("disclosures/overdue/", views.disclosure_overdue, name="disclosure_overdue"),
    path("disclosures/new/", views.disclosure_create, name="disclosure_create"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<int:pk>/verify/", views.disclosure_verify, name="disclosure_verify"),
    path("disclosures/<int:pk>/photo/", views.disclosure_photo, name="disclosure_photo"),
    path("disclosures/schedule/", views.schedule_list, name="schedule_list"),
    path("disclosures/schedule/<str:kind>/", views.schedule_edit, name="schedule_edit"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/<str:action>/", views.case_action, name="case_action"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/new/", views.handover_create, name="handover_create"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/edit/", views.handover_edit, name="handover_edit"),
    path("handovers/<int:pk>/items/", views.handover_line_add, name="handover_line_add"),
    path(
        "handovers/<int:pk>/items/<int:line_pk>/remove/",
        views.handover_line_remove,
        name="handover_line_remove",
    ),
    path(
        "handovers/<int:pk>/confirm/<str:side>/",
        views.handover_confirm,
        name="handover_confirm",
    ),
    path("handover-documents/<int:pk>/", views.handover_document, name="handover_document"),
]
