from http import HTTPStatus

from django.http import JsonResponse

from afterresume.core.errors import error_body

MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    500: "Something went wrong on our side. Quote the request id when reporting it.",
}


class ApiErrorsInJsonMiddleware:
    """Under /api/, every error answers the one error shape, DEBUG on or off.

    Without DEBUG, handler400/403/404/500 (core.errors) answer it already. With DEBUG (the run
    command), Django answers an unknown address or an unexpected error with its HTML pages, which
    no API client can read: those become the JSON answer of the same status here, after Django
    has logged them as usual (the traceback stays in the console)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            return JsonResponse(error_body(MESSAGES.get(status) or _phrase(status)), status=status)
        return response


def _phrase(status: int) -> str:
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return "The request could not be answered."
