"""The reserve (docs/money.md): a prepaid balance per workspace, in integer micro-dollars
(1 USD = 1,000,000), an append-only ledger, and holds for running jobs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

MICROS_PER_DOLLAR = 1_000_000


class AutoTopupMode(models.TextChoices):
    FIXED = "fixed", "A fixed amount"
    TARGET = "target", "Up to a target balance"


class ReserveAccount(models.Model):
    class Policy(models.TextChoices):
        BLOCK = "block", "Block: refuse work the balance cannot cover"
        WARN = "warn", "Warn: run and warn"
        LIMITED = "limited", "Limited: run only jobs under a ceiling"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.PROTECT, related_name="reserve")
    # Maintained by the posting service only (ledger sum = balance; reconciliation proves it).
    balance_micros = models.BigIntegerField(default=0)
    # Sum of active holds, maintained with them, so that "available" is O(1).
    held_micros = models.BigIntegerField(default=0)
    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.BLOCK)
    limited_ceiling_micros = models.BigIntegerField(default=1 * MICROS_PER_DOLLAR)
    low_balance_threshold_micros = models.BigIntegerField(default=5 * MICROS_PER_DOLLAR)
    is_disputed = models.BooleanField(default=False, help_text="A payment dispute is open.")
    # Auto top-up (docs/money.md): when a debit takes the balance below the low-balance threshold, one
    # off-session payment with the saved card, for a fixed amount or up to a target balance.
    auto_topup_enabled = models.BooleanField(default=False)
    auto_topup_mode = models.CharField(
        max_length=10, choices=AutoTopupMode.choices, default=AutoTopupMode.FIXED
    )
    auto_topup_amount_micros = models.BigIntegerField(default=25 * MICROS_PER_DOLLAR)
    auto_topup_target_micros = models.BigIntegerField(default=50 * MICROS_PER_DOLLAR)
    auto_topup_monthly_cap_micros = models.BigIntegerField(
        null=True, blank=True, help_text="At most this much auto top-up per calendar month (UTC)."
    )
    # Counters for the status bar (O(1), docs/architecture.md), maintained where usage is recorded.
    tokens_in_total = models.BigIntegerField(default=0)
    tokens_out_total = models.BigIntegerField(default=0)
    # The workspace's jobs now running: +1 when a job starts, -1 when a running job ends, under the
    # job's lock (jobs.services).
    jobs_running = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(held_micros__gte=0), name="reserve_held_not_negative"),
            models.CheckConstraint(
                condition=Q(jobs_running__gte=0), name="reserve_jobs_running_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(limited_ceiling_micros__gte=0), name="reserve_ceiling_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(auto_topup_amount_micros__gt=0) & Q(auto_topup_target_micros__gt=0),
                name="reserve_auto_topup_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"reserve of {self.tenant}"

    @property
    def available_micros(self) -> int:
        return self.balance_micros - self.held_micros

    @property
    def is_low_balance(self) -> bool:
        return self.balance_micros < self.low_balance_threshold_micros


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger entries are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Ledger entries are append-only: they cannot be deleted.")


class LedgerEntry(models.Model):
    """One movement of money. Never updated, never deleted (here, and by a PostgreSQL trigger)."""

    class Kind(models.TextChoices):
        TOPUP = "topup", "Top-up"
        GRANT = "grant", "Promotional credit"
        USAGE = "usage", "Usage"
        ADJUSTMENT = "adjustment", "Adjustment"
        REFUND = "refund", "Refund"
        REVERSAL = "reversal", "Reversal"

    account = models.ForeignKey(ReserveAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount_micros = models.BigIntegerField(help_text="Signed: credits positive, debits negative.")
    balance_after_micros = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold = models.ForeignKey("Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stripe_event_id = models.CharField(max_length=100, blank=True)
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"], name="ledger_account_newest")]
        constraints = [models.CheckConstraint(condition=~Q(amount_micros=0), name="ledger_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_micros:+d} µ$"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Ledger entries are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only: they cannot be deleted.")

    @property
    def is_paid_money(self) -> bool:
        # Promotional credit is always shown apart from paid money (docs/money.md).
        return self.kind in (self.Kind.TOPUP, self.Kind.REFUND)


class Hold(models.Model):
    """Money set aside for a running job: its pre-flight estimate, until the actual cost is
    captured and the rest released. Lives outside the ledger (docs/money.md)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CAPTURED = "captured", "Captured"
        RELEASED = "released", "Released"
        # Outlived its expiry (a job that never reported back): the money is available again, and
        # a late capture still charges what was used.
        EXPIRED = "expired", "Expired"

    account = models.ForeignKey(ReserveAccount, on_delete=models.PROTECT, related_name="holds")
    amount_micros = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    idempotency_key = models.CharField(max_length=200, unique=True)
    job_reference = models.CharField(max_length=100, blank=True, help_text="The job this hold is for.")
    captured_micros = models.BigIntegerField(null=True, blank=True)
    overrun_micros = models.BigIntegerField(default=0, help_text="Captured beyond the hold.")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_micros__gt=0), name="hold_amount_positive")]
        indexes = [models.Index(fields=["account", "status"], name="hold_account_status")]

    def __str__(self) -> str:
        return f"hold {self.amount_micros} µ$ ({self.status})"


