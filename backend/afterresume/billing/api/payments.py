"""Paying into the reserve: a top-up's checkout, its options, the customer portal and Stripe's
webhook."""

import stripe
from django.conf import settings
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from afterresume.billing.api.permissions import IsWorkspaceOwner
from afterresume.billing.money import DollarsField, dollars_to_micros, micros_to_cents
from afterresume.billing.payments.checkout import portal_session_url, topup_session_create
from afterresume.billing.payments.webhooks import NotAnEvent, webhook_receive
from afterresume.core.errors import error_body
from afterresume.core.schema import ERROR
from afterresume.tenants.apis import TenantApi


class TopupSessionOut(serializers.Serializer):
    url = serializers.URLField(help_text="The checkout page: Stripe's, or the local one in simulated mode.")
    simulated = serializers.BooleanField(source="is_simulated")


class TopupSessionApi(TenantApi):
    """Start a top-up: answers the URL of the checkout page (Stripe's, or the local one in
    simulated mode). The reserve is credited when the payment's webhook arrives."""

    # The saved card is what automatic top-ups charge: the owners choose it (docs/tenancy.md).
    owners_only = "Only the workspace's owners save a card for automatic top-ups."

    class TopupIn(serializers.Serializer):
        amount_dollars = DollarsField(
            source="amount_micros",
            places=2,
            whole_digits=6,
            help_text="Within the top-up options' range (GET /api/billing/topup/options/).",
        )
        save_card = serializers.BooleanField(
            default=False, help_text="Keep the card for auto top-up (the workspace's Stripe customer pays)."
        )

        def validate_amount_dollars(self, micros):
            low, high = settings.TOPUP_MIN_DOLLARS, settings.TOPUP_MAX_DOLLARS
            if not dollars_to_micros(low) <= micros <= dollars_to_micros(high):
                raise serializers.ValidationError(f"Choose an amount from {low} to {high} USD.")
            return micros

    @extend_schema(
        request=TopupIn,
        responses={
            201: TopupSessionOut,
            503: ERROR,
        },
    )
    def post(self, request):
        given = self.TopupIn(data=request.data)
        given.is_valid(raise_exception=True)
        save_card = given.validated_data["save_card"]
        # Checked after the amount, so that a wrong amount answers 400 whoever sends it.
        if save_card and not IsWorkspaceOwner.is_owner(request.user):
            self.permission_denied(request, message=self.owners_only)
        session = topup_session_create(
            tenant=request.tenant,
            user=request.user,
            amount_cents=micros_to_cents(given.validated_data["amount_micros"]),  # whole cents
            save_card=save_card,
            request_id=request.request_id,
        )
        return Response(TopupSessionOut(session).data, status=status.HTTP_201_CREATED)


class TopupOptionsOut(serializers.Serializer):
    """The top-up amounts this server offers and accepts, in whole dollars (its settings)."""

    presets_dollars = serializers.ListField(child=serializers.IntegerField(), source="TOPUP_PRESETS_DOLLARS")
    min_dollars = serializers.IntegerField(source="TOPUP_MIN_DOLLARS")
    max_dollars = serializers.IntegerField(source="TOPUP_MAX_DOLLARS")
    simulated = serializers.BooleanField(source="STRIPE_SIMULATED")


class TopupOptionsApi(TenantApi):
    @extend_schema(responses=TopupOptionsOut)
    def get(self, request):
        return Response(TopupOptionsOut(settings).data)


class PortalSessionOut(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe's customer portal for this workspace.")


class PortalSessionApi(TenantApi):
    """Stripe's customer portal (payment methods, receipts). Owners only; needs Stripe keys."""

    permission_classes = (IsAuthenticated, IsWorkspaceOwner)
    owners_only = "Only the workspace's owners manage payment details."

    @extend_schema(
        request=None,
        responses={201: PortalSessionOut, 503: ERROR},
    )
    def post(self, request):
        url = portal_session_url(tenant=request.tenant, user=request.user)
        return Response(PortalSessionOut({"url": url}).data, status=status.HTTP_201_CREATED)


class WebhookReceivedOut(serializers.Serializer):
    received = serializers.CharField(source="id", help_text="The event's id.")
    outcome = serializers.CharField(help_text="What the event did here (e.g. credited, ignored).")


class StripeWebhookApi(APIView):
    """Stripe's deliveries. No session or token: the signature (stripe.Webhook) is the check, on
    the raw body as received (never re-serialised)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(request=None, responses={200: WebhookReceivedOut, 400: ERROR})
    def post(self, request):
        try:
            event = webhook_receive(
                payload=request.body, signature=request.headers.get("Stripe-Signature", "")
            )
        except (stripe.SignatureVerificationError, NotAnEvent):
            return JsonResponse(error_body("The signature or the payload is not valid."), status=400)
        return JsonResponse(WebhookReceivedOut(event).data)
