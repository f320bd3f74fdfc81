"""Request id: taken from X-Request-ID when the caller sent a sane one (the frontend forwards
its own), generated otherwise; returned in the response and attached to every log line. The
client's address travels beside it for the audit log, so that services never take the request."""

import logging
import re
import uuid
from contextvars import ContextVar

from afterresume.core.client_ip import client_ip

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: ContextVar[str] = ContextVar("request_id", default="-")
# The caller's address while a request is handled ("" when it has none); None outside a request.
_client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def current_request_id() -> str:
    return _current.get()


def current_client_address() -> str | None:
    """The address of the client whose request is being handled (core.client_ip), "" when it has
    none, or None when no request is (a Celery task, a management command)."""
    return _client_address.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get(_META_KEY, "")
        request_id = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs 4xx/5xx answers after the middleware chain has
        # returned, and those lines need the id too. The next request sets its own.
        _current.set(request_id)
        # Unlike the id, reset on the way out: what runs after a request is not done on its behalf.
        address = _client_address.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            _client_address.reset(address)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
