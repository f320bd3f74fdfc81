"""Second factors through allauth's headless endpoints (app client, X-Session-Token), as the
frontend uses them: an authenticator app with recovery codes, security keys bound to the frontend's
host, and personal API tokens next to them."""

import base64
import hashlib
import hmac
import struct
import time
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from afterresume.audit.models import AuditEvent
from conftest import PASSWORD, token_client

AUTH = "/_allauth/app/v1"


def totp_code(secret: str, *, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret.upper()), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def call(method: str, path: str, token: str = "", body=None):
    headers = {"X-Session-Token": token} if token else {}
    return getattr(Client(), method)(f"{AUTH}{path}", body, content_type="application/json", headers=headers)


def sign_in(email: str, password: str = PASSWORD):
    return call("post", "/auth/login", body={"email": email, "password": password})


def signed_in_token(user) -> str:
    response = sign_in(user.email)
    assert response.status_code == 200, response.json()
    return response.json()["meta"]["session_token"]


def confirmed_token(user) -> str:
    """Signed in, with the password confirmed again just now (allauth asks for that before any
    change to second factors)."""
    token = signed_in_token(user)
    assert call("post", "/auth/reauthenticate", token, {"password": PASSWORD}).status_code == 200
    return token


def enable_authenticator_app(user) -> tuple[str, str]:
    """Sets up an authenticator app for `user`; returns (the app's secret, a signed-in token)."""
    token = confirmed_token(user)
    offered = call("get", "/account/authenticators/totp", token)
    assert offered.status_code == 404  # not set up yet: the answer offers a new secret
    secret = offered.json()["meta"]["secret"]
    enabled = call("post", "/account/authenticators/totp", token, {"code": totp_code(secret)})
    assert enabled.status_code == 200, enabled.json()
    return secret, token


def test_an_authenticator_app_is_asked_for_after_the_password(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        secret, _ = enable_authenticator_app(owner)

    # when the person signs in with the password only
    first_step = sign_in(owner.email)

    # then the backend wants the second factor and gives a token for the pending sign-in
    assert first_step.status_code == 401
    pending = first_step.json()
    flow = next(flow for flow in pending["data"]["flows"] if flow.get("is_pending"))
    assert flow["id"] == "mfa_authenticate"
    assert sorted(flow["types"]) == ["recovery_codes", "totp"]
    pending_token = pending["meta"]["session_token"]
    assert Client().get("/api/me/", headers={"X-Session-Token": pending_token}).status_code == 401

    # when the code follows
    second_step = call("post", "/auth/2fa/authenticate", pending_token, {"code": totp_code(secret)})

    # then the person is signed in, and the audit log says how
    assert second_step.status_code == 200
    token = second_step.json()["meta"]["session_token"]
    assert Client().get("/api/me/", headers={"X-Session-Token": token}).json()["user"]["email"] == owner.email
    event = AuditEvent.objects.filter(action="signin.succeeded", actor=owner).latest("pk")
    assert event.data == {"methods": ["password", "authenticator app"]}
    assert event.summary == "owner@example.com signed in with password and authenticator app"
    assert AuditEvent.objects.filter(action="mfa.authenticator_app_enabled", actor=owner).count() == 1


def test_a_wrong_code_does_not_sign_in(owner):
    secret, _ = enable_authenticator_app(owner)
    pending_token = sign_in(owner.email).json()["meta"]["session_token"]
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"

    refused = call("post", "/auth/2fa/authenticate", pending_token, {"code": wrong})

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["param"] == "code"
    assert Client().get("/api/me/", headers={"X-Session-Token": pending_token}).status_code == 401


def test_a_recovery_code_signs_in_once(owner):
    _, token = enable_authenticator_app(owner)
    codes = call("get", "/account/authenticators/recovery-codes", token).json()["data"]["unused_codes"]
    assert len(codes) == 10

    first = call(
        "post",
        "/auth/2fa/authenticate",
        sign_in(owner.email).json()["meta"]["session_token"],
        {"code": codes[0]},
    )
    again = call(
        "post",
        "/auth/2fa/authenticate",
        sign_in(owner.email).json()["meta"]["session_token"],
        {"code": codes[0]},
    )

    assert first.status_code == 200
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=owner).latest("pk").data == {
        "methods": ["password", "recovery code"]
    }


