"""Export all my data: what the ZIP holds, a button that starts preparing it (a job that costs
nothing, so it works on an empty reserve), and my exports — each being prepared, ready to download
until it expires, or expired. The list reloads itself while one is being prepared."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from webapp.accounts.session import session_user, signin_required
from webapp.backend.downloads import passed_on
from webapp.backend.errors import BackendGone

PREPARING_TOAST = "Your export is being prepared: it appears in the list when it is ready."
PREPARING = frozenset({"queued", "running"})
STATUS_LABELS = {
    "queued": "Waiting for a worker",
    "running": "Being prepared",
    "ready": "Ready",
    "expired": "Expired",
    "failed": "Failed",
    "canceled": "Canceled",
}


def _context(request) -> dict:
    exports = request.backend.exports()["results"]
    for export in exports:
        export["label"] = STATUS_LABELS.get(export["status"], export["status"])
    user = session_user(request) or {}
    return {
        "exports": exports,
        "is_preparing": any(export["status"] in PREPARING for export in exports),
        "is_owner": user.get("role") == "owner",
    }


@require_http_methods(["GET", "POST"])
@signin_required
@never_cache
@vary_on_headers("HX-Request")
def export_page(request):
    """GET: the page (its list alone for the list's own reloads). POST: start an export."""
    if request.method == "POST":
        # A refusal (the workers cannot be reached) is answered by the middleware, like on every page.
        request.backend.export_start()
        if not request.htmx:
            messages.success(request, PREPARING_TOAST)
            return redirect("data:export")
        return trigger_client_event(
            render(request, "data/export.html#list", _context(request)), "toast", {"text": PREPARING_TOAST}
        )
    context = _context(request)
    if request.htmx and request.htmx.target == "export-list":
        return render(request, "data/export.html#list", context)
    return render(request, "data/export.html", context)


@require_GET
@signin_required
def export_download(request, export_id: int):
    try:
        return passed_on(request.backend.export_download(export_id=export_id))
    except BackendGone as gone:
        messages.warning(request, gone.message)
        return redirect("data:export")
