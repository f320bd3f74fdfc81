from django.shortcuts import render

from webapp.backend.client import BackendClient
from webapp.backend.errors import BackendUnavailable

SESSION_TOKEN_KEY = "backend_session_token"  # noqa: S105 (a session key name, not a secret)


class BackendMiddleware:
    """Gives every request `request.backend`, and turns an unreachable backend into a page with
    the banner (503) instead of an error page, wherever a view did not handle it itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.backend = BackendClient(
            request_id=getattr(request, "request_id", ""),
            session_token=request.session.get(SESSION_TOKEN_KEY, ""),
            client_address=request.META.get("REMOTE_ADDR", ""),
        )
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BackendUnavailable):
            return None
        # An HTMX request gets the banner alone (app.js shows it and a toast).
        template = "_base.html#banner" if request.htmx else "errors/backend_unavailable.html"
        return render(request, template, {"reason": exception.message}, status=503)