def test_changing_second_factors_needs_the_password_confirmed_first(owner):
    # given a person just signed in with the password
    token = signed_in_token(owner)
    secret = call("get", "/account/authenticators/totp", token).json()["meta"]["secret"]

    # when they enable an authenticator app
    refused = call("post", "/account/authenticators/totp", token, {"code": totp_code(secret)})

    # then the backend asks for the password again (still signed in), and nothing is enabled
    assert refused.status_code == 401
    assert refused.json()["meta"]["is_authenticated"] is True
    assert [flow["id"] for flow in refused.json()["data"]["flows"]] == ["reauthenticate"]
    assert call("get", "/account/authenticators", token).json()["data"] == []

    # when the password is confirmed, the same secret and code are accepted
    assert call("post", "/auth/reauthenticate", token, {"password": PASSWORD}).status_code == 200
    enabled = call("post", "/account/authenticators/totp", token, {"code": totp_code(secret)})
    assert enabled.status_code == 200


def test_a_password_confirmation_lasts_the_configured_window(owner, settings):
    token = confirmed_token(owner)
    secret = call("get", "/account/authenticators/totp", token).json()["meta"]["secret"]
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0

    refused = call("post", "/account/authenticators/totp", token, {"code": totp_code(secret)})

    assert refused.status_code == 401


def test_security_keys_belong_to_the_frontends_host_not_the_backends(db, settings):
    # given the frontend at its public address and the backend reached under another name
    settings.FRONTEND_URL = "https://app.example.com"
    settings.WEBAUTHN_RP_ID = "app.example.com"
    settings.ALLOWED_HOSTS = ["backend.internal"]

    options = Client().get(f"{AUTH}/auth/webauthn/login", HTTP_HOST="backend.internal")

    assert options.status_code == 200
    public_key = options.json()["data"]["request_options"]["publicKey"]
    assert public_key["rpId"] == "app.example.com"
    assert public_key["userVerification"] == "required"
    # the ceremony's state waits in a pending session the frontend keeps for the next call
    assert options.json()["meta"]["session_token"]


def test_the_relying_party_id_defaults_to_the_frontend_urls_host_name(settings):
    assert urlsplit(settings.FRONTEND_URL).hostname == settings.WEBAUTHN_RP_ID


def test_security_key_sign_in_is_offered_to_clients(db):
    config = Client().get(f"{AUTH}/config").json()["data"]["mfa"]

    assert config == {
        "supported_types": ["totp", "recovery_codes", "webauthn"],
        "passkey_login_enabled": True,
    }


def test_existing_api_tokens_keep_working_for_an_account_with_a_second_factor(owner):
    client = token_client(owner)
    enable_authenticator_app(owner)

    assert client.get("/api/me/").status_code == 200
    assert client.get("/api/worklogs/").status_code == 200


def test_the_password_token_endpoint_refuses_an_account_with_a_second_factor(owner, api_client):
    enable_authenticator_app(owner)

    response = api_client.post(
        "/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert "Create API tokens on your profile page instead" in response.json()["message"]
    assert owner.api_tokens.count() == 0
    assert AuditEvent.objects.filter(action="signin.refused", actor=owner).count() == 1


def test_the_password_token_endpoint_still_works_without_a_second_factor(owner, api_client):
    response = api_client.post(
        "/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 201


def test_an_operator_command_removes_a_persons_second_factors(owner):
    enable_authenticator_app(owner)
    out = StringIO()

    call_command("reset_second_factors", "OWNER@example.com", "--reason", "lost phone, ticket 7", stdout=out)

    assert "Removed from owner@example.com: authenticator app (1), recovery codes (1)." in out.getvalue()
    assert sign_in(owner.email).status_code == 200  # the password alone signs in again
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.target == f"user:{owner.pk}"
    assert event.data == {"removed": {"totp": 1, "recovery_codes": 1}}
    assert "lost phone, ticket 7" in event.summary


def test_the_operator_command_names_an_unknown_account(db):
    with pytest.raises(CommandError, match=r"No account with the e-mail address nobody@example\.com"):
        call_command("reset_second_factors", "nobody@example.com", "--reason", "x")


class SoftSecurityKey:
    """A security key in software (fido2's data types, a P-256 key): what Chromium's virtual
    authenticator does in the browser tests, here without a browser."""

    def __init__(self, *, origin: str):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = b"soft-key-" + hashlib.sha256(origin.encode()).digest()[:8]
        self.user_handle = ""
        self.counter = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        import json

        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin}).encode()

    def create(self, creation_options: dict) -> dict:
        from fido2 import cbor, cose
        from fido2.utils import websafe_encode
        from fido2.webauthn import AttestedCredentialData, AuthenticatorData

        options = creation_options["publicKey"]
        self.user_handle = options["user"]["id"]
        credential_data = AttestedCredentialData.create(
            b"\0" * 16, self.credential_id, cose.ES256.from_cryptography_key(self.private_key.public_key())
        )
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
        auth_data = AuthenticatorData.create(
            hashlib.sha256(options["rp"]["id"].encode()).digest(), flags, 0, credential_data
        )
        attestation = cbor.encode({"fmt": "none", "attStmt": {}, "authData": bytes(auth_data)})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": websafe_encode(attestation),
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, request_options: dict) -> dict:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from fido2.utils import websafe_encode
        from fido2.webauthn import AuthenticatorData

        options = request_options["publicKey"]
        self.counter += 1
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV
        auth_data = bytes(
            AuthenticatorData.create(hashlib.sha256(options["rpId"].encode()).digest(), flags, self.counter)
        )
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
        }


