from django.urls import path

from afterresume.core.apis import HealthApi

urlpatterns = [
    path("healthz/", HealthApi.as_view(), name="healthz"),
]
