import logging
import threading
from typing import Any

import httpx
from django.conf import settings

from webapp.backend.errors import STATUS_TO_ERROR, BackendServerError, BackendUnavailable

logger = logging.getLogger(__name__)

_pool_lock = threading.Lock()
_pool: httpx.Client | None = None


def _shared_pool() -> httpx.Client:
    """One connection pool per process, reused by every request (keep-alive to the backend)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = httpx.Client(
                timeout=httpx.Timeout(
                    settings.BACKEND_READ_TIMEOUT, connect=settings.BACKEND_CONNECT_TIMEOUT
                ),
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
                headers={"Accept": "application/json", "User-Agent": "afterresume-frontend"},
            )
        return _pool


def reset_pool() -> None:
    """Drop the pool (tests change the backend address or the timeouts)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
        _pool = None


class BackendClient:
    """The backend as seen by one browser request: carries that request's id, the user's
    backend token (from the server-side session) and the client's address."""

    def __init__(self, *, request_id: str = "", session_token: str = "", client_address: str = ""):
        self.request_id = request_id
        self.session_token = session_token
        self.client_address = client_address
        # Set when a call found the backend unreachable: the shell then shows the banner.
        self.is_unreachable = False

    # --- transport ------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {}
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        if self.session_token:
            headers["X-Session-Token"] = self.session_token
        if self.client_address:
            headers["X-Forwarded-For"] = self.client_address
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        accept_statuses: tuple[int, ...] = (),
    ) -> Any:
        url = f"{settings.BACKEND_URL}{path}"
        try:
            response = _shared_pool().request(method, url, params=params, json=json, headers=self._headers())
        except httpx.TimeoutException as error:
            self.is_unreachable = True
            logger.warning("backend timed out: %s %s", method, path)
            raise BackendUnavailable("The server took too long to answer.") from error
        except httpx.TransportError as error:
            self.is_unreachable = True
            logger.warning("backend unreachable: %s %s (%s)", method, path, type(error).__name__)
            raise BackendUnavailable("The server cannot be reached right now.") from error

        if response.is_success or response.status_code in accept_statuses:
            return response.json() if response.content else None
        raise self._error_for(response)

    def _error_for(self, response: httpx.Response) -> Exception:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        error_class = STATUS_TO_ERROR.get(response.status_code, BackendServerError)
        if error_class is BackendUnavailable:
            self.is_unreachable = True
        message = body.get("message") or body.get("detail") or f"The server answered {response.status_code}."
        fields = (body.get("extra") or {}).get("fields") if isinstance(body.get("extra"), dict) else None
        return error_class(
            str(message),
            status=response.status_code,
            fields=fields,
            request_id=response.headers.get("X-Request-ID", ""),
        )

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Any:
        return self.request("POST", path, **kwargs)

    # --- endpoints --------------------------------------------------------------------------------
    def health(self) -> dict:
        """The backend's health report; a 503 still carries the report (which check fails)."""
        return self.get("/api/healthz/", accept_statuses=(503,))