def add_security_key(user, key: SoftSecurityKey, name: str = "Blue key") -> dict:
    token = confirmed_token(user)
    options = call("get", "/account/authenticators/webauthn?passwordless", token)
    assert options.status_code == 200, options.json()
    added = call(
        "post",
        "/account/authenticators/webauthn",
        token,
        {"name": name, "credential": key.create(options.json()["data"]["creation_options"])},
    )
    assert added.status_code == 200, added.json()
    return added.json()


def sign_in_with_security_key(key: SoftSecurityKey):
    options = call("get", "/auth/webauthn/login")
    pending_token = options.json()["meta"]["session_token"]
    credential = key.get(options.json()["data"]["request_options"])
    return call("post", "/auth/webauthn/login", pending_token, {"credential": credential})


def test_a_security_key_signs_in_on_its_own(owner, settings):
    # given the frontend at http://localhost:3000 (relying party "localhost") and a key added there
    settings.WEBAUTHN_RP_ID = "localhost"
    key = SoftSecurityKey(origin="http://localhost:3000")
    added = add_security_key(owner, key)
    assert added["data"]["name"] == "Blue key"
    assert added["data"]["is_passwordless"] is True

    signed_in = sign_in_with_security_key(key)

    assert signed_in.status_code == 200
    token = signed_in.json()["meta"]["session_token"]
    assert Client().get("/api/me/", headers={"X-Session-Token": token}).json()["user"]["email"] == owner.email
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=owner).latest("pk").data == {
        "methods": ["security key"]
    }


def test_a_security_key_answer_from_another_site_is_refused(owner, settings):
    settings.WEBAUTHN_RP_ID = "localhost"
    key = SoftSecurityKey(origin="http://localhost:3000")
    add_security_key(owner, key)

    # a look-alike site relays the challenge to the person's key
    key.origin = "https://afterresume.example.net"
    refused = sign_in_with_security_key(key)

    assert refused.status_code == 400
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=owner).count() == 1  # the add's sign-in


def test_a_security_key_is_also_the_second_step_after_the_password(owner, settings):
    settings.WEBAUTHN_RP_ID = "localhost"
    key = SoftSecurityKey(origin="http://localhost:3000")
    add_security_key(owner, key)

    first_step = sign_in(owner.email)
    pending_token = first_step.json()["meta"]["session_token"]
    flow = next(flow for flow in first_step.json()["data"]["flows"] if flow.get("is_pending"))
    options = call("get", "/auth/webauthn/authenticate", pending_token)
    second_step = call(
        "post",
        "/auth/webauthn/authenticate",
        pending_token,
        {"credential": key.get(options.json()["data"]["request_options"])},
    )

    assert sorted(flow["types"]) == ["recovery_codes", "webauthn"]
    assert second_step.status_code == 200
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=owner).latest("pk").data == {
        "methods": ["password", "security key"]
    }
