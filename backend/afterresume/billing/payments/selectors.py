from django.db.models import QuerySet

from afterresume.billing.ledger.selectors import reserve_summary
from afterresume.billing.models import AutoTopup, BillingProfile, ReserveAccount, StripeEvent
from afterresume.billing.payments.autotopup_triggers import auto_topup_spent_this_month_micros

STRIPE_EVENT_STATUSES_NEEDING_ATTENTION = (
    StripeEvent.Status.FAILED,
    StripeEvent.Status.WAITING,
    StripeEvent.Status.REFUSED,
    StripeEvent.Status.RECEIVED,
)


def stripe_events_needing_attention() -> QuerySet[StripeEvent]:
    """Webhook events not applied (yet): failed and retried, waiting for their payment, refused
    (another currency), or never finished. Newest first."""
    return StripeEvent.objects.filter(status__in=STRIPE_EVENT_STATUSES_NEEDING_ATTENTION).order_by(
        "-received_at"
    )


def billing_summary() -> dict[str, int]:
    """Operators' overview: every reserve at once and the Stripe events needing attention."""
    return {**reserve_summary(), "stripe_events_needing_attention": stripe_events_needing_attention().count()}


def billing_profile_get(*, account: ReserveAccount) -> dict:
    """The reserve's settings, what auto top-up spent this month, the saved card and the last
    five automatic top-ups (AutoTopup rows), as the API's BillingProfileOut writes them."""
    profile = BillingProfile.objects.filter(tenant_id=account.tenant_id).first()
    attempts = AutoTopup.objects.filter(account=account).order_by("-id")[:5]
    return {
        "policy": account.policy,
        "low_balance_threshold_micros": account.low_balance_threshold_micros,
        "limited_ceiling_micros": account.limited_ceiling_micros,
        "auto_topup_enabled": account.auto_topup_enabled,
        "auto_topup_mode": account.auto_topup_mode,
        "auto_topup_amount_micros": account.auto_topup_amount_micros,
        "auto_topup_target_micros": account.auto_topup_target_micros,
        "auto_topup_monthly_cap_micros": account.auto_topup_monthly_cap_micros,
        "auto_topup_spent_this_month_micros": auto_topup_spent_this_month_micros(account),
        "payment_method": (
            {"label": profile.payment_method_label or "Saved card"}
            if profile and profile.payment_method_id
            else None
        ),
        "auto_topups": list(attempts),
    }
