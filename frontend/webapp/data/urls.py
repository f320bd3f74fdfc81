from django.urls import path

from webapp.data import views

app_name = "data"
urlpatterns = [
    path("data/export/", views.export_page, name="export"),
    path("data/exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
