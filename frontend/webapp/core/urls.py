from django.urls import path

from webapp.core import views

app_name = "core"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("status-bar/", views.status_bar, name="status_bar"),
]
