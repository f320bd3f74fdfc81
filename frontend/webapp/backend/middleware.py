from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from webapp.accounts.session import SESSION_TOKEN_KEY, session_sign_out, signin_url_for
from webapp.backend.client import BackendClient
from webapp.backend.errors import (
    BackendAuthenticationRequired,
    BackendConflict,
    BackendNotFound,
    BackendPaymentRequired,
    BackendPermissionDenied,
    BackendRateLimited,
    BackendServerError,
    BackendUnavailable,
)


def browser_address(request) -> str:
    """The browser's address: TRUSTED_PROXY_HOPS entries from the right of X-Forwarded-For plus
    REMOTE_ADDR; whatever the browser itself wrote further left is ignored."""
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain.append(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_HOPS
    return chain[-(hops + 1)] if len(chain) > hops else chain[0]


class BackendMiddleware:
    """Gives every request `request.backend`, and turns an unreachable backend into a page with
    the banner (503) instead of an error page, wherever a view did not handle it itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.backend = BackendClient(
            request_id=getattr(request, "request_id", ""),
            session_token=request.session.get(SESSION_TOKEN_KEY, ""),
            client_address=browser_address(request),
        )
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BackendAuthenticationRequired):
            return self._sign_in_again(request)
        if isinstance(exception, BackendPermissionDenied):
            return render(request, "403.html", status=403)
        if isinstance(exception, BackendNotFound):
            return render(request, "404.html", status=404)
        if isinstance(exception, BackendRateLimited):
            # Too many writes (a form shows this itself; here for buttons like delete or revoke).
            if request.htmx:
                return HttpResponse(status=429)  # app.js says so in a toast
            return render(request, "errors/rate_limited.html", {"message": exception.message}, status=429)
        if isinstance(exception, BackendPaymentRequired):
            # The reserve cannot cover it (docs/api.md): say how much and offer the top-up. An HTMX
            # request gets the same words as a toast (app.js shows HX-Trigger "toast").
            if request.htmx:
                toast = {"text": exception.message, "level": "warning"}
                return trigger_client_event(HttpResponse(status=402), "toast", toast)
            return render(request, "errors/payment_required.html", {"message": exception.message}, status=402)
        if isinstance(exception, BackendConflict):
            # Done already, or no longer possible (a job that has ended): the backend's sentence.
            if request.htmx:
                toast = {"text": exception.message, "level": "warning"}
                return trigger_client_event(HttpResponse(status=409), "toast", toast)
            return render(request, "errors/conflict.html", {"message": exception.message}, status=409)
        if isinstance(exception, BackendServerError):
            return render(
                request, "errors/backend_error.html", {"request_id": exception.request_id}, status=502
            )
        if not isinstance(exception, BackendUnavailable):
            return None
        # An HTMX request gets the banner alone (app.js shows it and a toast).
        template = "core/_banner.html" if request.htmx else "errors/backend_unavailable.html"
        return render(request, template, {"reason": exception.message}, status=503)

    def _sign_in_again(self, request):
        """The backend no longer knows the session token (signed out elsewhere, deactivated,
        expired): forget it and send the person to the sign-in page, back here afterwards."""
        target = signin_url_for(request) if request.method == "GET" else signin_url_for(request).split("?")[0]
        session_sign_out(request)
        messages.info(request, "Your session has ended. Please sign in again.")
        if request.htmx:
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
