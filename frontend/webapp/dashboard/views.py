from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from webapp.accounts.session import signin_required
from webapp.backend.errors import BackendUnavailable

CHECK_LABELS = {"database": "Database", "cache": "Cache", "broker": "Job queue"}


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def home(request):
    try:
        report = request.backend.health()
    except BackendUnavailable:
        report = None
    context = {"report": report, "checks": [], "last_ping_at": None, "last_ping_worker": ""}
    if report:
        context["checks"] = [
            {"name": CHECK_LABELS.get(name, name), "ok": check["ok"], "detail": check["detail"]}
            for name, check in report["checks"].items()
        ]
        last_ping = (report.get("worker") or {}).get("last_ping")
        if last_ping:
            context["last_ping_at"] = parse_datetime(last_ping["finished_at"])
            context["last_ping_worker"] = last_ping["worker"]
    template = "dashboard/home.html#system" if request.htmx else "dashboard/home.html"
    return render(request, template, context)
