"""A workspace's reserve: its balance, its ledger, its settings and the status bar."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from afterresume.billing.api.permissions import IsWorkspaceOwner
from afterresume.billing.api.serializers import BalanceOut, CentsOut, DollarsOut, LedgerEntryOut, MomentOut
from afterresume.billing.ledger.selectors import reserve_account_get, reserve_ledger_list
from afterresume.billing.models import (
    MICROS_PER_DOLLAR,
    AutoTopup,
    AutoTopupMode,
    LedgerEntry,
    ReserveAccount,
)
from afterresume.billing.money import MICROS_PER_CENT
from afterresume.billing.payments.profile import billing_profile_update
from afterresume.billing.payments.selectors import billing_profile_get
from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.tenants.apis import TenantApi

# The status bar's running jobs: there is no jobs engine yet, so none ever runs. The field is in
# the answer already so that clients need no change when it lands.
JOBS_RUNNING_BEFORE_THE_JOBS_ENGINE = 0


class ReserveBalanceApi(TenantApi):
    @extend_schema(responses=BalanceOut)
    def get(self, request):
        return Response(BalanceOut(reserve_account_get(tenant=request.tenant)).data)


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
        entries = reserve_ledger_list(
            account=reserve_account_get(tenant=request.tenant), **filters.validated_data
        )
        return paginated_response(
            request=request, view=self, queryset=entries, serializer_class=LedgerEntryOut
        )


class AutoTopupAttemptOut(serializers.Serializer):
    created_at = MomentOut()
    status = serializers.ChoiceField(choices=AutoTopup.Status.choices)
    amount_micros = serializers.IntegerField()
    amount_dollars = DollarsOut(source="amount_micros")
    outcome = serializers.CharField(allow_blank=True)


class SavedCardOut(serializers.Serializer):
    label = serializers.CharField()


class BillingProfileOut(serializers.Serializer):
    """The reserve's settings as billing_profile_get() reads them."""

    policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices)
    low_balance_threshold_micros = serializers.IntegerField()
    limited_ceiling_micros = serializers.IntegerField()
    auto_topup_enabled = serializers.BooleanField()
    auto_topup_mode = serializers.ChoiceField(choices=AutoTopupMode.choices)
    auto_topup_amount_micros = serializers.IntegerField()
    auto_topup_target_micros = serializers.IntegerField()
    auto_topup_monthly_cap_micros = serializers.IntegerField(allow_null=True)
    auto_topup_spent_this_month_micros = serializers.IntegerField()
    payment_method = SavedCardOut(allow_null=True, help_text="The saved card, if any.")
    auto_topups = AutoTopupAttemptOut(many=True, help_text="The last five automatic top-ups.")


class BillingProfileApi(TenantApi):
    """The reserve's settings, auto top-up included. Everyone in the workspace reads them; owners
    change them."""

    permission_classes = (IsAuthenticated, IsWorkspaceOwner)
    owners_only = "Only the workspace's owners change billing settings."

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

    @extend_schema(responses=BillingProfileOut)
    def get(self, request):
        return Response(
            BillingProfileOut(billing_profile_get(account=reserve_account_get(tenant=request.tenant))).data
        )

    @extend_schema(request=BillingProfileIn, responses=BillingProfileOut)
    def patch(self, request):
        given = self.BillingProfileIn(data=request.data)
        given.is_valid(raise_exception=True)
        account = billing_profile_update(
            tenant=request.tenant, actor=request.user, changes=given.validated_data
        )
        return Response(BillingProfileOut(billing_profile_get(account=account)).data)


class StatusBarOut(serializers.Serializer):
    reserve_balance_micros = serializers.IntegerField(source="balance_micros")
    reserve_balance_cents = CentsOut(source="balance_micros")
    reserve_balance_dollars = DollarsOut(source="balance_micros")
    is_low_balance = serializers.BooleanField()
    tokens_in = serializers.IntegerField(source="tokens_in_total")
    tokens_out = serializers.IntegerField(source="tokens_out_total")
    jobs_running = serializers.SerializerMethodField(
        help_text="Always 0 until the jobs engine exists (no job runs before it)."
    )
    updated_at = MomentOut()

    def get_jobs_running(self, account) -> int:
        return JOBS_RUNNING_BEFORE_THE_JOBS_ENGINE


class StatusBarApi(TenantApi):
    """The shell's status bar, from maintained counters: O(1), never an aggregate
    (docs/architecture.md)."""

    @extend_schema(responses=StatusBarOut)
    def get(self, request):
        return Response(StatusBarOut(reserve_account_get(tenant=request.tenant)).data)
