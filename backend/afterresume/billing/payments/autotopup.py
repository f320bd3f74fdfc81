"""Auto top-up (docs/money.md), one attempt for one crossing of the low-balance threshold (see
autotopup_triggers for when): one off-session payment with the saved card, for a fixed amount or
up to a target balance, within an optional monthly cap; a top-up that leaves the balance still
under the threshold is followed by the next. The crossing's key is unique, so a crossing pays at
most once however often its task runs; the payment credits the reserve through the same idempotent
key as its webhook (`payment:<payment intent>`), so it is counted once too."""

import logging

import stripe
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from afterresume.audit.services import audit_record
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import (
    AutoTopup,
    AutoTopupMode,
    BillingProfile,
    LedgerEntry,
    ReserveAccount,
)
from afterresume.billing.money import (
    MICROS_PER_CENT,
    dollars_to_micros,
    micros_to_cents_up,
    micros_to_dollars,
)
from afterresume.billing.payments.autotopup_triggers import (
    auto_topup_is_needed,
    auto_topup_on_its_way,
    auto_topup_queue,
    auto_topup_spent_this_month_micros,
)
from afterresume.billing.payments.gateway import card_label, stripe_client
from afterresume.billing.payments.queue import DELIVER_SIMULATED_AUTO_TOPUP, task_queue_on_commit
from afterresume.tenants.models import Membership

logger = logging.getLogger(__name__)

# Worth retrying: the network, Stripe's own trouble, its rate limit.
TRANSIENT_STRIPE_ERRORS = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)
NO_CARD = "No saved card: pay one top-up by card (it is saved for auto top-up) or add a card in the portal."


def auto_topup_amount_micros(account: ReserveAccount) -> int:
    """What to charge: the fixed amount, or what brings the balance up to the target; never less
    than what lifts the balance above the threshold again (else no crossing would ever come to
    pay the next one); in whole cents (rounded up) and within the top-up range."""
    if account.auto_topup_mode == AutoTopupMode.TARGET:
        wanted = account.auto_topup_target_micros - account.balance_micros
    else:
        wanted = account.auto_topup_amount_micros
    lifting = account.low_balance_threshold_micros - account.balance_micros + MICROS_PER_CENT
    # The range's ends are whole dollars, so the clamped amount stays in whole cents.
    low, high = dollars_to_micros(settings.TOPUP_MIN_DOLLARS), dollars_to_micros(settings.TOPUP_MAX_DOLLARS)
    return min(max(micros_to_cents_up(max(wanted, lifting, 0)) * MICROS_PER_CENT, low), high)


def auto_topup_run(*, account_id: int, crossing_key: str) -> AutoTopup | None:
    """The task's body: decide under the account lock, then charge outside it. Safe to run again
    for the same crossing (a retry continues the same attempt with the same Stripe idempotency key)."""
    with transaction.atomic():
        account = (
            ReserveAccount.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=account_id)
        )
        attempt = AutoTopup.objects.filter(crossing_key=crossing_key).first()
        if attempt is not None:
            if attempt.status != AutoTopup.Status.PENDING or attempt.payment_intent_id:
                return attempt  # decided (and charged) before
            if not auto_topup_is_needed(account):  # a late redelivery: turned off or topped up since
                return _fail(attempt, account, "No longer needed: nothing was charged.", tell=False)
        else:
            if not auto_topup_is_needed(account):
                return None  # turned off, or topped up by hand since the crossing
            if AutoTopup.objects.filter(auto_topup_on_its_way(timezone.now()), account=account).exists():
                return None  # a payment is on its way: one at a time
            attempt = _decide(account, crossing_key)
            if attempt.status != AutoTopup.Status.PENDING:
                return attempt
    return _charge(attempt, account)


def _decide(account: ReserveAccount, crossing_key: str) -> AutoTopup:
    amount = auto_topup_amount_micros(account)
    cap = account.auto_topup_monthly_cap_micros
    outcome = ""
    if cap is not None:
        left = cap - auto_topup_spent_this_month_micros(account)
        left -= left % MICROS_PER_CENT
        if amount > left:
            amount = left
            outcome = f"Reduced to {micros_to_dollars(left)} USD by the monthly cap."
        if amount < dollars_to_micros(settings.TOPUP_MIN_DOLLARS):
            attempt = AutoTopup.objects.create(
                account=account,
                crossing_key=crossing_key,
                amount_micros=0,
                status=AutoTopup.Status.SKIPPED,
                outcome="The monthly cap for auto top-up is reached: top up by hand or raise the cap.",
            )
            _audit(attempt, account, "reserve.auto_topup_skipped")
            _tell_owners(account, subject="Automatic top-up skipped", outcome=attempt.outcome)
            return attempt
    return AutoTopup.objects.create(
        account=account, crossing_key=crossing_key, amount_micros=amount, outcome=outcome
    )


