from django.urls import path

from cadres.records import views

app_name = "records"

urlpatterns = [
    path("filings/", views.filing_list, name="filing_list"),
    path("filings/unfiled/", views.unfiled_list, name="unfiled_list"),
    path("filings/new/", views.filing_create, name="filing_create"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/documents/<int:pk>/", views.filing_document, name="filing_document"),
    path("secretary-changes/", views.change_list, name="change_list"),
    path("secretary-changes/new/<int:post_pk>/", views.change_create, name="change_create"),
    path("secretary-changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("secretary-changes/documents/<int:pk>/", views.change_document, name="change_document"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/missing/", views.missing_report_list, name="missing_report_list"),
    path("reports/new/<int:person_pk>/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("rosters/", views.roster_list, name="roster_list"),
    path("rosters/new/", views.roster_create, name="roster_create"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster_detail"),
    path("rosters/<int:pk>/print/", views.roster_print, name="roster_print"),
    path("shifts/<int:pk>/", views.shift_action, name="shift_action"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/new/<int:person_pk>/", views.leave_create, name="leave_create"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/overview/", views.project_overview, name="project_overview"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/documents/<int:pk>/", views.progress_document, name="progress_document"),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/rule/", views.grading_rule_edit, name="grading_rule_edit"),
    path("evaluations/new/", views.evaluation_create, name="evaluation_create"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("candidates/", views.candidate_list, name="candidate_list"),
    path("candidates/new/", views.candidate_create, name="candidate_create"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("recusals/", views.recusal_list, name="recusal_list"),
    path("recusals/<int:pk>/record/", views.recusal_record, name="recusal_record"),
    path("people/<int:pk>/", views.person_records, name="person_records"),
]
