"""Operators' pricing views: rate card versions and what usage cost."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.api.serializers import ExactDollarsOut, MomentOut
from afterresume.billing.money import DollarsField
from afterresume.billing.pricing.rate_cards import rate_card_version_create
from afterresume.billing.pricing.selectors import RateCardStatus, rate_card_version_list, usage_cost_report
from afterresume.core.filters import DayFilter, QueryFilters
from afterresume.core.permissions import IsOperator


class RateLineItemOut(serializers.Serializer):
    meter = serializers.CharField()
    model = serializers.CharField()
    price_micros = serializers.IntegerField()
    per_quantity = serializers.IntegerField()


class RateCardVersionOut(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="card.plan")
    effective_from = MomentOut()
    effective_to = MomentOut(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(
        choices=RateCardStatus.CHOICES,
        help_text="Where the version stands now, by the backend's clock: scheduled (starts later), "
        "in-force, or ended.",
    )
    items = RateLineItemOut(many=True)


class RateCardsOut(serializers.Serializer):
    versions = RateCardVersionOut(many=True)


class NewRateCardVersionOut(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(source="card.plan")
    effective_from = MomentOut()


class LineItemIn(serializers.Serializer):
    meter = serializers.CharField(max_length=40)
    model = serializers.CharField(max_length=100)
    price_dollars = DollarsField(
        source="price_micros", min_dollars=0, help_text="The price of `per_quantity` units."
    )
    per_quantity = serializers.IntegerField(min_value=1, default=1_000_000)


class AdminRateCardApi(APIView):
    """Rate cards: every version of every plan with its line items; a new version from a date
    (the one in force until then ends there; started versions are never changed otherwise)."""

    permission_classes = (IsOperator,)

    class RateCardVersionIn(serializers.Serializer):
        plan = serializers.CharField(max_length=40, default="standard")
        effective_from = serializers.DateTimeField()
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        items = LineItemIn(
            many=True, min_length=1, max_length=200, help_text="1 to 200 prices, each meter and model once."
        )

        def validate_items(self, items):
            if len({(item["meter"], item["model"]) for item in items}) != len(items):
                raise serializers.ValidationError("Each meter and model appears once.")
            return items

    @extend_schema(responses=RateCardsOut)
    def get(self, request):
        return Response(RateCardsOut({"versions": rate_card_version_list()}).data)

    @extend_schema(request=RateCardVersionIn, responses={201: NewRateCardVersionOut})
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
        )
        return Response(NewRateCardVersionOut(version).data, status=status.HTTP_201_CREATED)


class UsageCostTotalsOut(serializers.Serializer):
    events = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost_micros = serializers.IntegerField()
    cost_dollars = ExactDollarsOut(source="cost_micros")


class UsageCostRowOut(serializers.Serializer):
    day = serializers.DateField(help_text="A UTC day.")
    tenant_id = serializers.IntegerField()
    tenant_name = serializers.CharField(source="tenant__name")
    model = serializers.CharField()
    events = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    cost_micros = serializers.IntegerField()
    cost_dollars = ExactDollarsOut(source="cost_micros")


class UsageCostsOut(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    rows = UsageCostRowOut(many=True, help_text="By UTC day (newest first), workspace and model.")
    totals = UsageCostTotalsOut()


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

    @extend_schema(parameters=[UsageFilters], responses=UsageCostsOut)
    def get(self, request):
        filters = self.UsageFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        report = usage_cost_report(
            date_from=data["date_from"], date_to=data["date_to"], tenant_id=data.get("tenant")
        )
        return Response(UsageCostsOut(report).data)
