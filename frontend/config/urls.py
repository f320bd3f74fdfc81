from django.urls import include, path

from webapp.core.prometheus import metrics

urlpatterns = [
    path("", include("webapp.core.urls")),
    path("", include("webapp.dashboard.urls")),
    path("", include("webapp.accounts.urls")),
    path("", include("webapp.billing.urls")),
    path("admin/", include("webapp.staff.urls")),
    path("", include("webapp.worklogs.urls")),
    path("", include("webapp.jobs.urls")),
    path("", include("webapp.skills.urls")),
    path("", include("webapp.reports.urls")),
    path("", include("webapp.data.urls")),
    path("", include("webapp.team.urls")),
    # Prometheus's scrape target (webapp.core.prometheus.is_scraper).
    path("metrics", metrics, name="metrics"),
]
