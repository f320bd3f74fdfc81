import logging
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings

from webapp.backend.account_calls import AccountCalls
from webapp.backend.billing_calls import BillingCalls
from webapp.backend.data_calls import DataCalls
from webapp.backend.errors import (
    STATUS_TO_ERROR,
    BackendAuthenticationRequired,
    BackendServerError,
    BackendUnavailable,
    BackendValidationError,
)
from webapp.backend.params import present
from webapp.backend.system_calls import SystemCalls
from webapp.backend.team_calls import TeamCalls
from webapp.backend.work_calls import WorkCalls

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


class BackendClient(WorkCalls, BillingCalls, SystemCalls, DataCalls, TeamCalls, AccountCalls):
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
        headers: dict | None = None,
        files: dict | None = None,
        data: dict | None = None,
    ) -> Any:
        url = f"{settings.BACKEND_URL}{path}"
        try:
            response = _shared_pool().request(
                method,
                url,
                params=params,
                json=json,
                files=files,
                data=data,
                headers={**self._headers(), **(headers or {})},
            )
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
        status = response.status_code
        # allauth answers 410 for a session token that no longer exists: sign in again. (From the
        # API a 410 means what it says: gone, e.g. an expired export.)
        error_class = (
            BackendAuthenticationRequired
            if status == 410 and response.request.url.path.startswith("/_allauth/")
            else STATUS_TO_ERROR.get(status, BackendServerError)
        )
        if error_class is BackendUnavailable:
            self.is_unreachable = True
        message, fields = _message_and_fields(body)
        return error_class(
            message or _DEFAULT_MESSAGES.get(status, f"The server answered {status}."),
            status=status,
            fields=fields,
            request_id=response.headers.get("X-Request-ID", ""),
            extra=body.get("extra") if isinstance(body.get("extra"), dict) else None,
        )

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> Any:
        return self.request("DELETE", path, **kwargs)

    # --- health -----------------------------------------------------------------------------------
    def health(self) -> dict:
        """The backend's health report; a 503 still carries the report (which check fails)."""
        return self.get("/api/healthz/", accept_statuses=(503,))

    # --- identity (allauth headless, app client) ----------------------------------------------------
    def sign_in(self, *, email: str, password: str) -> str:
        """Returns the new backend session token."""
        answer = self.post(f"{ALLAUTH}/auth/login", json={"email": email, "password": password})
        return answer["meta"]["session_token"]

    def sign_up(
        self, *, passkey: str, email: str, password: str, display_name: str, time_zone: str = ""
    ) -> str:
        body = {"passkey": passkey, "email": email, "password": password, "display_name": display_name}
        if time_zone:
            body["time_zone"] = time_zone
        answer = self.post(f"{ALLAUTH}/auth/signup", json=body)
        return answer["meta"]["session_token"]

    def sign_out(self) -> None:
        # allauth answers 401 ("no longer authenticated") on success, 410 if it had already ended.
        self.delete(f"{ALLAUTH}/auth/session", accept_statuses=(401, 410))

    def password_reset_request(self, *, email: str) -> None:
        self.post(f"{ALLAUTH}/auth/password/request", json={"email": email})

    def password_reset_key_is_valid(self, *, key: str) -> bool:
        try:
            self.get(f"{ALLAUTH}/auth/password/reset", headers={"X-Password-Reset-Key": key})
        except BackendValidationError:
            return False
        return True

    def password_reset(self, *, key: str, password: str) -> None:
        # 401: the password is set and the person is not signed in (they sign in next).
        self.post(
            f"{ALLAUTH}/auth/password/reset", json={"key": key, "password": password}, accept_statuses=(401,)
        )

    def password_change(self, *, current_password: str, new_password: str) -> str | None:
        """Returns the new session token (allauth rotates the session on a password change)."""
        answer = self.post(
            f"{ALLAUTH}/account/password/change",
            json={"current_password": current_password, "new_password": new_password},
        )
        return ((answer or {}).get("meta") or {}).get("session_token")

    def me(self) -> dict:
        return self.get("/api/me/")

    def profile_update(self, *, display_name: str, time_zone: str) -> dict:
        return self.patch("/api/me/", json={"display_name": display_name, "time_zone": time_zone})

    # --- personal API tokens ------------------------------------------------------------------------
    def tokens(self) -> list[dict]:
        return self.get("/api/me/tokens/")

    def token_create(self, *, name: str, expires_in_days: int | None) -> dict:
        return self.post("/api/me/tokens/", json={"name": name, "expires_in_days": expires_in_days})

    def token_revoke(self, *, token_id: int) -> None:
        self.delete(f"/api/me/tokens/{int(token_id)}/")

    # --- worklogs --------------------------------------------------------------------------------
    def worklogs(self, *, cursor: str = "", page_size: int = 25, **filters) -> dict:
        """A page of the person's entries: `results`, and `next_cursor` to pass as `cursor` for the
        next page ("" on the last one)."""
        answer = self.get("/api/worklogs/", params=present(cursor=cursor, page_size=page_size, **filters))
        return {"results": answer["results"], "next_cursor": _cursor_of(answer.get("next"))}

    def worklog(self, *, worklog_id: int) -> dict:
        return self.get(f"/api/worklogs/{int(worklog_id)}/")

    def worklog_create(self, **fields) -> dict:
        """The created entry, with the `suggestions` as they are after it."""
        return self.post("/api/worklogs/", params={"include": "suggestions"}, json=fields)

    def worklog_update(self, *, worklog_id: int, **fields) -> dict:
        return self.patch(f"/api/worklogs/{int(worklog_id)}/", json=fields)

    def worklog_delete(self, *, worklog_id: int) -> None:
        self.delete(f"/api/worklogs/{int(worklog_id)}/")

    def worklog_suggestions(self) -> dict:
        return self.get("/api/worklogs/suggestions/")

    def worklog_stats(self) -> dict:
        return self.get("/api/worklogs/stats/")

    def evidence_upload(self, *, worklog_id: int, name: str, fileobj, content_type: str) -> dict:
        """Streams the file to the backend as multipart (not read into memory here)."""
        return self.request(
            "POST",
            f"/api/worklogs/{int(worklog_id)}/evidence/",
            files={"file": (name, fileobj, content_type or "application/octet-stream")},
        )

    def worklog_import_preview(self, *, upload: tuple, options: dict) -> dict:
        """What importing the file would do (nothing written). `upload`: (name, file, type)."""
        return self.request("POST", "/api/worklogs/imports/preview/", files={"file": upload}, data=options)

    def worklog_import(self, *, upload: tuple, options: dict) -> dict:
        """Checks the file and starts its import job (202, the job); a refused row:
        BackendValidationError with `extra["rows"]`, nothing imported."""
        return self.request("POST", "/api/worklogs/imports/", files={"file": upload}, data=options)

    def worklog_import_template(self) -> httpx.Response:
        return self._stream("/api/worklogs/imports/template.csv")

    def evidence_delete(self, *, worklog_id: int, evidence_id: int) -> None:
        self.delete(f"/api/worklogs/{int(worklog_id)}/evidence/{int(evidence_id)}/")

    def evidence_download(self, *, worklog_id: int, evidence_id: int) -> httpx.Response:
        """The backend's answer, unread: a redirect to a presigned URL, or the file as a stream.
        The caller must close it."""
        return self._stream(f"/api/worklogs/{int(worklog_id)}/evidence/{int(evidence_id)}/download/")

    def _stream(self, path: str) -> httpx.Response:
        url = f"{settings.BACKEND_URL}{path}"
        try:
            response = _shared_pool().send(
                _shared_pool().build_request("GET", url, headers=self._headers()),
                stream=True,
                follow_redirects=False,
            )
        except httpx.TransportError as error:
            self.is_unreachable = True
            raise BackendUnavailable("The server cannot be reached right now.") from error
        if response.status_code >= 400:
            response.read()
            response.close()
            raise self._error_for(response)
        return response

    # --- operators --------------------------------------------------------------------------------
    def admin_passkeys(self, *, status: str = "", search: str = "", page: int = 1) -> dict:
        return self.get("/api/admin/passkeys/", params=present(status=status, search=search, page=page))

    def admin_passkey(self, *, passkey_id: int) -> dict:
        return self.get(f"/api/admin/passkeys/{int(passkey_id)}/")

    def admin_passkey_create(
        self,
        *,
        note: str,
        expires_in_days: int,
        max_uses: int,
        target_tenant_id: int | None,
        starter_credit_dollars: str = "0",
    ) -> dict:
        return self.post(
            "/api/admin/passkeys/",
            json={
                "note": note,
                "expires_in_days": expires_in_days,
                "max_uses": max_uses,
                "target_tenant_id": target_tenant_id,
                "starter_credit_dollars": starter_credit_dollars,
            },
        )

    def admin_passkey_revoke(self, *, passkey_id: int) -> dict:
        return self.post(f"/api/admin/passkeys/{int(passkey_id)}/revoke/")

    def admin_tenants(self) -> list[dict]:
        return self.get("/api/admin/tenants/")

    def admin_users(self, *, search: str = "", page: int = 1) -> dict:
        return self.get("/api/admin/users/", params=present(search=search, page=page))

    def admin_user_update(self, *, user_id: int, **changes: bool) -> dict:
        return self.patch(f"/api/admin/users/{int(user_id)}/", json=changes)

    def admin_audit(self, **filters) -> dict:
        return self.get("/api/admin/audit/", params=present(**filters))

    def admin_jobs(
        self, *, status: str = "", kind: str = "", tenant_id: int | None = None, page: int = 1
    ) -> dict:
        return self.get(
            "/api/admin/jobs/", params=present(status=status, kind=kind, tenant_id=tenant_id, page=page)
        )


ALLAUTH = "/_allauth/app/v1"

_DEFAULT_MESSAGES = {
    401: "Please sign in again.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    429: "Too many attempts. Please wait a while and try again.",
}


def _cursor_of(url: str | None) -> str:
    """The `cursor` query parameter of a next/previous link of a cursor-paginated list."""
    return parse_qs(urlsplit(url or "").query).get("cursor", [""])[0]


def _message_and_fields(body: dict) -> tuple[str, dict]:
    """The one message and the per-field messages of either error shape: ours
    (`{"message", "extra": {"fields"}}`) or allauth's (`{"errors": [{"message", "param"}]}`)."""
    if isinstance(body.get("errors"), list):
        fields: dict[str, list[str]] = {}
        messages = []
        for error in body["errors"]:
            if not isinstance(error, dict):
                continue
            messages.append(str(error.get("message", "")))
            if error.get("param"):
                fields.setdefault(str(error["param"]), []).append(str(error.get("message", "")))
        return (messages[0] if messages else ""), fields
    extra = body.get("extra") if isinstance(body.get("extra"), dict) else {}
    return str(body.get("message") or body.get("detail") or ""), extra.get("fields") or {}
