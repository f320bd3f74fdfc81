"""Operators' billing views: every reserve at once, manual adjustments, one workspace's ledger,
the ledger export, the reconciliation and the Stripe events not applied yet."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.api.serializers import AdjustmentOut, LedgerEntryOut, MomentOut
from afterresume.billing.ledger.adjustments import reserve_adjust
from afterresume.billing.ledger.export import ledger_csv_chunks
from afterresume.billing.ledger.selectors import reserve_account_find, reserve_ledger_list, reserve_reconcile
from afterresume.billing.models import LedgerEntry, StripeEvent
from afterresume.billing.money import DollarsField
from afterresume.billing.payments.selectors import billing_summary, stripe_events_needing_attention
from afterresume.billing.payments.webhooks import stripe_event_retry
from afterresume.core.filters import QueryFilters
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator
from afterresume.core.schema import ERROR


class ReserveSummaryOut(serializers.Serializer):
    accounts = serializers.IntegerField()
    total_balance_micros = serializers.IntegerField()
    total_held_micros = serializers.IntegerField()
    paid_in_micros = serializers.IntegerField()
    granted_micros = serializers.IntegerField()
    usage_micros = serializers.IntegerField()
    low_balance_accounts = serializers.IntegerField()
    disputed_accounts = serializers.IntegerField()
    stripe_events_needing_attention = serializers.IntegerField()


class AdminReserveSummaryApi(APIView):
    permission_classes = (IsOperator,)

    @extend_schema(responses=ReserveSummaryOut)
    def get(self, request):
        return Response(ReserveSummaryOut(billing_summary()).data)


class AdminReserveAdjustApi(APIView):
    """A manual correction by an operator: any sign, a reason required, audited."""

    permission_classes = (IsOperator,)

    class AdjustIn(serializers.Serializer):
        tenant_id = serializers.IntegerField()
        amount_dollars = DollarsField(
            source="amount_micros", whole_digits=8, help_text="Any sign: negative debits the reserve."
        )
        reason = serializers.CharField(min_length=5, max_length=280)
        idempotency_key = serializers.CharField(max_length=100, required=False)

        def validate_amount_dollars(self, micros):
            if micros == 0:
                raise serializers.ValidationError("An adjustment cannot be zero.")
            return micros

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
        entry = reserve_adjust(
            tenant_id=data["tenant_id"],
            amount_micros=data["amount_micros"],
            reason=data["reason"],
            operator=request.user,
            request_id=request.request_id,
            idempotency_key=data.get("idempotency_key", ""),
        )
        account = reserve_account_find(tenant_id=data["tenant_id"])
        return Response(
            AdjustmentOut(account, context={"entry": entry}).data,
            status=status.HTTP_201_CREATED if entry.is_posted_now else status.HTTP_200_OK,
        )


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
        account = reserve_account_find(tenant_id=filters.validated_data["tenant_id"])
        if account is None:
            raise serializers.ValidationError({"tenant_id": ["There is no workspace with this id."]})
        entries = reserve_ledger_list(account=account, kind=filters.validated_data.get("kind", ""))
        return paginated_response(
            request=request, view=self, queryset=entries, serializer_class=LedgerEntryOut
        )


class AdminLedgerExportApi(APIView):
    """Every ledger row as CSV, streamed with a server-side cursor: constant memory at any size."""

    permission_classes = (IsOperator,)

    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request):
        response = StreamingHttpResponse(ledger_csv_chunks(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ledger.csv"'
        return response


class ReconciliationMismatchOut(serializers.Serializer):
    account_id = serializers.IntegerField()
    tenant_id = serializers.IntegerField()
    issues = serializers.ListField(
        child=serializers.CharField(), help_text="What disagrees, one sentence each, with both figures."
    )


class ReconciliationOut(serializers.Serializer):
    checked_at = MomentOut()
    mismatches = ReconciliationMismatchOut(many=True, help_text="Empty when the books add up.")


class AdminReconciliationApi(APIView):
    """The books checked now: every account whose ledger, balance and holds disagree."""

    permission_classes = (IsOperator,)

    @extend_schema(responses=ReconciliationOut)
    def get(self, request):
        return Response(
            ReconciliationOut({"checked_at": timezone.now(), "mismatches": reserve_reconcile()}).data
        )


class StripeEventOut(serializers.ModelSerializer):
    class Meta:
        model = StripeEvent
        fields = (
            "id",
            "type",
            "status",
            "outcome",
            "waiting_for_payment",
            "attempts",
            "last_error",
            "received_at",
            "next_attempt_at",
        )


class AdminStripeEventsApi(APIView):
    """Stripe's webhook events that are not applied (yet): events whose processing failed stay
    visible and are retried (docs/money.md)."""

    permission_classes = (IsOperator,)
    pagination_class = Pagination

    @extend_schema(responses=StripeEventOut(many=True))
    def get(self, request):
        return paginated_response(
            request=request,
            view=self,
            queryset=stripe_events_needing_attention(),
            serializer_class=StripeEventOut,
        )


class AdminStripeEventRetryApi(APIView):
    """Try one event again now (it is retried by the sweep anyway, with back-off)."""

    permission_classes = (IsOperator,)

    @extend_schema(request=None, responses=StripeEventOut)
    def post(self, request, event_id: str):
        stored = stripe_event_retry(event_id=event_id)
        if stored is None:
            raise NotFound("There is no Stripe event with this id.")
        return Response(StripeEventOut(stored).data)
