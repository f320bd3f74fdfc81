import contextlib
import uuid
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from webapp.accounts.session import session_user, signin_required, staff_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.errors import BackendNotFound, BackendPermissionDenied, BackendUnavailable
from webapp.billing.forms import AdjustmentForm, AutoTopupForm, BillingSettingsForm, TopupForm
from webapp.core.money import dollars, dollars_sent, dollars_text


def _ledger_dates(request) -> dict:
    """The ledger's date filter from the address: well-formed dates only (a bad one is ignored,
    not sent to the backend as a 400)."""
    dates = {}
    for name in ("date_from", "date_to"):
        value = request.GET.get(name, "")
        with contextlib.suppress(ValueError):
            dates[name] = date.fromisoformat(value).isoformat()
    return dates


def _number(value: str, *, default: int) -> int:
    return int(value) if value.isdigit() else default


def _billing_context(request, settings_form=None, auto_topup_form=None, topup_form=None) -> dict:
    kind = request.GET.get("kind", "")
    page = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
    profile = request.backend.billing_profile()
    is_owner = (session_user(request) or {}).get("role") == "owner"
    if auto_topup_form is None:
        auto_topup_form = AutoTopupForm(initial=AutoTopupForm.initial_from(profile))
    if topup_form is None:
        # Saving the card is offered, and ticked when auto top-up waits for one.
        topup_form = TopupForm(
            initial={
                "save_card": is_owner and profile["auto_topup_enabled"] and not profile["payment_method"]
            }
        )
    if settings_form is None:
        settings_form = BillingSettingsForm(
            initial={
                "policy": profile["policy"],
                "low_balance_threshold": dollars(profile["low_balance_threshold_micros"]),
            }
        )
    dates = _ledger_dates(request)
    ledger = request.backend.reserve_ledger(kind=kind, page=page, **dates)
    return {
        "balance": request.backend.reserve_balance(),
        "ledger": ledger["results"],
        "ledger_count": ledger["count"],
        "page": page,
        "has_next": bool(ledger.get("next")),
        "kind": kind,
        "dates": dates,
        # The filter, for the page links (kind and dates, not the page itself).
        "ledger_query": urlencode({"kind": kind, **dates}),
        "settings_form": settings_form,
        "profile": profile,
        "auto_topup_form": auto_topup_form,
        "is_owner": is_owner,
        "topup": request.GET.get("topup", ""),
        "poll": _number(request.GET.get("poll", "0"), default=10),
        "topup_form": topup_form,
        "topup_options": request.backend.topup_options(),
        "kinds": [
            ("topup", "Top-ups"),
            ("grant", "Promotional credit"),
            ("usage", "Usage"),
            ("adjustment", "Adjustments"),
            ("refund", "Refunds"),
            ("reversal", "Reversals"),
        ],
    }


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def billing(request):
    if request.htmx and request.htmx.target == "balance-card":
        # Polled right after a top-up until the payment's webhook has landed: the balance (polling
        # on), the card the top-up may have saved, and a nudge for the status bar to refresh too.
        poll = _number(request.GET.get("poll", ""), default=10)
        html = render_to_string(
            "billing/billing.html#balance",
            {
                "balance": request.backend.reserve_balance(),
                "topup": request.GET.get("topup", ""),
                "poll": poll,
            },
            request=request,
        )
        profile = request.backend.billing_profile()
        if profile["payment_method"]:
            html += render_to_string("billing/billing.html#saved-card", {"profile": profile, "oob": True})
        return trigger_client_event(HttpResponse(html), "reserve-changed")
    return render(request, "billing/billing.html", _billing_context(request))


@require_POST
@signin_required
def topup(request):
    data = request.POST.copy()
    if data.get("preset"):  # one of the preset buttons of the same form
        data["amount"] = data["preset"]
    form = TopupForm(data)
    if form.is_valid():
        try:
            session = request.backend.topup_session(
                amount_dollars=dollars_sent(form.cleaned_data["amount"]),
                save_card=form.cleaned_data["save_card"],
            )
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            # To the checkout page (Stripe's, or the local one in simulated mode).
            return redirect(session["url"])
    return render(request, "billing/billing.html", _billing_context(request, topup_form=form), status=422)


@require_POST
@signin_required
def billing_settings(request):
    form = BillingSettingsForm(request.POST)
    if form.is_valid():
        try:
            request.backend.billing_profile_update(
                policy=form.cleaned_data["policy"],
                low_balance_threshold_dollars=dollars_sent(form.cleaned_data["low_balance_threshold"]),
            )
        except BackendPermissionDenied:
            form.add_error(None, "Only the workspace's owners change billing settings.")
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            messages.success(request, "Billing settings saved.")
            return redirect("billing:billing")
    return render(request, "billing/billing.html", _billing_context(request, form), status=422)


