"""The backend's second-factor calls (allauth's headless MFA, app client): sign-in steps after the
password, security keys (WebAuthn) and the authenticator app. Used as `SecurityCalls(request.backend)`
or with a client holding a pending sign-in's token; the transport is BackendClient's."""

from dataclasses import dataclass

from webapp.backend.client import ALLAUTH, BackendClient
from webapp.backend.errors import BackendAuthenticationRequired, BackendError


class ReauthenticationRequired(BackendError):
    """Signed in, but the backend wants the password confirmed before this change."""


class SecondFactorRequired(BackendError):
    """The password was right; the sign-in waits for a second factor (`pending_token`)."""

    def __init__(self, *, pending_token: str, types: list[str]):
        super().__init__("Your account asks for a second step.", status=401)
        self.pending_token = pending_token
        self.types = types


@dataclass
class SignedIn:
    session_token: str


def _session_token(answer: dict, fallback: str = "") -> str:
    return ((answer or {}).get("meta") or {}).get("session_token") or fallback


def _pending_flow(answer: dict) -> dict | None:
    flows = ((answer or {}).get("data") or {}).get("flows") or []
    return next((flow for flow in flows if flow.get("is_pending")), None)


class SecurityCalls:
    def __init__(self, client: BackendClient):
        self.client = client

    def _call(self, method: str, path: str, **kwargs) -> dict:
        """allauth answers 401 both for "sign in again" and for "confirm your password first"
        (still signed in): the second one is ReauthenticationRequired."""
        answer = self.client.request(method, f"{ALLAUTH}{path}", accept_statuses=(401,), **kwargs) or {}
        if answer.get("status") == 401:
            if (answer.get("meta") or {}).get("is_authenticated"):
                raise ReauthenticationRequired("Please confirm your password to continue.", status=401)
            raise BackendAuthenticationRequired("Please sign in again.", status=401)
        return answer

    # --- signing in ----------------------------------------------------------------------------
    def sign_in(self, *, email: str, password: str) -> str:
        """The backend session token; SecondFactorRequired when the account has a second factor."""
        answer = self.client.request(
            "POST",
            f"{ALLAUTH}/auth/login",
            json={"email": email, "password": password},
            accept_statuses=(401,),
        )
        flow = _pending_flow(answer)
        if answer.get("status") == 401:
            if flow and flow["id"] == "mfa_authenticate":
                raise SecondFactorRequired(pending_token=_session_token(answer), types=flow.get("types", []))
            raise BackendAuthenticationRequired("This sign-in cannot be completed here.", status=401)
        return _session_token(answer)

    def second_factor_code(self, *, code: str) -> str:
        """An authenticator app's code or a recovery code, with the pending sign-in's token."""
        answer = self.client.post(f"{ALLAUTH}/auth/2fa/authenticate", json={"code": code})
        return _session_token(answer, self.client.session_token)

    def second_factor_key_options(self) -> dict:
        return self.client.get(f"{ALLAUTH}/auth/webauthn/authenticate")["data"]["request_options"]

    def second_factor_key(self, *, credential: dict) -> str:
        answer = self.client.post(f"{ALLAUTH}/auth/webauthn/authenticate", json={"credential": credential})
        return _session_token(answer, self.client.session_token)

    def key_sign_in_options(self) -> tuple[dict, str]:
        """(request options, the token of the pending session that keeps the challenge)."""
        answer = self.client.get(f"{ALLAUTH}/auth/webauthn/login")
        return answer["data"]["request_options"], _session_token(answer, self.client.session_token)

    def key_sign_in(self, *, credential: dict) -> str:
        answer = self.client.post(f"{ALLAUTH}/auth/webauthn/login", json={"credential": credential})
        return _session_token(answer, self.client.session_token)

    # --- managing ------------------------------------------------------------------------------
    def reauthenticate(self, *, password: str) -> None:
        self.client.post(f"{ALLAUTH}/auth/reauthenticate", json={"password": password})

    def authenticators(self) -> list[dict]:
        return self._call("GET", "/account/authenticators").get("data") or []

    def totp_offer(self) -> dict:
        """A new secret and its otpauth:// address (the backend keeps the secret until confirmed)."""
        answer = self.client.request("GET", f"{ALLAUTH}/account/authenticators/totp", accept_statuses=(404,))
        return answer.get("meta") or {}

    def totp_enable(self, *, code: str) -> None:
        self._call("POST", "/account/authenticators/totp", json={"code": code})

    def totp_disable(self) -> None:
        self._call("DELETE", "/account/authenticators/totp")

    def recovery_codes(self) -> list[str]:
        answer = self._call("GET", "/account/authenticators/recovery-codes")
        return (answer.get("data") or {}).get("unused_codes") or []

    def recovery_codes_regenerate(self) -> list[str]:
        answer = self._call("POST", "/account/authenticators/recovery-codes")
        return (answer.get("data") or {}).get("unused_codes") or []

    def key_creation_options(self) -> dict:
        return self._call("GET", "/account/authenticators/webauthn", params={"passwordless": ""})["data"][
            "creation_options"
        ]

    def key_add(self, *, name: str, credential: dict) -> dict:
        return self._call(
            "POST", "/account/authenticators/webauthn", json={"name": name, "credential": credential}
        )

    def key_remove(self, *, key_id: int) -> None:
        self._call("DELETE", "/account/authenticators/webauthn", json={"authenticators": [int(key_id)]})
