import csv
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.audit.services import audit_record
from afterresume.billing.autotopup import auto_topup_check_now, auto_topup_spent_this_month_micros
from afterresume.billing.gateway import checkout_session_create, portal_session_create, stripe_customer_for
from afterresume.billing.models import (
    MICROS_PER_DOLLAR,
    AutoTopup,
    AutoTopupMode,
    BillingProfile,
    LedgerEntry,
    RateCardVersion,
    ReserveAccount,
    UsageEvent,
)
from afterresume.billing.money import (
    MICROS_PER_CENT,
    cents_to_dollars,
    dollars_to_micros,
    exact_dollars,
    micros_to_cents,
    micros_to_dollars,
)
from afterresume.billing.pricing import rate_card_version_create
from afterresume.billing.selectors import reserve_reconcile, stripe_events_needing_attention
from afterresume.billing.services import ledger_post
from afterresume.billing.simulated import simulated_checkout_create
from afterresume.core.exceptions import DomainError
from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator
from afterresume.core.schema import ERROR
from afterresume.tenants.apis import TenantApi
from afterresume.tenants.models import Membership, Tenant


def balance_out(account: ReserveAccount) -> dict:
    return {
        "balance_micros": account.balance_micros,
        "held_micros": account.held_micros,
        "available_micros": account.available_micros,
        "balance_cents": micros_to_cents(account.balance_micros),
        "balance_dollars": micros_to_dollars(account.balance_micros),
        "is_low_balance": account.balance_micros < account.low_balance_threshold_micros,
        "low_balance_threshold_micros": account.low_balance_threshold_micros,
        "policy": account.policy,
        "is_disputed": account.is_disputed,
    }


def entry_out(entry: LedgerEntry) -> dict:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "kind": entry.kind,
        "amount_micros": entry.amount_micros,
        "amount_dollars": micros_to_dollars(entry.amount_micros),
        "balance_after_micros": entry.balance_after_micros,
        "balance_after_dollars": micros_to_dollars(entry.balance_after_micros),
        "memo": entry.memo,
        # Promotional credit is always shown apart from paid money (DESIGN §6).
        "is_paid_money": entry.kind in (LedgerEntry.Kind.TOPUP, LedgerEntry.Kind.REFUND),
    }


class BalanceOut(serializers.Serializer):
    """What balance_out() answers (for the schema)."""

    balance_micros = serializers.IntegerField()
    held_micros = serializers.IntegerField()
    available_micros = serializers.IntegerField()
    balance_cents = serializers.IntegerField()
    balance_dollars = serializers.CharField()
    is_low_balance = serializers.BooleanField()
    low_balance_threshold_micros = serializers.IntegerField()
    policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices)
    is_disputed = serializers.BooleanField()


class LedgerEntryOut(serializers.Serializer):
    """What entry_out() answers."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    amount_micros = serializers.IntegerField()
    amount_dollars = serializers.CharField()
    balance_after_micros = serializers.IntegerField()
    balance_after_dollars = serializers.CharField()
    memo = serializers.CharField(allow_blank=True)
    is_paid_money = serializers.BooleanField()

    def to_representation(self, instance):
        return entry_out(instance)


class AdjustmentOut(BalanceOut):
    entry = LedgerEntryOut()


class ReserveBalanceApi(TenantApi):
    @extend_schema(responses=BalanceOut)
    def get(self, request):
        return Response(balance_out(request.tenant.reserve))


class ReserveLedgerApi(TenantApi):
    pagination_class = Pagination

    class LedgerFilters(QueryFilters):
        kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices, required=False)
        date_from = DayFilter()
        date_to = DayFilter()

    @extend_schema(parameters=[LedgerFilters], responses=LedgerEntryOut(many=True))
    def get(self, request):
        filters = self.LedgerFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = _ledger(request.tenant.reserve, **filters.validated_data)
        return paginated_response(
            request=request, view=self, queryset=entries, serializer_class=LedgerEntryOut
        )


def _day_start(day: date) -> datetime:
    """The first instant of a day in UTC (the API's days are UTC days)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _ledger(account, *, kind: str = "", date_from: date | None = None, date_to: date | None = None):
    entries = LedgerEntry.objects.filter(account=account)
    if kind:
        entries = entries.filter(kind=kind)
    if date_from:
        entries = entries.filter(created_at__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return entries.order_by("-id")


class AutoTopupAttemptOut(serializers.Serializer):
    created_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=AutoTopup.Status.choices)
    amount_micros = serializers.IntegerField()
    amount_dollars = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)


