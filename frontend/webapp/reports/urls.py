from django.urls import path

from webapp.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/estimate/", views.estimate, name="estimate"),
    path("reports/start/", views.start, name="start"),
    path("reports/<int:report_id>/", views.report, name="report"),
    path(
        "reports/<int:report_id>/files/<int:artifact_id>/download/",
        views.artifact_download,
        name="artifact_download",
    ),
]
