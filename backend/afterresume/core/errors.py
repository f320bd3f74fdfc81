"""One error shape for everything under /api/:

    {"message": "<one sentence>", "extra": {"fields": {...}}, "request_id": "<id>"}

`extra.fields` is present for validation errors only (field name -> list of messages)."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from afterresume.core.exceptions import DomainError
from afterresume.core.request_id import current_request_id

logger = logging.getLogger(__name__)


def error_body(message: str, *, fields: dict | None = None, extra: dict | None = None) -> dict:
    extra = {**(extra or {}), **({"fields": fields} if fields is not None else {})}
    return {"message": message, "extra": extra, "request_id": current_request_id()}


def _first_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(str(exc), extra=exc.extra()), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.NotAuthenticated) and (
        hint := getattr(context.get("request"), "authentication_hint", "")
    ):
        # An authenticator saw credentials it could not use (e.g. another Authorization scheme)
        # and said what to send instead.
        exc = exceptions.NotAuthenticated(hint)

    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: handler500 answers in the same shape

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("Some fields are not valid.", fields=detail)
        # Name the first problem in the message too, for clients that show only the message.
        response.data["message"] = f"Some fields are not valid: {_first_message(detail)}"
    else:
        response.data = error_body(_first_message(exc.detail))
    return response


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("Not found."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if _wants_json(request):
        return JsonResponse(
            error_body("Something went wrong on our side. Quote the request id when reporting it."),
            status=500,
        )
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("Bad request."), status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("You do not have permission to do this."), status=403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def ratelimited(request, exception=None):
    """django-ratelimit's answer when a limit trips: 429 in the API's error shape."""
    return JsonResponse(error_body("Too many attempts. Please wait a while and try again."), status=429)