class BillingProfileOut(serializers.Serializer):
    """What BillingProfileApi answers (for the schema)."""

    policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices)
    low_balance_threshold_micros = serializers.IntegerField()
    limited_ceiling_micros = serializers.IntegerField()
    auto_topup_enabled = serializers.BooleanField()
    auto_topup_mode = serializers.ChoiceField(choices=AutoTopupMode.choices)
    auto_topup_amount_micros = serializers.IntegerField()
    auto_topup_target_micros = serializers.IntegerField()
    auto_topup_monthly_cap_micros = serializers.IntegerField(allow_null=True)
    auto_topup_spent_this_month_micros = serializers.IntegerField()
    payment_method = inline_serializer(
        "SavedCard", {"label": serializers.CharField()}, allow_null=True, help_text="The saved card, if any."
    )
    auto_topups = AutoTopupAttemptOut(many=True, help_text="The last five automatic top-ups.")


class BillingProfileApi(TenantApi):
    """The reserve's settings, auto top-up included. Everyone in the workspace reads them; owners
    change them."""

    class BillingProfileIn(serializers.Serializer):
        policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices, required=False)
        low_balance_threshold_micros = serializers.IntegerField(
            min_value=0, max_value=10_000_000_000, required=False
        )
        limited_ceiling_micros = serializers.IntegerField(
            min_value=0, max_value=10_000_000_000, required=False
        )
        auto_topup_enabled = serializers.BooleanField(required=False)
        auto_topup_mode = serializers.ChoiceField(choices=AutoTopupMode.choices, required=False)
        auto_topup_amount_micros = serializers.IntegerField(required=False)
        auto_topup_target_micros = serializers.IntegerField(
            min_value=1, max_value=10_000_000_000, required=False
        )
        auto_topup_monthly_cap_micros = serializers.IntegerField(
            min_value=0, max_value=10_000_000_000, required=False, allow_null=True
        )

        def validate_auto_topup_monthly_cap_micros(self, value):
            low = settings.TOPUP_MIN_DOLLARS
            if value is not None and value < low * MICROS_PER_DOLLAR:
                raise serializers.ValidationError(
                    f"A cap under {low} USD would stop every automatic top-up: leave it empty for no cap."
                )
            return value

        def validate_auto_topup_amount_micros(self, value):
            low, high = settings.TOPUP_MIN_DOLLARS, settings.TOPUP_MAX_DOLLARS
            if not low * MICROS_PER_DOLLAR <= value <= high * MICROS_PER_DOLLAR:
                raise serializers.ValidationError(f"Choose an amount from {low} to {high} USD.")
            if value % MICROS_PER_CENT:
                raise serializers.ValidationError("Use whole cents.")
            return value

    def _out(self, account):
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
            "auto_topups": [
                {
                    "created_at": attempt.created_at.isoformat(),
                    "status": attempt.status,
                    "amount_micros": attempt.amount_micros,
                    "amount_dollars": micros_to_dollars(attempt.amount_micros),
                    "outcome": attempt.outcome,
                }
                for attempt in attempts
            ],
        }

    @extend_schema(responses=BillingProfileOut)
    def get(self, request):
        return Response(self._out(request.tenant.reserve))

    @extend_schema(request=BillingProfileIn, responses=BillingProfileOut)
    def patch(self, request):
        if request.user.membership.role != Membership.Role.OWNER:
            raise PermissionDenied("Only the workspace's owners change billing settings.")
        given = self.BillingProfileIn(data=request.data)
        given.is_valid(raise_exception=True)
        changes = given.validated_data
        with transaction.atomic():
            account = ReserveAccount.objects.select_for_update().get(pk=request.tenant.reserve.pk)
            for name, value in changes.items():
                setattr(account, name, value)
            if (
                account.auto_topup_enabled
                and account.auto_topup_mode == AutoTopupMode.TARGET
                and account.auto_topup_target_micros <= account.low_balance_threshold_micros
            ):
                raise serializers.ValidationError(
                    {
                        "auto_topup_target_micros": [
                            "The target must be above the low-balance threshold, or a top-up would not "
                            "lift the balance out of it."
                        ]
                    }
                )
            account.save(update_fields=[*changes, "updated_at"])
            audit_record(
                category="billing",
                action="billing.settings_changed",
                request=request,
                actor=request.user,
                tenant=request.tenant,
                summary="Reserve settings changed",
                data=changes,
            )
            if any(
                name.startswith("auto_topup") or name == "low_balance_threshold_micros" for name in changes
            ):
                auto_topup_check_now(account)
        return Response(self._out(account))


