class BackendError(Exception):
    """The backend answered with an error. `message` is safe to show to the user."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        fields: dict | None = None,
        request_id: str = "",
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.request_id = request_id
        # The error shape's other facts (e.g. an import's refused `rows`).
        self.extra = extra or {}


class BackendUnavailable(BackendError):
    """No answer: refused connection, timeout, or a 502/503/504 from a proxy in between."""


class BackendValidationError(BackendError):
    """400/422: `fields` maps field names to the backend's messages."""


class BackendAuthenticationRequired(BackendError):
    """401: the session's backend token is missing, expired or revoked."""


class BackendPermissionDenied(BackendError):
    """403."""


class BackendNotFound(BackendError):
    """404: also what another tenant's or another author's object looks like."""


class BackendPaymentRequired(BackendError):
    """402: the reserve cannot cover the request."""


class BackendGone(BackendError):
    """410 from the API: the thing existed and is gone for good (an export past its expiry)."""


class BackendConflict(BackendError):
    """409: the object is no longer in a state that allows this (a job that has ended, a proposal
    already decided)."""


class BackendRateLimited(BackendError):
    """429."""


class BackendServerError(BackendError):
    """500 and other unexpected answers."""


STATUS_TO_ERROR = {
    400: BackendValidationError,
    401: BackendAuthenticationRequired,
    402: BackendPaymentRequired,
    403: BackendPermissionDenied,
    404: BackendNotFound,
    409: BackendConflict,
    410: BackendGone,
    422: BackendValidationError,
    429: BackendRateLimited,
    502: BackendUnavailable,
    503: BackendUnavailable,
    504: BackendUnavailable,
}
