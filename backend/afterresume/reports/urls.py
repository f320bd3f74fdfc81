from django.urls import path

from afterresume.reports import apis

urlpatterns = [
    path("reports/<int:report_id>/", apis.ReportDetailApi.as_view(), name="report"),
    path(
        "reports/<int:report_id>/artifacts/<int:artifact_id>/download/",
        apis.ReportDownloadApi.as_view(),
        name="report-download",
    ),
    path("reports/<int:report_id>/shares/", apis.ShareLinkListApi.as_view(), name="report-shares"),
    path(
        "reports/<int:report_id>/shares/<int:link_id>/revoke/",
        apis.ShareLinkRevokeApi.as_view(),
        name="report-share-revoke",
    ),
    path("shared/reports/<str:token>/", apis.SharedReportApi.as_view(), name="shared-report"),
]
