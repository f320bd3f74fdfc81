from django.urls import path

from afterresume.metrics import apis, apis_system

urlpatterns = [
    path("system/metrics/daily/", apis.DailyMetricsApi.as_view(), name="metrics-daily"),
    path("system/metrics/workspaces/", apis.TenantMetricsApi.as_view(), name="metrics-workspaces"),
    path("system/metrics/runs/", apis.RunListApi.as_view(), name="metrics-runs"),
    path("system/metrics/backfill/", apis.BackfillApi.as_view(), name="metrics-backfill"),
    path("system/metrics/system/", apis_system.SystemStatusApi.as_view(), name="metrics-system"),
]
