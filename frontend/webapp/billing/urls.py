from django.urls import path

from webapp.billing import staff_views, views

app_name = "billing"
urlpatterns = [
    path("billing/", views.billing, name="billing"),
    path("billing/topup/", views.topup, name="topup"),
    path("billing/portal/", views.portal, name="portal"),
    path("billing/settings/", views.billing_settings, name="billing_settings"),
    path("billing/auto-topup/", views.auto_topup_settings, name="auto_topup_settings"),
    path("admin/billing/", views.admin_billing, name="admin_billing"),
    path("admin/billing/adjust/", views.admin_adjust, name="admin_adjust"),
    path(
        "admin/billing/stripe-events/<str:event_id>/retry/",
        views.admin_stripe_event_retry,
        name="admin_stripe_event_retry",
    ),
    path("admin/billing/ledger.csv", views.admin_ledger_export, name="admin_ledger_export"),
    path("admin/billing/rate-cards/", staff_views.admin_rate_cards, name="admin_rate_cards"),
    path("admin/billing/rate-cards/new/", staff_views.admin_rate_card_create, name="admin_rate_card_create"),
    path("admin/billing/usage/", staff_views.admin_usage_costs, name="admin_usage_costs"),
]
