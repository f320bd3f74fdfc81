"""Operators' view of Stripe's webhook events that are not applied (yet): DESIGN §6, "events whose
processing failed stay visible and are retried"."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.models import StripeEvent
from afterresume.billing.selectors import stripe_events_needing_attention
from afterresume.billing.webhooks import stripe_event_process
from afterresume.core.pagination import Pagination, paginated_response
from afterresume.core.permissions import IsOperator


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
        if not StripeEvent.objects.filter(pk=event_id).exists():
            raise NotFound("There is no Stripe event with this id.")
        try:
            stored = stripe_event_process(event_id=event_id)
        except Exception:  # recorded on the event: the answer shows it
            stored = StripeEvent.objects.get(pk=event_id)
        return Response(StripeEventOut(stored).data)