def _charge(attempt: AutoTopup, account: ReserveAccount) -> AutoTopup:
    profile = BillingProfile.objects.filter(tenant_id=account.tenant_id).first()
    if settings.STRIPE_SIMULATED:
        if profile is None or not profile.payment_method_id:
            return _fail(attempt, account, NO_CARD)
        # As Stripe would: the payment's signed event arrives at the webhook, asynchronously.
        AutoTopup.objects.filter(pk=attempt.pk).update(payment_intent_id=f"pi_sim_auto_{attempt.pk}")
        attempt.refresh_from_db()
        task_queue_on_commit(DELIVER_SIMULATED_AUTO_TOPUP, attempt.pk, robust=True)
        return attempt
    if not settings.STRIPE_SECRET_KEY:
        return _fail(attempt, account, "Payments are not configured on this server.")
    if profile is None:
        return _fail(attempt, account, NO_CARD)
    cents = attempt.amount_micros // MICROS_PER_CENT
    try:
        payment_method_id = _saved_card(profile)
        if not payment_method_id:
            return _fail(attempt, account, NO_CARD)
        intent = stripe_client().v1.payment_intents.create(
            params={
                "amount": cents,
                "currency": "usd",
                "customer": profile.stripe_customer_id,
                "payment_method": payment_method_id,
                # A saved card, charged without its holder: no redirect-based method may be chosen.
                "payment_method_types": ["card"],
                "off_session": True,
                "confirm": True,
                "metadata": {
                    "tenant_id": str(account.tenant_id),
                    "purpose": "auto_topup",
                    "auto_topup_id": str(attempt.pk),
                },
            },
            options={"idempotency_key": f"auto_topup:{attempt.pk}"},
        )
    except stripe.CardError as error:
        return _fail(
            attempt,
            account,
            f"The card was declined: {error.user_message or error.code or 'no reason given'}.",
        )
    except TRANSIENT_STRIPE_ERRORS:
        raise  # the task retries with the same idempotency key (the payment is made at most once)
    except stripe.StripeError as error:
        if isinstance(error, stripe.InvalidRequestError) and (
            error.http_status == 404 or error.code == "resource_missing" or error.param == "payment_method"
        ):
            # The remembered card is gone (replaced in the portal, say): forget it, so that the
            # next attempt takes the customer's current card.
            BillingProfile.objects.filter(pk=profile.pk).update(payment_method_id="", payment_method_label="")
        return _fail(attempt, account, f"Stripe refused the payment: {error.user_message or error}.")
    AutoTopup.objects.filter(pk=attempt.pk).update(payment_intent_id=intent.id)
    attempt.payment_intent_id = intent.id
    if intent.status == "succeeded":
        auto_topup_settle(attempt_id=attempt.pk, payment_intent_id=intent.id, cents=cents, event_id="")
    elif intent.status != "processing":
        return _fail(attempt, account, f"The card needs its holder ({intent.status}): top up by hand once.")
    attempt.refresh_from_db()
    return attempt


def _saved_card(profile: BillingProfile | None) -> str:
    """The saved card: ours, or else the customer's default or first card at Stripe (added in the
    portal), remembered for next time."""
    if profile is None:
        return ""
    if profile.payment_method_id:
        return profile.payment_method_id
    client = stripe_client()
    customer = client.v1.customers.retrieve(profile.stripe_customer_id).to_dict()
    default = (customer.get("invoice_settings") or {}).get("default_payment_method")
    if default:
        method = client.v1.payment_methods.retrieve(default if isinstance(default, str) else default["id"])
    else:
        cards = client.v1.payment_methods.list(
            params={"customer": profile.stripe_customer_id, "type": "card"}
        )
        if not cards.data:
            return ""
        method = cards.data[0]
    BillingProfile.objects.filter(pk=profile.pk).update(
        payment_method_id=method.id, payment_method_label=card_label(method.to_dict().get("card"))
    )
    return method.id


