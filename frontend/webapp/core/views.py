import contextlib

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from webapp.accounts.session import session_user
from webapp.backend.errors import BackendError


@require_GET
@never_cache
def health(request):
    """The frontend's own health (it is up if it answers), with what it sees of the backend."""
    try:
        report = request.backend.health()
        backend = "ok" if report.get("status") == "ok" else "failing"
    except BackendError:
        backend = "unreachable"
    return JsonResponse({"status": "ok", "backend": backend})


@require_GET
@never_cache
def status_bar(request):
    """The status bar's fragment, polled by app.js (every 30 s, backing off on errors)."""
    # On failure the fragment itself shows "Server unreachable" and "—".
    bar = None
    with contextlib.suppress(BackendError):
        if session_user(request) is not None:
            bar = request.backend.status_bar()
        else:
            request.backend.health()
    return render(request, "core/status_bar.html", {"bar": bar, "updated_at": timezone.now()})
