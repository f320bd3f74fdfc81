"""Operators' pages about prices and what usage cost: rate-card versions (the list, a new version)
and usage costs by day, workspace and model (a section of the admin billing page)."""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from webapp.accounts.forms import backend_messages
from webapp.accounts.session import staff_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.errors import BackendNotFound, BackendServerError, BackendUnavailable
from webapp.billing.forms import (
    BaseRateLineItemFormSet,
    RateCardVersionForm,
    RateLineItemFormSet,
    UsageFilterForm,
)
from webapp.core.money import dollars_text

USAGE_DAYS = 30  # the usage-cost table's default period, today included


# --- rate cards ------------------------------------------------------------------------------------


def _versions(request) -> list[dict]:
    """Every version, newest first per plan, each with the state the backend gives it (in force,
    scheduled or ended: the backend's clock decides, never this one)."""
    versions = []
    for version in request.backend.admin_rate_cards():
        items = [
            {**item, "price": dollars_text(item["price_micros"], exact=True, grouped=True)}
            for item in version["items"]
        ]
        versions.append({**version, "starts": parse_datetime(version["effective_from"]), "items": items})
    return versions


def _plans(versions: list[dict]) -> list[str]:
    return sorted({"standard", *(version["plan"] for version in versions)})


def _new_version_forms(
    versions: list[dict], copy: str
) -> tuple[dict | None, RateCardVersionForm, BaseRateLineItemFormSet]:
    """A new version starts as a copy of another (the one asked for, else the one in force), so
    that the operator changes only what differs."""
    source = next((version for version in versions if str(version["id"]) == copy), None) or next(
        (version for version in versions if version["status"] == "in-force"),
        versions[0] if versions else None,
    )
    plan = source["plan"] if source else "standard"
    # Tomorrow at midnight (UTC), and after the plan's latest version: the backend refuses a start
    # before one that exists already.
    start = datetime.combine(
        timezone.localdate() + timedelta(days=1), time(), tzinfo=timezone.get_current_timezone()
    )
    for version in versions:
        if version["plan"] == plan and version["starts"] >= start:
            start = datetime.combine(
                version["starts"].date() + timedelta(days=1), time(), tzinfo=start.tzinfo
            )
    form = RateCardVersionForm(
        initial={"plan": plan, "effective_from": start, "note": ""}, plans=_plans(versions)
    )
    items = [
        {
            "meter": item["meter"],
            "model": item["model"],
            "price": dollars_text(item["price_micros"], exact=True),
            "per_quantity": item["per_quantity"],
        }
        for item in (source["items"] if source else [])
    ]
    return source, form, RateLineItemFormSet(initial=items, prefix="items")


def _rate_cards_context(versions, source, version_form, line_items) -> dict:
    return {
        "versions": versions,
        "source": source,
        "version_form": version_form,
        "line_items": line_items,
        # Suggestions for the meter and model inputs: what the versions so far price.
        "known_meters": sorted({item["meter"] for version in versions for item in version["items"]}),
        "known_models": sorted({item["model"] for version in versions for item in version["items"]}),
    }


@require_GET
@staff_required
def admin_rate_cards(request):
    versions = _versions(request)
    source, version_form, line_items = _new_version_forms(versions, request.GET.get("copy", ""))
    return render(
        request, "billing/rate_cards.html", _rate_cards_context(versions, source, version_form, line_items)
    )


@require_POST
@staff_required
def admin_rate_card_create(request):
    versions = _versions(request)
    version_form = RateCardVersionForm(request.POST, plans=_plans(versions))
    line_items = RateLineItemFormSet(request.POST, prefix="items")
    if all([version_form.is_valid(), line_items.is_valid()]):
        given = version_form.cleaned_data
        try:
            created = request.backend.admin_rate_card_create(
                plan=given["plan"],
                effective_from=given["effective_from"].isoformat(),
                note=given["note"],
                items=line_items.backend_items(),
            )
        except FORM_ERRORS as error:
            for field, field_messages in error.fields.items():
                for message in backend_messages(field_messages):
                    if field == "items":
                        line_items.add_backend_error(message)
                    else:
                        version_form.add_error(field if field in version_form.fields else None, message)
            if not error.fields:
                version_form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"New {given['plan']} prices from {given['effective_from']:%Y-%m-%d %H:%M} UTC saved.",
            )
            return redirect(f"{reverse('billing:admin_rate_cards')}#rate-card-version-{int(created['id'])}")
    return render(
        request,
        "billing/rate_cards.html",
        _rate_cards_context(versions, None, version_form, line_items),
        status=422,
    )


# --- usage costs -----------------------------------------------------------------------------------


def _usage_filters(request) -> dict[str, str]:
    """The filter as asked for in the query string, the last 30 days when not asked."""
    today = timezone.localdate()
    filters = {
        "date_from": (today - timedelta(days=USAGE_DAYS - 1)).isoformat(),
        "date_to": today.isoformat(),
        "usage_tenant": "",
    }
    filters.update({name: request.GET[name] for name in filters if request.GET.get(name)})
    return filters


def _page_url_with(request, filters: dict[str, str]) -> str:
    """The page the section sits on (the admin billing page, or the usage page of its own), its
    query string with this filter: what the browser's address shows after filtering."""
    own_pages = {reverse("billing:admin_billing"), reverse("billing:admin_usage_costs")}
    current = urlsplit(request.htmx.current_url_abs_path or "")
    page = current.path if current.path in own_pages else reverse("billing:admin_billing")
    query = QueryDict(current.query if current.path in own_pages else "", mutable=True)
    for name, value in filters.items():
        query.pop(name, None)
        if value:
            query[name] = value
    return f"{page}?{query.urlencode()}"


@require_GET
@staff_required
@vary_on_headers("HX-Request")
def admin_usage_costs(request):
    filters = _usage_filters(request)
    form = UsageFilterForm(filters, tenants=request.backend.admin_tenants())
    context = {"filter_form": form, "costs": None, "unavailable": ""}
    status = 200
    if not form.is_valid():
        status = 422
    else:
        try:
            costs = request.backend.admin_usage_costs(
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                tenant_id=form.cleaned_data["usage_tenant"],
            )
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
            status = 422
        except (BackendNotFound, BackendServerError, BackendUnavailable) as error:
            # The rest of the admin billing page works: say so here instead of an endless spinner.
            context["unavailable"] = error.message
            if not request.htmx:
                status = 503 if isinstance(error, BackendUnavailable) else 502
        else:
            context["costs"] = costs
            context["rows"] = [
                {**row, "cost": dollars_text(row["cost_micros"], exact=True, grouped=True)}
                for row in costs["rows"]
            ]
            context["totals"] = {
                **costs["totals"],
                "cost": dollars_text(costs["totals"]["cost_micros"], exact=True, grouped=True),
            }
    if not request.htmx:
        return render(request, "billing/usage_costs.html", context, status=status)
    response = render(request, "billing/usage_costs.html#usage", context, status=status)
    if request.htmx.trigger == "usage-filter":
        # Filtered from the form: the filter goes into the address (reload, share, back button).
        response = push_url(response, _page_url_with(request, filters))
    return response
