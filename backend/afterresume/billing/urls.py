from django.urls import path

from afterresume.billing.api import admin, admin_pricing, payments, reserve

urlpatterns = [
    path("billing/reserve/balance/", reserve.ReserveBalanceApi.as_view(), name="reserve-balance"),
    path("billing/reserve/ledger/", reserve.ReserveLedgerApi.as_view(), name="reserve-ledger"),
    path("billing/topup/session/", payments.TopupSessionApi.as_view(), name="topup-session"),
    path("billing/portal/session/", payments.PortalSessionApi.as_view(), name="portal-session"),
    path("billing/topup/options/", payments.TopupOptionsApi.as_view(), name="topup-options"),
    path("billing/webhook/", payments.StripeWebhookApi.as_view(), name="stripe-webhook"),
    path("billing/profile/", reserve.BillingProfileApi.as_view(), name="billing-profile"),
    path("status/bar/", reserve.StatusBarApi.as_view(), name="status-bar"),
    path(
        "billing/admin/reserve/summary/", admin.AdminReserveSummaryApi.as_view(), name="admin-reserve-summary"
    ),
    path("billing/admin/reserve/adjust/", admin.AdminReserveAdjustApi.as_view(), name="admin-reserve-adjust"),
    path("billing/admin/reserve/ledger/", admin.AdminTenantLedgerApi.as_view(), name="admin-reserve-ledger"),
    path("billing/admin/usage/costs/", admin_pricing.AdminUsageCostsApi.as_view(), name="admin-usage-costs"),
    path("billing/admin/rate-cards/", admin_pricing.AdminRateCardApi.as_view(), name="admin-rate-cards"),
    path(
        "billing/admin/reconciliation/", admin.AdminReconciliationApi.as_view(), name="admin-reconciliation"
    ),
    path("billing/admin/stripe-events/", admin.AdminStripeEventsApi.as_view(), name="admin-stripe-events"),
    path(
        "billing/admin/stripe-events/<str:event_id>/retry/",
        admin.AdminStripeEventRetryApi.as_view(),
        name="admin-stripe-event-retry",
    ),
    path("billing/admin/ledger/export.csv", admin.AdminLedgerExportApi.as_view(), name="admin-ledger-export"),
]
