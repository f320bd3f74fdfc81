from django.urls import path

from afterresume.billing import apis, views, webhook_apis

urlpatterns = [
    path("billing/reserve/balance/", apis.ReserveBalanceApi.as_view(), name="reserve-balance"),
    path("billing/reserve/ledger/", apis.ReserveLedgerApi.as_view(), name="reserve-ledger"),
    path("billing/topup/session/", apis.TopupSessionApi.as_view(), name="topup-session"),
    path("billing/portal/session/", apis.PortalSessionApi.as_view(), name="portal-session"),
    path("billing/topup/options/", apis.TopupOptionsApi.as_view(), name="topup-options"),
    path("billing/webhook/", views.StripeWebhookApi.as_view(), name="stripe-webhook"),
    path("billing/profile/", apis.BillingProfileApi.as_view(), name="billing-profile"),
    path("status/bar/", apis.StatusBarApi.as_view(), name="status-bar"),
    path(
        "billing/admin/reserve/summary/", apis.AdminReserveSummaryApi.as_view(), name="admin-reserve-summary"
    ),
    path("billing/admin/reserve/adjust/", apis.AdminReserveAdjustApi.as_view(), name="admin-reserve-adjust"),
    path("billing/admin/reserve/ledger/", apis.AdminTenantLedgerApi.as_view(), name="admin-reserve-ledger"),
    path("billing/admin/usage/costs/", apis.AdminUsageCostsApi.as_view(), name="admin-usage-costs"),
    path("billing/admin/rate-cards/", apis.AdminRateCardApi.as_view(), name="admin-rate-cards"),
    path("billing/admin/reconciliation/", apis.AdminReconciliationApi.as_view(), name="admin-reconciliation"),
    path(
        "billing/admin/stripe-events/",
        webhook_apis.AdminStripeEventsApi.as_view(),
        name="admin-stripe-events",
    ),
    path(
        "billing/admin/stripe-events/<str:event_id>/retry/",
        webhook_apis.AdminStripeEventRetryApi.as_view(),
        name="admin-stripe-event-retry",
    ),
    path("billing/admin/ledger/export.csv", apis.AdminLedgerExportApi.as_view(), name="admin-ledger-export"),
]
