"""The one billing page the backend serves itself: the local stand-in for Stripe's hosted checkout
(simulated mode, development only)."""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from afterresume.billing.models import SimulatedCheckout
from afterresume.billing.money import cents_to_dollars
from afterresume.billing.payments.simulated import simulated_checkout_cancel, simulated_checkout_confirm


@require_http_methods(["GET", "POST"])
def simulated_checkout(request, checkout_id: str):
    """The local stand-in for Stripe's hosted checkout page (development only)."""
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
