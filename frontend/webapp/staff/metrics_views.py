"""Admin → Metrics: the executive dashboard, charts of the platform's daily snapshots (range and
grouping in the address, refreshed every minute while open, each chart's numbers as CSV), the
latest runs of metrics.compute, and a backfill. Operators only: to anyone else a 404, as the
backend's routes are (docs/metrics.md)."""

import csv
import io
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from webapp.accounts.session import operators_only
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.errors import BackendConflict
from webapp.staff.metrics_series import GROUPS, chart_named, charts_of

DEFAULT_DAYS = 30
MAX_DAYS = 400
REFRESH_SECONDS = 60


class RangeForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ChoiceField(label="Group by", choices=list(GROUPS.items()), required=False)

    def clean(self):
        data = super().clean()
        date_to = data.get("date_to") or timezone.now().date()
        date_from = data.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise forms.ValidationError("The range starts after it ends.")
        if (date_to - date_from).days >= MAX_DAYS:
            raise forms.ValidationError(f"Pick at most {MAX_DAYS} days.")
        return {"date_from": date_from, "date_to": date_to, "group": data.get("group") or "day"}

    def chosen(self) -> dict:
        """The valid choice, or the defaults (the page says what was wrong)."""
        if self.is_valid():
            return self.cleaned_data
        today = timezone.now().date()
        return {"date_from": today - timedelta(days=DEFAULT_DAYS - 1), "date_to": today, "group": "day"}


@require_GET
@operators_only
@vary_on_headers("HX-Request")
def metrics(request):
    form = RangeForm(request.GET)
    chosen = form.chosen()
    days = request.backend.metrics_daily(date_from=chosen["date_from"], date_to=chosen["date_to"])
    charts = charts_of(days, chosen["group"])
    query = request.GET.urlencode()
    context = {
        "form": form,
        "chosen": chosen,
        "charts": charts,
        "has_days": bool(days),
        "days_shown": len(days),
        "query": query,
        "refresh_seconds": REFRESH_SECONDS,
        "checked_at": timezone.now(),
    }
    if request.htmx and request.htmx.target == "metrics-charts":
        return render(request, "staff/metrics.html#charts", context)
    context["runs"] = request.backend.metrics_runs(page_size=5)["results"]
    return render(request, "staff/metrics.html", context)


@require_GET
@operators_only
def metrics_csv(request, key: str):
    chosen = RangeForm(request.GET).chosen()
    days = request.backend.metrics_daily(date_from=chosen["date_from"], date_to=chosen["date_to"])
    chart = chart_named(days, chosen["group"], key)
    if chart is None:
        raise Http404
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(chart.rows())
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"afterresume-{key}-{chosen['date_from']}-{chosen['date_to']}-by-{chosen['group']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@operators_only
def metrics_backfill(request):
    form = RangeForm(request.POST)
    back = reverse("staff:metrics")
    if not form.is_valid() or not request.POST.get("date_from") or not request.POST.get("date_to"):
        messages.error(
            request, "Give the first and the last day to compute (at most 400 days, not after today)."
        )
        return redirect(back)
    chosen = form.cleaned_data
    try:
        runs = request.backend.metrics_backfill(date_from=chosen["date_from"], date_to=chosen["date_to"])
    except (*FORM_ERRORS, BackendConflict) as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        f"Computing {len(runs)} day{'s' if len(runs) != 1 else ''} on the workers: "
        "the charts fill in as each day is done.",
    )
    return redirect(f"{back}?date_from={chosen['date_from']}&date_to={chosen['date_to']}")