class StatusBarApi(TenantApi):
    """The shell's status bar, from maintained counters: O(1), never an aggregate (DESIGN §8)."""

    @extend_schema(
        responses=inline_serializer(
            "StatusBar",
            {
                "reserve_balance_micros": serializers.IntegerField(),
                "reserve_balance_cents": serializers.IntegerField(),
                "reserve_balance_dollars": serializers.CharField(),
                "is_low_balance": serializers.BooleanField(),
                "tokens_in": serializers.IntegerField(),
                "tokens_out": serializers.IntegerField(),
                "jobs_running": serializers.IntegerField(),
                "updated_at": serializers.DateTimeField(),
            },
        )
    )
    def get(self, request):
        account = ReserveAccount.objects.get(tenant=request.tenant)
        return Response(
            {
                "reserve_balance_micros": account.balance_micros,
                "reserve_balance_cents": micros_to_cents(account.balance_micros),
                "reserve_balance_dollars": micros_to_dollars(account.balance_micros),
                "is_low_balance": account.balance_micros < account.low_balance_threshold_micros,
                "tokens_in": account.tokens_in_total,
                "tokens_out": account.tokens_out_total,
                "jobs_running": 0,  # the job system lands later
                "updated_at": account.updated_at.isoformat(),
            }
        )


# --- operators ------------------------------------------------------------------------------------


class AdminReserveSummaryApi(APIView):
    permission_classes = (IsOperator,)

    @extend_schema(
        responses=inline_serializer(
            "ReserveSummary",
            {
                "accounts": serializers.IntegerField(),
                "total_balance_micros": serializers.IntegerField(),
                "total_held_micros": serializers.IntegerField(),
                "paid_in_micros": serializers.IntegerField(),
                "granted_micros": serializers.IntegerField(),
                "usage_micros": serializers.IntegerField(),
                "low_balance_accounts": serializers.IntegerField(),
                "disputed_accounts": serializers.IntegerField(),
                "stripe_events_needing_attention": serializers.IntegerField(),
            },
        )
    )
    def get(self, request):
        accounts = ReserveAccount.objects.all()
        totals = accounts.aggregate(
            balance=Sum("balance_micros", default=0), held=Sum("held_micros", default=0)
        )
        by_kind = dict(
            LedgerEntry.objects.values("kind")
            .annotate(total=Sum("amount_micros"))
            .values_list("kind", "total")
        )
        low = accounts.filter(balance_micros__lt=F("low_balance_threshold_micros")).count()
        return Response(
            {
                "accounts": accounts.count(),
                "total_balance_micros": totals["balance"],
                "total_held_micros": totals["held"],
                "paid_in_micros": by_kind.get("topup", 0) + by_kind.get("refund", 0),
                "granted_micros": by_kind.get("grant", 0),
                "usage_micros": -by_kind.get("usage", 0),
                "low_balance_accounts": low,
                "disputed_accounts": accounts.filter(is_disputed=True).count(),
                "stripe_events_needing_attention": stripe_events_needing_attention().count(),
            }
        )


