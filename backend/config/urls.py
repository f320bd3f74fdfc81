from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from afterresume.accounts.apis import allauth_login_with_429, atomic_allauth_signup
from afterresume.billing.views import simulated_checkout
from afterresume.core.prometheus import metrics

urlpatterns = [
    path("api/", include("afterresume.core.urls")),
    path("api/", include("afterresume.tenants.urls")),
    path("api/", include("afterresume.accounts.urls")),
    path("api/", include("afterresume.invites.urls")),
    path("api/", include("afterresume.audit.urls")),
    path("api/", include("afterresume.worklogs.urls")),
    path("api/", include("afterresume.billing.urls")),
    path("api/", include("afterresume.jobs.urls")),
    path("api/", include("afterresume.skills.urls")),
    path("api/", include("afterresume.reports.urls")),
    path("api/", include("afterresume.metrics.urls")),
    # allauth's headless sign-up, wrapped in one transaction (must come before allauth's own URLs).
    path("_allauth/app/v1/auth/signup", atomic_allauth_signup, name="allauth-signup-atomic"),
    path("_allauth/app/v1/auth/login", allauth_login_with_429, name="allauth-login"),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", permission_classes=[]),
        name="api-docs",
    ),
    path("billing/simulated-checkout/<str:checkout_id>/", simulated_checkout, name="simulated-checkout"),
    path("admin/", admin.site.urls),
    # Prometheus's scrape target, outside /api/ and the schema (core.prometheus.is_scraper).
    path("metrics", metrics, name="metrics"),
]

handler400 = "afterresume.core.errors.handler400"
handler403 = "afterresume.core.errors.handler403"
handler404 = "afterresume.core.errors.handler404"
handler500 = "afterresume.core.errors.handler500"
