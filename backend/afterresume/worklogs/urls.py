from django.urls import path

from afterresume.worklogs import apis, apis_imports

urlpatterns = [
    path("worklogs/", apis.WorkLogListCreateApi.as_view(), name="worklogs"),
    path("worklogs/suggestions/", apis.WorkLogSuggestionsApi.as_view(), name="worklog-suggestions"),
    path("worklogs/stats/", apis.WorkLogStatsApi.as_view(), name="worklog-stats"),
    path(
        "worklogs/imports/preview/",
        apis_imports.WorkLogImportPreviewApi.as_view(),
        name="worklog-import-preview",
    ),
    path(
        "worklogs/imports/template.csv",
        apis_imports.WorkLogImportTemplateApi.as_view(),
        name="worklog-import-template",
    ),
    path("worklogs/<int:worklog_id>/", apis.WorkLogDetailApi.as_view(), name="worklog"),
    path(
        "worklogs/<int:worklog_id>/evidence/", apis.EvidenceListCreateApi.as_view(), name="worklog-evidence"
    ),
    path(
        "worklogs/<int:worklog_id>/evidence/<int:evidence_id>/",
        apis.EvidenceDetailApi.as_view(),
        name="evidence",
    ),
    path(
        "worklogs/<int:worklog_id>/evidence/<int:evidence_id>/download/",
        apis.EvidenceDownloadApi.as_view(),
        name="evidence-download",
    ),
]
