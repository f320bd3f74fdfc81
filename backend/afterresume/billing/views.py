"""Non-API endpoints of billing: Stripe's webhook and the simulated checkout page."""

import stripe
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from afterresume.billing.models import SimulatedCheckout
from afterresume.billing.money import cents_to_dollars
from afterresume.billing.simulated import simulated_checkout_cancel, simulated_checkout_confirm
from afterresume.billing.webhooks import NotAnEvent, webhook_receive
from afterresume.core.errors import error_body


class StripeWebhookApi(APIView):
    """Stripe's deliveries. No session or token: the signature (stripe.Webhook) is the check, on
    the raw body as received (never re-serialised)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(request=None, responses={200: dict, 400: dict})
    def post(self, request):
        try:
            event = webhook_receive(
                payload=request.body, signature=request.headers.get("Stripe-Signature", "")
            )
        except (stripe.SignatureVerificationError, NotAnEvent):
            return JsonResponse(error_body("The signature or the payload is not valid."), status=400)
        return JsonResponse({"received": event.id, "outcome": event.outcome})


@require_http_methods(["GET", "POST"])
def simulated_checkout(request, checkout_id: str):
    """The local stand-in for Stripe's hosted checkout page (development only)."""
    from django.conf import settings

    if not settings.STRIPE_SIMULATED:
        raise Http404
    checkout = SimulatedCheckout.objects.select_related("account__tenant").filter(pk=checkout_id).first()
    if checkout is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "confirm":
            simulated_checkout_confirm(checkout_id=checkout.pk)
            return HttpResponseRedirect(f"{checkout.return_url}?topup=success")
        simulated_checkout_cancel(checkout_id=checkout.pk)
        return HttpResponseRedirect(f"{checkout.return_url}?topup=canceled")
    return render(
        request,
        "billing/simulated_checkout.html",
        {"checkout": checkout, "amount": cents_to_dollars(checkout.amount_cents)},
    )