def auto_topup_settle(
    *, attempt_id: int, payment_intent_id: str, cents: int, event_id: str, tenant_id: int | None = None
) -> LedgerEntry | None:
    """The payment succeeded (seen by the task or by the webhook, whichever is first): credit once,
    keyed by the payment, and mark the attempt. None when there is no such attempt (of that
    workspace, when given): the caller credits it as a plain payment."""
    with transaction.atomic():
        attempt = (
            AutoTopup.objects.select_for_update(of=("self",))
            .select_related("account__tenant")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or (tenant_id is not None and attempt.account.tenant_id != tenant_id):
            return None
        if attempt.payment_intent_id not in ("", payment_intent_id):
            return None  # not this attempt's payment
        entry = ledger_post(
            account_id=attempt.account_id,
            kind=LedgerEntry.Kind.TOPUP,
            amount_micros=cents * MICROS_PER_CENT,
            idempotency_key=f"payment:{payment_intent_id}",
            memo="Auto top-up",
            stripe_event_id=event_id,
        )
        if attempt.status != AutoTopup.Status.SUCCEEDED:
            attempt.status = AutoTopup.Status.SUCCEEDED
            attempt.payment_intent_id = payment_intent_id
            attempt.save(update_fields=["status", "payment_intent_id", "updated_at"])
            _audit(attempt, attempt.account, "reserve.auto_topped_up", target=f"ledger_entry:{entry.pk}")
            account = attempt.account
            account.refresh_from_db(
                fields=["balance_micros", "low_balance_threshold_micros", "auto_topup_enabled"]
            )
            if auto_topup_is_needed(account):
                # Still under the threshold (usage went on meanwhile, or the top-up range or the
                # cap limited this one): no crossing will come, so the next attempt follows now.
                auto_topup_queue(account_id=account.pk, crossing_key=f"after:{attempt.pk}")
    return entry


def auto_topup_give_up(*, crossing_key: str, reason: str) -> None:
    """The task ran out of retries (Stripe unreachable for long): the attempt fails, visibly."""
    attempt = AutoTopup.objects.select_related("account__tenant").filter(crossing_key=crossing_key).first()
    if attempt is not None and attempt.status == AutoTopup.Status.PENDING and not attempt.payment_intent_id:
        _fail(attempt, attempt.account, f"Stripe could not be reached ({reason}): nothing was charged.")


def auto_topup_payment_failed(
    *, attempt_id: int, tenant_id: int, payment_intent_id: str, message: str
) -> bool:
    """Stripe says the attempt's payment failed. Only for the attempt of that workspace and that
    payment; False when the event names something else."""
    attempt = AutoTopup.objects.select_related("account__tenant").filter(pk=attempt_id).first()
    if (
        attempt is None
        or attempt.account.tenant_id != tenant_id
        or attempt.payment_intent_id not in ("", payment_intent_id)
    ):
        return False
    if attempt.status == AutoTopup.Status.PENDING:
        _fail(attempt, attempt.account, f"The payment failed: {message}")
    return True


def _fail(attempt: AutoTopup, account: ReserveAccount, outcome: str, *, tell: bool = True) -> AutoTopup:
    updated = AutoTopup.objects.filter(pk=attempt.pk, status=AutoTopup.Status.PENDING).update(
        status=AutoTopup.Status.FAILED, outcome=outcome[:300], updated_at=timezone.now()
    )
    attempt.refresh_from_db()
    if updated:
        logger.warning("auto top-up %s of workspace %s failed: %s", attempt.pk, account.tenant_id, outcome)
        _audit(attempt, account, "reserve.auto_topup_failed")
        if tell:
            _tell_owners(account, subject="Automatic top-up failed", outcome=attempt.outcome)
    return attempt


def _tell_owners(account: ReserveAccount, *, subject: str, outcome: str) -> None:
    """The workspace's owners hear of an automatic top-up that did not pay (after commit): work
    will be refused once the balance runs out, so they must not find out from a refusal."""
    owners = list(
        Membership.objects.filter(
            tenant_id=account.tenant_id, role=Membership.Role.OWNER, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if not owners:
        return
    body = (
        f"{outcome}\n\n"
        f"The balance of {account.tenant.name} is {micros_to_dollars(account.balance_micros)} USD. "
        f"Top up or change the automatic top-up on the billing page: {settings.FRONTEND_URL}/billing/\n"
    )

    def send() -> None:
        try:
            send_mail(f"AfterResume: {subject}", body, None, owners)
        except Exception:  # the attempt and its audit stand; a mail server down must not undo them
            logger.exception(
                "could not mail the owners of workspace %s about an auto top-up", account.tenant_id
            )

    transaction.on_commit(send)


def _audit(attempt: AutoTopup, account: ReserveAccount, action: str, target: str = "") -> None:
    summaries = {
        "reserve.auto_topped_up": f"Auto top-up of {micros_to_dollars(attempt.amount_micros)} USD paid",
        "reserve.auto_topup_failed": f"Auto top-up failed: {attempt.outcome}",
        "reserve.auto_topup_skipped": f"Auto top-up skipped: {attempt.outcome}",
    }
    audit_record(
        category="billing",
        action=action,
        tenant=account.tenant,
        target=target or f"auto_topup:{attempt.pk}",
        summary=summaries[action],
    )