class IdempotencyKeyReused(DomainError):
    status_code = 409

    def __init__(self):
        super().__init__(
            "This idempotency key was already used for a different adjustment of this workspace: "
            "send a new key for a new adjustment, or the same amount and reason to repeat it."
        )


class AdminReserveAdjustApi(APIView):
    """A manual correction by an operator: any sign, a reason required, audited."""

    permission_classes = (IsOperator,)

    class AdjustIn(serializers.Serializer):
        tenant_id = serializers.IntegerField()
        amount_dollars = serializers.DecimalField(max_digits=14, decimal_places=6)
        reason = serializers.CharField(min_length=5, max_length=280)
        idempotency_key = serializers.CharField(max_length=100, required=False)

        def validate_amount_dollars(self, value):
            if value == 0:
                raise serializers.ValidationError("An adjustment cannot be zero.")
            return value

    @extend_schema(
        request=AdjustIn,
        responses={
            200: OpenApiResponse(
                AdjustmentOut, description="The same request again: its entry, nothing new."
            ),
            201: AdjustmentOut,
            409: ERROR,
        },
    )
    def post(self, request):
        given = self.AdjustIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        tenant = Tenant.objects.filter(pk=data["tenant_id"]).first()
        if tenant is None:
            raise serializers.ValidationError({"tenant_id": ["There is no workspace with this id."]})
        micros = dollars_to_micros(data["amount_dollars"])
        # A client's key is scoped to the workspace it names: the same key for another workspace
        # is another adjustment, never an answer with the first workspace's entry.
        key = (
            f"adjustment:{tenant.pk}:{data['idempotency_key']}"
            if data.get("idempotency_key")
            else f"adjustment:{tenant.pk}:{request.user.pk}:{request.request_id}"
        )
        earlier = LedgerEntry.objects.filter(idempotency_key=key).first()
        if earlier is not None and (earlier.amount_micros, earlier.memo) != (micros, data["reason"][:300]):
            raise IdempotencyKeyReused()
        entry = ledger_post(
            account_id=tenant.reserve.pk,
            kind=LedgerEntry.Kind.ADJUSTMENT,
            amount_micros=micros,
            idempotency_key=key,
            memo=data["reason"],
            actor_id=request.user.pk,
        )
        if entry.amount_micros != micros or entry.memo != data["reason"][:300]:
            raise IdempotencyKeyReused()  # a concurrent request with this key and other values won
        if entry.is_posted_now:  # a replay of the same request records nothing new
            audit_record(
                category="billing",
                action="reserve.adjusted",
                request=request,
                actor=request.user,
                tenant=tenant,
                target=f"ledger_entry:{entry.pk}",
                summary=f"{micros_to_dollars(micros)} USD: {data['reason']}"[:300],
                data={"amount_micros": micros, "reason": data["reason"]},
            )
        tenant.reserve.refresh_from_db()
        return Response(
            {**balance_out(tenant.reserve), "entry": entry_out(entry)},
            status=status.HTTP_201_CREATED if entry.is_posted_now else status.HTTP_200_OK,
        )


class _Echo:
    def write(self, value):
        return value


