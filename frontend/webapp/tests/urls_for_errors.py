"""A route that exists only in tests: a view that lets a backend failure propagate."""

from django.http import JsonResponse
from django.urls import include, path


def needs_backend(request):
    return JsonResponse(request.backend.get("/api/anything/"))


urlpatterns = [
    path("needs-backend/", needs_backend),
    path("", include("config.urls")),
]
