"""The browser session's view of the signed-in person. The backend session token lives only
here, server-side (docs/decisions.md); the browser holds nothing but the session cookie."""

import contextlib
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from webapp.backend.client import BackendClient
from webapp.backend.errors import BackendError

SESSION_TOKEN_KEY = "backend_session_token"  # noqa: S105 (a session key name, not a secret)
SESSION_USER_KEY = "user"


def session_sign_in(request, *, session_token: str) -> dict:
    """Find out who this is with the new token, then rotate the session (no fixation) and keep
    the token. If the profile cannot be read, the new backend session is ended, not kept."""
    client = BackendClient(
        request_id=request.backend.request_id,
        session_token=session_token,
        client_address=request.backend.client_address,
    )
    try:
        me = client.me()
    except BackendError:
        with contextlib.suppress(BackendError):
            client.sign_out()
        raise
    request.session.cycle_key()
    request.session[SESSION_TOKEN_KEY] = session_token
    request.backend = client
    return _remember_user(request, me)


def session_refresh_user(request) -> dict:
    return _remember_user(request, request.backend.me())


def _remember_user(request, me: dict) -> dict:
    user = {
        "email": me["user"]["email"],
        "display_name": me["user"]["display_name"],
        "is_staff": me["user"]["is_staff"],
        "tenant": (me.get("tenant") or {}).get("name", ""),
        "role": me.get("role") or "",
        "time_zone": me["user"].get("time_zone") or "UTC",
    }
    request.session[SESSION_USER_KEY] = user
    return user


def session_replace_token(request, *, session_token: str) -> None:
    request.session[SESSION_TOKEN_KEY] = session_token


def session_sign_out(request) -> None:
    request.session.flush()


def session_user(request) -> dict | None:
    if not request.session.get(SESSION_TOKEN_KEY):
        return None
    return request.session.get(SESSION_USER_KEY)


def safe_next(request, candidate: str | None, default: str = "/") -> str:
    """Only a local path: never an open redirect to another site."""
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def signin_url_for(request) -> str:
    return f"{reverse('accounts:signin')}?{urlencode({'next': request.get_full_path()})}"


def signin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if session_user(request) is None:
            return redirect(signin_url_for(request))
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view, *, refusal=PermissionDenied):
    """Operators only; the backend refuses everyone else too (403), this just fails early. The
    platform's figures pass `refusal=Http404`: to anyone else those pages do not exist, as the
    backend's `/api/system/` routes do not."""

    @wraps(view)
    @signin_required
    def wrapper(request, *args, **kwargs):
        if not session_user(request).get("is_staff"):
            raise refusal
        return view(request, *args, **kwargs)

    return wrapper


def operators_only(view):
    """staff_required, answering 404 to everyone else (Admin → Metrics and System)."""
    return staff_required(view, refusal=Http404)