class AdminLedgerExportApi(APIView):
    """Every ledger row as CSV, streamed with a server-side cursor: constant memory at any size."""

    permission_classes = (IsOperator,)

    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request):
        writer = csv.writer(_Echo())
        columns = [
            "id",
            "created_at",
            "tenant_id",
            "kind",
            "amount_micros",
            "balance_after_micros",
            "idempotency_key",
            "actor_id",
            "stripe_event_id",
            "memo",
        ]
        rows = (
            LedgerEntry.objects.order_by("id")
            .values_list(
                "id",
                "created_at",
                "account__tenant_id",
                "kind",
                "amount_micros",
                "balance_after_micros",
                "idempotency_key",
                "actor_id",
                "stripe_event_id",
                "memo",
            )
            .iterator(chunk_size=2000)
        )

        # One chunk per 2,000 rows, not per row: the server sends each chunk with its own system
        # call, and at one per row a 1,000,000-row export ran into gunicorn's 30 s worker timeout
        # (bench/export.py). Memory stays bounded by one batch. Inside a transaction the cursor
        # reads straight from the table; outside one, PostgreSQL would first copy the whole result
        # to a temporary file (a cursor held across commits), before the first byte.
        def lines():
            batch = [writer.writerow(columns)]
            with transaction.atomic():
                for row in rows:
                    batch.append(
                        writer.writerow(
                            [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
                        )
                    )
                    if len(batch) >= 2000:
                        yield "".join(batch)
                        batch = []
            yield "".join(batch)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ledger.csv"'
        return response


class AdminReconciliationApi(APIView):
    """The books checked now: every account whose ledger, balance and holds disagree."""

    permission_classes = (IsOperator,)

    @extend_schema(
        responses=inline_serializer(
            "Reconciliation",
            {
                "checked_at": serializers.DateTimeField(),
                "mismatches": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request):
        return Response({"checked_at": timezone.now().isoformat(), "mismatches": reserve_reconcile()})


class AdminTenantLedgerApi(APIView):
    """One workspace's ledger, for operators."""

    permission_classes = (IsOperator,)
    pagination_class = Pagination

    class AdminLedgerFilters(QueryFilters):
        tenant_id = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices, required=False)

    @extend_schema(parameters=[AdminLedgerFilters], responses=LedgerEntryOut(many=True))
    def get(self, request):
        filters = self.AdminLedgerFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        account = ReserveAccount.objects.filter(tenant_id=filters.validated_data["tenant_id"]).first()
        if account is None:
            raise serializers.ValidationError({"tenant_id": ["There is no workspace with this id."]})
        entries = _ledger(account, kind=filters.validated_data.get("kind", ""))
        return paginated_response(
            request=request, view=self, queryset=entries, serializer_class=LedgerEntryOut
        )


class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "This service is not available right now."


class TopupSessionApi(TenantApi):
    """Start a top-up: answers the URL of the checkout page (Stripe's, or the local one in
    simulated mode). The reserve is credited when the payment's webhook arrives."""

    class TopupIn(serializers.Serializer):
        amount_dollars = serializers.DecimalField(max_digits=8, decimal_places=2)
        save_card = serializers.BooleanField(
            default=False, help_text="Keep the card for auto top-up (the workspace's Stripe customer pays)."
        )

        def validate_amount_dollars(self, value):
            low, high = settings.TOPUP_MIN_DOLLARS, settings.TOPUP_MAX_DOLLARS
            if not low <= value <= high:
                raise serializers.ValidationError(f"Choose an amount from {low} to {high} USD.")
            return value

    @extend_schema(
        request=TopupIn,
        responses={
            201: inline_serializer(
                "TopupSession", {"url": serializers.URLField(), "simulated": serializers.BooleanField()}
            ),
            503: ERROR,
        },
    )
    def post(self, request):
        given = self.TopupIn(data=request.data)
        given.is_valid(raise_exception=True)
        cents = int(given.validated_data["amount_dollars"] * 100)
        save_card = given.validated_data["save_card"]
        if save_card and request.user.membership.role != Membership.Role.OWNER:
            # The saved card is what automatic top-ups charge: the owners choose it (DESIGN §4).
            raise PermissionDenied("Only the workspace's owners save a card for automatic top-ups.")
        return_url = f"{settings.FRONTEND_URL}/billing/"
        if settings.STRIPE_SIMULATED:
            checkout = simulated_checkout_create(
                account=request.tenant.reserve,
                amount_cents=cents,
                user=request.user,
                return_url=return_url,
                save_card=save_card,
            )
            url = f"{settings.BACKEND_PUBLIC_URL}/billing/simulated-checkout/{checkout.pk}/"
        elif settings.STRIPE_SECRET_KEY:
            url = checkout_session_create(
                tenant_id=request.tenant.pk,
                amount_cents=cents,
                email=request.user.email,
                return_url=return_url,
                idempotency_key=f"topup:{request.user.pk}:{request.request_id}",
                customer_id=(
                    stripe_customer_for(tenant=request.tenant, email=request.user.email) if save_card else ""
                ),
            )
        else:
            raise ServiceUnavailable("Payments are not configured on this server.")
        audit_record(
            category="billing",
            action="topup.started",
            request=request,
            actor=request.user,
            tenant=request.tenant,
            summary=f"Top-up of {cents_to_dollars(cents)} USD started",
        )
        return Response({"url": url, "simulated": settings.STRIPE_SIMULATED}, status=status.HTTP_201_CREATED)


class TopupOptionsApi(TenantApi):
    @extend_schema(
        responses=inline_serializer(
            "TopupOptions",
            {
                "presets_dollars": serializers.ListField(child=serializers.IntegerField()),
                "min_dollars": serializers.IntegerField(),
                "max_dollars": serializers.IntegerField(),
                "simulated": serializers.BooleanField(),
            },
        )
    )
    def get(self, request):
        return Response(
            {
                "presets_dollars": settings.TOPUP_PRESETS_DOLLARS,
                "min_dollars": settings.TOPUP_MIN_DOLLARS,
                "max_dollars": settings.TOPUP_MAX_DOLLARS,
                "simulated": settings.STRIPE_SIMULATED,
            }
        )


class AdminRateCardApi(APIView):
    """Rate cards: every version of every plan with its line items; a new version from a date
    (the one in force until then ends there; started versions are never changed otherwise)."""

    permission_classes = (IsOperator,)

    class LineItemIn(serializers.Serializer):
        meter = serializers.CharField(max_length=40)
        model = serializers.CharField(max_length=100)
        price_micros = serializers.IntegerField(min_value=0)
        per_quantity = serializers.IntegerField(min_value=1, default=1_000_000)

    class RateCardVersionIn(serializers.Serializer):
        plan = serializers.CharField(max_length=40, default="standard")
        effective_from = serializers.DateTimeField()
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        items = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=200)

        def validate_items(self, value):
            checked = []
            for item in value:
                line = AdminRateCardApi.LineItemIn(data=item)
                line.is_valid(raise_exception=True)
                checked.append(line.validated_data)
            if len({(item["meter"], item["model"]) for item in checked}) != len(checked):
                raise serializers.ValidationError("Each meter and model appears once.")
            return checked

    @extend_schema(responses=inline_serializer("RateCards", {"versions": serializers.ListField()}))
    def get(self, request):
        versions = (
            RateCardVersion.objects.select_related("card")
            .prefetch_related("items")
            .order_by("card__plan", "-effective_from")
        )
        return Response(
            {
                "versions": [
                    {
                        "id": version.id,
                        "plan": version.card.plan,
                        "effective_from": version.effective_from.isoformat(),
                        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
                        "note": version.note,
                        "items": [
                            {
                                "meter": item.meter,
                                "model": item.model,
                                "price_micros": item.price_micros,
                                "per_quantity": item.per_quantity,
                            }
                            for item in version.items.all()
                        ],
                    }
                    for version in versions
                ]
            }
        )

    @extend_schema(request=RateCardVersionIn, responses={201: dict})
    def post(self, request):
        given = self.RateCardVersionIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        version = rate_card_version_create(
            plan=data["plan"],
            effective_from=data["effective_from"],
            items=data["items"],
            note=data["note"],
            actor=request.user,
            request=request,
        )
        return Response(
            {"id": version.id, "plan": data["plan"], "effective_from": version.effective_from.isoformat()},
            status=status.HTTP_201_CREATED,
        )


class PortalSessionApi(TenantApi):
    """Stripe's customer portal (payment methods, receipts). Owners only; needs Stripe keys."""

    @extend_schema(
        request=None,
        responses={201: inline_serializer("PortalSession", {"url": serializers.URLField()}), 503: ERROR},
    )
    def post(self, request):
        if request.user.membership.role != Membership.Role.OWNER:
            raise PermissionDenied("Only the workspace's owners manage payment details.")
        if settings.STRIPE_SIMULATED or not settings.STRIPE_SECRET_KEY:
            raise ServiceUnavailable(
                "The customer portal needs Stripe; payments are simulated or not configured here."
            )
        customer_id = stripe_customer_for(tenant=request.tenant, email=request.user.email)
        url = portal_session_create(customer_id=customer_id, return_url=f"{settings.FRONTEND_URL}/billing/")
        return Response({"url": url}, status=status.HTTP_201_CREATED)


class AdminUsageCostsApi(APIView):
    """What usage cost, by workspace, model and day (UTC), newest day first; with totals."""

    permission_classes = (IsOperator,)
    MAX_DAYS = 366

    class UsageFilters(QueryFilters):
        date_from = DayFilter()
        date_to = DayFilter()
        tenant = serializers.IntegerField(required=False, min_value=1)

        def validate(self, data):
            today = timezone.now().date()
            data.setdefault("date_to", today)
            data.setdefault("date_from", data["date_to"] - timedelta(days=29))
            if data["date_from"] > data["date_to"]:
                raise serializers.ValidationError({"date_from": ["The start is after the end."]})
            if (data["date_to"] - data["date_from"]).days >= AdminUsageCostsApi.MAX_DAYS:
                raise serializers.ValidationError(
                    {"date_to": [f"Choose at most {AdminUsageCostsApi.MAX_DAYS} days."]}
                )
            return data

    @extend_schema(parameters=[UsageFilters], responses=dict)
    def get(self, request):
        filters = self.UsageFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        # A half-open range of instants (UTC days), so that the index on occurred_at serves it.
        events = UsageEvent.objects.filter(
            occurred_at__gte=_day_start(data["date_from"]),
            occurred_at__lt=_day_start(data["date_to"] + timedelta(days=1)),
        )
        if "tenant" in data:
            events = events.filter(tenant_id=data["tenant"])
        sums = {
            "events": Count("id"),
            "tokens_in": Sum("tokens_in"),
            "tokens_out": Sum("tokens_out"),
            "cost_micros": Sum("cost_micros"),
        }
        rows = (
            events.annotate(day=TruncDate("occurred_at"))
            .values("day", "tenant_id", "tenant__name", "model")
            .annotate(**sums)
            .order_by("-day", "tenant__name", "tenant_id", "model")
        )
        totals = events.aggregate(**sums)
        return Response(
            {
                "date_from": data["date_from"].isoformat(),
                "date_to": data["date_to"].isoformat(),
                "rows": [
                    {
                        "day": row["day"].isoformat(),
                        "tenant_id": row["tenant_id"],
                        "tenant_name": row["tenant__name"],
                        "model": row["model"],
                        "events": row["events"],
                        "tokens_in": row["tokens_in"],
                        "tokens_out": row["tokens_out"],
                        "cost_micros": row["cost_micros"],
                        "cost_dollars": exact_dollars(row["cost_micros"]),
                    }
                    for row in rows
                ],
                "totals": {
                    "events": totals["events"],
                    "tokens_in": totals["tokens_in"] or 0,
                    "tokens_out": totals["tokens_out"] or 0,
                    "cost_micros": totals["cost_micros"] or 0,
                    "cost_dollars": exact_dollars(totals["cost_micros"] or 0),
                },
            }
        )
