from django.urls import include, path

urlpatterns = [
    path("", include("webapp.core.urls")),
    path("", include("webapp.dashboard.urls")),
]
