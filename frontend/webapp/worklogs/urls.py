from django.urls import path

from webapp.worklogs import import_views, views

app_name = "worklogs"
urlpatterns = [
    path("timeline/", views.timeline, name="timeline"),
    path("entries/new/", views.quick_add, name="quick_add"),
    path("entries/import/", import_views.import_page, name="import"),
    path("entries/import/template.csv", import_views.import_template, name="import_template"),
    path("entries/<int:worklog_id>/", views.entry, name="entry"),
    path("entries/<int:worklog_id>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:worklog_id>/enhance/", views.entry_enhance, name="entry_enhance"),
    path("entries/<int:worklog_id>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:worklog_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path(
        "entries/<int:worklog_id>/evidence/<int:evidence_id>/delete/",
        views.evidence_delete,
        name="evidence_delete",
    ),
    path(
        "entries/<int:worklog_id>/evidence/<int:evidence_id>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
]
