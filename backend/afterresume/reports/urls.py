from django.urls import path

from afterresume.reports import apis

urlpatterns = [
    path("reports/<int:report_id>/", apis.ReportDetailApi.as_view(), name="report"),
    path(
        "reports/<int:report_id>/artifacts/<int:artifact_id>/download/",
        apis.ReportDownloadApi.as_view(),
        name="report-download",
    ),
]