class RateCard(models.Model):
    """Prices per plan (workspaces carry a plan; one, "standard", to start)."""

    plan = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.plan


class RateCardVersion(models.Model):
    """The prices in force from `effective_from` until `effective_to` (open-ended when empty).
    Usage is priced with the version in force when it happened."""

    card = models.ForeignKey(RateCard, on_delete=models.PROTECT, related_name="versions")
    effective_from = models.DateTimeField()
    effective_to = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["card", "effective_from"], name="rate_version_unique_start"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                name="rate_version_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card} from {self.effective_from:%Y-%m-%d}"


class RateLineItem(models.Model):
    """`price_micros` per `per_quantity` units of `meter` on `model` (e.g. 500,000 µ$ per
    1,000,000 input tokens of the `local` model)."""

    version = models.ForeignKey(RateCardVersion, on_delete=models.PROTECT, related_name="items")
    meter = models.CharField(max_length=40, help_text="e.g. tokens_in, tokens_out")
    model = models.CharField(max_length=100, help_text="e.g. local, gpt-4o-mini")
    price_micros = models.BigIntegerField()
    per_quantity = models.BigIntegerField(default=1_000_000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "meter", "model"], name="rate_item_unique"),
            models.CheckConstraint(
                condition=Q(price_micros__gte=0) & Q(per_quantity__gt=0), name="rate_item_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.meter}: {self.price_micros} µ$ / {self.per_quantity}"


class StripeEvent(models.Model):
    """Every webhook event, stored by its id before it is processed (docs/money.md). Stripe does not
    promise an order: an event that cannot be applied yet (a refund of a payment whose own event
    has not arrived) waits for it; one whose processing failed is retried; neither is dropped."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        # Names a payment this reserve has not seen yet: applied when that payment is credited.
        WAITING = "waiting", "Waiting for its payment"
        # Processing raised: retried (beat) with back-off; operators see it on Admin → Billing.
        FAILED = "failed", "Failed, will be retried"
        # Cannot be applied as it is (another currency): an operator has to look at it.
        REFUSED = "refused", "Refused, needs an operator"

    id = models.CharField(primary_key=True, max_length=100)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    # The payment (PaymentIntent id) a waiting event needs before it can be applied.
    waiting_for_payment = models.CharField(max_length=100, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"], name="stripe_event_status")]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class SimulatedCheckout(models.Model):
    """A top-up in simulated mode (development): the local stand-in for a Stripe Checkout page."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELED = "canceled", "Canceled"

    id = models.CharField(primary_key=True, max_length=80)
    account = models.ForeignKey(ReserveAccount, on_delete=models.PROTECT, related_name="+")
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    return_url = models.URLField(max_length=500)
    save_card = models.BooleanField(default=True, help_text="Keep the card for auto top-up.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class BillingProfile(models.Model):
    """A workspace's customer at Stripe (created when first needed)."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.PROTECT, related_name="billing_profile")
    stripe_customer_id = models.CharField(max_length=100, unique=True)
    # The card auto top-up charges off-session: saved by a Checkout top-up (setup_future_usage) or
    # found on the customer (added in the portal). Its label is for people ("Visa •••• 4242").
    payment_method_id = models.CharField(max_length=100, blank=True)
    payment_method_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.tenant} at Stripe: {self.stripe_customer_id}"


class AutoTopup(models.Model):
    """One automatic top-up: at most one per crossing of the low-balance threshold (the crossing's
    key is unique), charged off-session with the saved card."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    account = models.ForeignKey(ReserveAccount, on_delete=models.PROTECT, related_name="auto_topups")
    crossing_key = models.CharField(max_length=100, unique=True)
    amount_micros = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    payment_intent_id = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=300, blank=True, help_text="Why it failed or was skipped.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "created_at"], name="auto_topup_account_time")]

    def __str__(self) -> str:
        return f"auto top-up {self.amount_micros} µ$ ({self.status})"


class UsageEvent(models.Model):
    """One metered call (an LLM request): what it used and what it cost, priced once with the rate
    card version in force when it happened (docs/money.md). The job system records these; the
    admin usage-cost table sums them by workspace, model and day."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200, unique=True)
    job_reference = models.CharField(max_length=100, blank=True, help_text="The job, when there is one.")
    model = models.CharField(max_length=100)
    tokens_in = models.BigIntegerField(default=0)
    tokens_out = models.BigIntegerField(default=0)
    tokens_counted_locally = models.BooleanField(
        default=False, help_text="The server's answer had no usage: the tokens are our own plain count."
    )
    duration_ms = models.PositiveIntegerField(default=0)
    cost_micros = models.BigIntegerField()
    rate_card_version = models.ForeignKey(RateCardVersion, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "occurred_at"], name="usage_tenant_time"),
            # A job's usage, costed in chunks by billing.cost_usage (partial: most rows have a job).
            models.Index(fields=["job_reference", "id"], name="usage_job", condition=~Q(job_reference="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tokens_in__gte=0) & Q(tokens_out__gte=0) & Q(cost_micros__gte=0),
                name="usage_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model}: {self.tokens_in}+{self.tokens_out} tokens, {self.cost_micros} µ$"