@require_POST
@signin_required
def auto_topup_settings(request):
    form = AutoTopupForm(request.POST)
    if form.is_valid():
        try:
            request.backend.billing_profile_update(**form.backend_changes())
        except BackendPermissionDenied:
            form.add_error(None, "Only the workspace's owners change billing settings.")
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            state = "on" if form.cleaned_data["enabled"] else "off"
            messages.success(request, f"Automatic top-up saved ({state}).")
            return redirect(f"{reverse('billing:billing')}#auto-topup-title")
    return render(
        request, "billing/billing.html", _billing_context(request, auto_topup_form=form), status=422
    )


def _admin_context(request, form=None, review=None) -> dict:
    tenants = request.backend.admin_tenants()
    if form is None:
        form = AdjustmentForm(tenants=tenants, initial={"idempotency_key": uuid.uuid4().hex})
    tenant_id = request.GET.get("tenant", "")
    chosen = next((tenant for tenant in tenants if str(tenant["id"]) == tenant_id), None)
    ledger = request.backend.admin_tenant_ledger(tenant_id=chosen["id"])["results"] if chosen else []
    return {
        "summary": request.backend.admin_reserve_summary(),
        "reconciliation": request.backend.admin_reconciliation(),
        # The audit log's billing category, here as on the audit page (docs/money.md).
        "billing_events": request.backend.admin_audit(category="billing")["results"][:8],
        "stripe_events": request.backend.admin_stripe_events(),
        "adjust_form": form,
        "review": review,
        "tenants": tenants,
        "chosen": chosen,
        "ledger": ledger,
    }


@require_GET
@staff_required
def admin_billing(request):
    return render(request, "billing/admin_billing.html", _admin_context(request))


@require_POST
@staff_required
def admin_stripe_event_retry(request, event_id: str):
    """Try one Stripe event again now (beat retries it anyway, with back-off)."""
    try:
        event = request.backend.admin_stripe_event_retry(event_id=event_id)
    except BackendNotFound:
        messages.error(request, f"There is no Stripe event {event_id}.")
    else:
        if event["status"] == "processed":
            messages.success(request, f"Stripe event {event['id']} applied: {event['outcome']}.")
        else:
            messages.warning(
                request, f"Stripe event {event['id']} is still {event['status']}: {event['outcome']}."
            )
    return redirect(f"{reverse('billing:admin_billing')}#stripe-events")


@require_POST
@staff_required
def admin_adjust(request):
    """Reviews an adjustment (the balance it leads to), then posts it once the operator confirms.
    A confirmed adjustment is reviewed again if the balance has moved since and it now leads below
    zero to another figure than the one confirmed."""
    tenants = request.backend.admin_tenants()
    form = AdjustmentForm(request.POST, tenants=tenants)
    if not form.is_valid():
        return render(request, "billing/admin_billing.html", _admin_context(request, form), status=422)
    data = form.cleaned_data
    balance = request.backend.admin_tenant_balance_micros(tenant_id=data["tenant"])
    after = balance + form.amount_micros()
    confirmed = data["confirmed_balance"]
    if confirmed is None or (after < 0 and after != confirmed):
        review = {
            "tenant": next(tenant["name"] for tenant in tenants if tenant["id"] == data["tenant"]),
            "balance_micros": balance,
            "after_micros": after,
            "amount": dollars_text(form.amount_micros()),
            "has_moved": confirmed is not None,
        }
        return render(request, "billing/admin_billing.html", _admin_context(request, form, review))
    try:
        answer = request.backend.admin_reserve_adjust(
            tenant_id=data["tenant"],
            amount_dollars=dollars_sent(data["amount"]),
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
        )
    except FORM_ERRORS as error:
        form.add_backend_errors(error)
        return render(request, "billing/admin_billing.html", _admin_context(request, form), status=422)
    messages.success(
        request,
        f"Adjustment of {dollars_text(form.amount_micros())} USD posted; "
        f"the balance is now {answer['balance_dollars']} USD.",
    )
    # Straight to that workspace's ledger, where the new movement is on top.
    return redirect(f"{reverse('billing:admin_billing')}?tenant={data['tenant']}#tenant-ledger")


@require_GET
@staff_required
def admin_ledger_export(request):
    answer = request.backend.admin_ledger_export()

    def body():
        try:
            yield from answer.iter_bytes()
        finally:
            answer.close()

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ledger.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@signin_required
def portal(request):
    """To Stripe's customer portal (payment methods, receipts); owners only."""
    try:
        session = request.backend.portal_session()
    except (BackendPermissionDenied, BackendUnavailable) as error:
        messages.error(request, error.message)
        return redirect("billing:billing")
    return redirect(session["url"])
