from django.urls import path

from webapp.billing import views

app_name = "billing"
urlpatterns = [
    path("billing/", views.billing, name="billing"),
    path("billing/topup/", views.topup, name="topup"),
    path("billing/portal/", views.portal, name="portal"),
    path("billing/settings/", views.billing_settings, name="billing_settings"),
    path("admin/billing/", views.admin_billing, name="admin_billing"),
    path("admin/billing/adjust/", views.admin_adjust, name="admin_adjust"),
    path("admin/billing/ledger.csv", views.admin_ledger_export, name="admin_ledger_export"),
]
