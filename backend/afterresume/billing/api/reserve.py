"""A workspace's reserve: its balance, its ledger, its settings and the status bar."""

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from afterresume.billing.api.permissions import IsWorkspaceOwner
from afterresume.billing.api.serializers import BalanceOut, CentsOut, DollarsOut, LedgerEntryOut, MomentOut
from afterresume.billing.ledger.selectors import reserve_account_get, reserve_ledger_list
from afterresume.billing.models import AutoTopup, AutoTopupMode, LedgerEntry, ReserveAccount
from afterresume.billing.money import DollarsField, dollars_to_micros
from afterresume.billing.payments.profile import billing_profile_update
from afterresume.billing.payments.selectors import billing_profile_get
from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.tenants.apis import TenantApi


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
        """Only the settings sent change. Amounts are decimal dollars as strings; the answer gives
        them in micro-dollars (`…_micros`)."""

        policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices, required=False)
        low_balance_threshold_dollars = DollarsField(
            source="low_balance_threshold_micros", min_dollars=0, max_dollars=10_000, required=False
        )
        limited_ceiling_dollars = DollarsField(
            source="limited_ceiling_micros",
            min_dollars=0,
            max_dollars=10_000,
            required=False,
            help_text="Under the limited policy, the largest job estimate that may run.",
        )
        auto_topup_enabled = serializers.BooleanField(required=False)
        auto_topup_mode = serializers.ChoiceField(choices=AutoTopupMode.choices, required=False)
        auto_topup_amount_dollars = DollarsField(
            source="auto_topup_amount_micros",
            places=2,
            required=False,
            help_text="What a fixed automatic top-up pays, within the top-up options' range.",
        )
        auto_topup_target_dollars = DollarsField(
            source="auto_topup_target_micros",
            min_dollars="0.000001",
            max_dollars=10_000,
            required=False,
            help_text="The balance an automatic top-up fills up to.",
        )
        auto_topup_monthly_cap_dollars = DollarsField(
            source="auto_topup_monthly_cap_micros",
            min_dollars=0,
            max_dollars=10_000,
            required=False,
            allow_null=True,
            help_text="At most this much automatic top-up per calendar month (UTC); null for no cap.",
        )

        def to_internal_value(self, data):
            # The amounts' former names (in micro-dollars) are refused rather than silently ignored.
            former = {
                field.source: [f'Amounts are sent in decimal dollars: send {name}, e.g. "12.50".']
                for name, field in self.fields.items()
                if isinstance(field, DollarsField) and isinstance(data, Mapping) and field.source in data
            }
            if former:
                raise serializers.ValidationError(former)
            return super().to_internal_value(data)

        def as_sent(self, errors: dict) -> dict:
            """Errors keyed by the settings' own names (`…_micros`) keyed by the names sent."""
            names = {field.source: name for name, field in self.fields.items()}
            return {names.get(setting, setting): messages for setting, messages in errors.items()}

        def validate_auto_topup_monthly_cap_dollars(self, micros):
            low = settings.TOPUP_MIN_DOLLARS
            if micros is not None and micros < dollars_to_micros(low):
                raise serializers.ValidationError(
                    f"A cap under {low} USD would stop every automatic top-up: leave it empty for no cap."
                )
            return micros

        def validate_auto_topup_amount_dollars(self, micros):
            low, high = settings.TOPUP_MIN_DOLLARS, settings.TOPUP_MAX_DOLLARS
            if not dollars_to_micros(low) <= micros <= dollars_to_micros(high):
                raise serializers.ValidationError(f"Choose an amount from {low} to {high} USD.")
            return micros

    @extend_schema(responses=BillingProfileOut)
    def get(self, request):
        return Response(
            BillingProfileOut(billing_profile_get(account=reserve_account_get(tenant=request.tenant))).data
        )

    @extend_schema(request=BillingProfileIn, responses=BillingProfileOut)
    def patch(self, request):
        given = self.BillingProfileIn(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            account = billing_profile_update(
                tenant=request.tenant, actor=request.user, changes=given.validated_data
            )
        except DjangoValidationError as refusal:
            raise serializers.ValidationError(given.as_sent(refusal.message_dict)) from None
        return Response(BillingProfileOut(billing_profile_get(account=account)).data)


class StatusBarOut(serializers.Serializer):
    reserve_balance_micros = serializers.IntegerField(source="balance_micros")
    reserve_balance_cents = CentsOut(source="balance_micros")
    reserve_balance_dollars = DollarsOut(source="balance_micros")
    is_low_balance = serializers.BooleanField()
    tokens_in = serializers.IntegerField(source="tokens_in_total")
    tokens_out = serializers.IntegerField(source="tokens_out_total")
    jobs_running = serializers.IntegerField(help_text="The workspace's jobs running now (a kept counter).")
    updated_at = MomentOut()


class StatusBarApi(TenantApi):
    """The shell's status bar, from maintained counters: O(1), never an aggregate
    (docs/architecture.md)."""

    @extend_schema(responses=StatusBarOut)
    def get(self, request):
        return Response(StatusBarOut(reserve_account_get(tenant=request.tenant)).data)
