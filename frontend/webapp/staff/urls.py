from django.urls import path

from webapp.staff import metrics_views, system_views, views

app_name = "staff"
urlpatterns = [
    path("passkeys/", views.passkeys, name="passkeys"),
    path("passkeys/new/", views.passkey_create, name="passkey_create"),
    path("passkeys/<int:passkey_id>/", views.passkey_detail, name="passkey"),
    path("passkeys/<int:passkey_id>/revoke/", views.passkey_revoke, name="passkey_revoke"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/<str:action>/", views.user_update, name="user_update"),
    path("audit/", views.audit, name="audit"),
    path("jobs/", views.jobs, name="jobs"),
    path("metrics/", metrics_views.metrics, name="metrics"),
    path("metrics/backfill/", metrics_views.metrics_backfill, name="metrics_backfill"),
    path("metrics/<slug:key>.csv", metrics_views.metrics_csv, name="metrics_csv"),
    path("system/", system_views.system, name="system"),
]
