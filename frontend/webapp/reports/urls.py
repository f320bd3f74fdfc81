from django.urls import path

from webapp.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/estimate/", views.estimate, name="estimate"),
    path("reports/start/", views.start, name="start"),
    path("reports/<int:report_id>/", views.report, name="report"),
    path("reports/<int:report_id>/shares/", views.share_create, name="share_create"),
    path(
        "reports/<int:report_id>/shares/<int:link_id>/revoke/",
        views.share_revoke,
        name="share_revoke",
    ),
    # Public: no sign-in, no app shell (the link itself is the permission).
    path("shared/<str:token>/", views.shared, name="shared"),
    path(
        "reports/<int:report_id>/files/<int:artifact_id>/download/",
        views.artifact_download,
        name="artifact_download",
    ),
]
