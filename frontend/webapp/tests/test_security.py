"""Second factors and security keys against a fake backend at the HTTP boundary (allauth's
headless MFA endpoints under /_allauth/app/v1): the sign-in's second step, signing in with a
security key alone, and the Security page with its password confirmation."""

import json
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore

from webapp.tests.test_accounts import ALLAUTH, ME, PASSWORD, SIGNED_IN, allauth_error

PENDING = {
    "status": 401,
    "data": {
        "flows": [
            {"id": "login"},
            {"id": "mfa_authenticate", "is_pending": True, "types": ["totp", "recovery_codes", "webauthn"]},
        ]
    },
    "meta": {"is_authenticated": False, "session_token": "pending-token-1"},
}
REAUTHENTICATE = {
    "status": 401,
    "data": {"user": {"id": 7}, "methods": [], "flows": [{"id": "reauthenticate"}]},
    "meta": {"is_authenticated": True},
}
AUTHENTICATORS = {
    "status": 200,
    "data": [
        {
            "type": "webauthn",
            "id": 31,
            "name": "Blue USB key",
            "created_at": 1795000000.0,
            "last_used_at": None,
            "is_passwordless": True,
        },
        {"type": "totp", "created_at": 1795000000.0, "last_used_at": None},
        {
            "type": "recovery_codes",
            "created_at": 1795000000.0,
            "last_used_at": None,
            "total_code_count": 10,
            "unused_code_count": 9,
        },
    ],
}
REQUEST_OPTIONS = {
    "publicKey": {
        "challenge": "Y2hhbGxlbmdl",
        "rpId": "localhost",
        "allowCredentials": [],
        "userVerification": "required",
    }
}
CREDENTIAL = {
    "id": "a2V5",
    "rawId": "a2V5",
    "type": "public-key",
    "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA", "userHandle": "Nw"},
}
CODES = ["11111111", "22222222"]


@pytest.fixture
def visitor(client, db):
    session = client.session
    session["seen"] = True
    session.save()
    return client


@pytest.fixture
def confirmed(signed_in):
    session = signed_in.session
    session["security_confirmed_at"] = time.time()
    session.save()
    return signed_in


def sent_json(backend, path: str) -> dict:
    return next(
        json.loads(request.data) for request, _ in backend.log if request.path == path and request.data
    )


def headers_sent(backend, path: str) -> list[str]:
    return [request.headers.get("X-Session-Token", "") for request, _ in backend.log if request.path == path]


def test_a_password_sign_in_with_a_second_factor_asks_for_the_code_then_signs_in(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(PENDING, status=401)
    backend.expect_request(f"{ALLAUTH}/auth/2fa/authenticate", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(ME)

    first = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD, "next": "/worklogs/"})
    assert first.status_code == 302
    assert first["Location"] == "/signin/second-step/"
    assert "backend_session_token" not in visitor.session
    page = visitor.get("/signin/second-step/").content.decode()
    assert "Use a security key" in page
    assert "passkey" not in page.lower()

    done = visitor.post("/signin/second-step/", {"code": "123456"})

    assert done.status_code == 302
    assert done["Location"] == "/worklogs/"
    assert visitor.session["backend_session_token"] == SIGNED_IN["meta"]["session_token"]
    assert "pending_signin_token" not in visitor.session
    assert sent_json(backend, f"{ALLAUTH}/auth/2fa/authenticate") == {"code": "123456"}
    assert headers_sent(backend, f"{ALLAUTH}/auth/2fa/authenticate") == ["pending-token-1"]


def test_a_wrong_code_is_said_next_to_the_field_with_400(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(PENDING, status=401)
    backend.expect_request(f"{ALLAUTH}/auth/2fa/authenticate", method="POST").respond_with_json(
        allauth_error("Incorrect code.", code="incorrect_code", param="code"), status=400
    )
    visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    response = visitor.post("/signin/second-step/", {"code": "000000"})

    assert response.status_code == 400
    assert "Incorrect code." in response.content.decode()
    assert "backend_session_token" not in visitor.session


def test_the_second_step_without_a_pending_sign_in_goes_back_to_sign_in(visitor):
    response = visitor.get("/signin/second-step/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/"


def test_a_security_key_alone_signs_in_through_the_pending_session_the_backend_gave(backend, visitor):
    options = {
        "status": 200,
        "data": {"request_options": REQUEST_OPTIONS},
        "meta": {"session_token": "challenge-session"},
    }
    backend.expect_request(f"{ALLAUTH}/auth/webauthn/login", method="GET").respond_with_json(options)
    backend.expect_request(f"{ALLAUTH}/auth/webauthn/login", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(ME)

    given = visitor.get("/signin/key/options/")
    assert given.json() == {"options": REQUEST_OPTIONS}
    done = visitor.post(
        "/signin/key/?next=/reports/", json.dumps({"credential": CREDENTIAL}), content_type="application/json"
    )

    assert done.json() == {"redirect": "/reports/"}
    assert sent_json(backend, f"{ALLAUTH}/auth/webauthn/login") == {"credential": CREDENTIAL}
    assert headers_sent(backend, f"{ALLAUTH}/auth/webauthn/login")[-1] == "challenge-session"
    assert visitor.session["backend_session_token"] == SIGNED_IN["meta"]["session_token"]


def test_an_unknown_security_key_is_told_to_use_the_password(backend, visitor):
    options = {
        "status": 200,
        "data": {"request_options": REQUEST_OPTIONS},
        "meta": {"session_token": "challenge-session"},
    }
    backend.expect_request(f"{ALLAUTH}/auth/webauthn/login", method="GET").respond_with_json(options)
    backend.expect_request(f"{ALLAUTH}/auth/webauthn/login", method="POST").respond_with_json(
        allauth_error("Incorrect code.", code="incorrect_code", param="credential"), status=400
    )
    visitor.get("/signin/key/options/")

    refused = visitor.post(
        "/signin/key/", json.dumps({"credential": CREDENTIAL}), content_type="application/json"
    )

    assert refused.status_code == 400
    assert "Sign in with your password instead" in refused.json()["message"]
    assert "backend_session_token" not in visitor.session


def test_the_security_page_lists_keys_and_the_authenticator_app_in_the_products_words(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/account/authenticators").respond_with_json(AUTHENTICATORS)

    page = signed_in.get("/profile/security/").content.decode()

    assert "Blue USB key" in page
    assert "Added 18 Nov 2026" in page
    assert "9 of 10 codes left" in page
    assert "Turn off" in page
    assert "passkey" not in page.lower()


def test_setting_up_an_authenticator_app_first_asks_for_the_password(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/auth/reauthenticate", method="POST").respond_with_json(SIGNED_IN)

    asked = signed_in.get("/profile/security/authenticator-app/")
    assert asked.status_code == 302
    assert asked["Location"] == "/profile/security/confirm/?next=%2Fprofile%2Fsecurity%2Fauthenticator-app%2F"

    confirmed = signed_in.post(
        asked["Location"], {"password": PASSWORD, "next": "/profile/security/authenticator-app/"}
    )

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/profile/security/authenticator-app/"
    assert sent_json(backend, f"{ALLAUTH}/auth/reauthenticate") == {"password": PASSWORD}


def test_a_wrong_password_at_the_confirmation_is_said_with_400(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/auth/reauthenticate", method="POST").respond_with_json(
        allauth_error("Incorrect password.", code="incorrect_password", param="password"), status=400
    )

    response = signed_in.post(
        "/profile/security/confirm/", {"password": "nope", "next": "/profile/security/"}
    )

    assert response.status_code == 400
    assert "Incorrect password." in response.content.decode()
    assert "security_confirmed_at" not in signed_in.session


def test_an_authenticator_app_is_set_up_with_a_qr_code_and_the_codes_are_shown_once(backend, confirmed):
    offer = {
        "status": 404,
        "meta": {
            "secret": "JBSWY3DPEHPK3PXP",
            "totp_url": "otpauth://totp/ada?secret=JBSWY3DPEHPK3PXP&issuer=AfterResume",
        },
    }
    backend.expect_request(f"{ALLAUTH}/account/authenticators/totp", method="GET").respond_with_json(
        offer, status=404
    )
    backend.expect_request(f"{ALLAUTH}/account/authenticators/totp", method="POST").respond_with_json(
        {"status": 200, "data": {"type": "totp", "created_at": 1795000000.0, "last_used_at": None}}
    )
    backend.expect_request(
        f"{ALLAUTH}/account/authenticators/recovery-codes", method="GET"
    ).respond_with_json(
        {
            "status": 200,
            "data": {
                "type": "recovery_codes",
                "created_at": 1795000000.0,
                "last_used_at": None,
                "total_code_count": 2,
                "unused_code_count": 2,
                "unused_codes": CODES,
            },
        }
    )
    backend.expect_request(f"{ALLAUTH}/account/authenticators").respond_with_json(AUTHENTICATORS)

    setup = confirmed.get("/profile/security/authenticator-app/").content.decode()
    assert '<svg width="200" height="200"' in setup
    assert "JBSWY3DPEHPK3PXP" in setup

    done = confirmed.post("/profile/security/authenticator-app/", {"code": "654321"})
    assert done["Location"] == "/profile/security/"
    first_view = confirmed.get("/profile/security/").content.decode()
    second_view = confirmed.get("/profile/security/").content.decode()

    assert sent_json(backend, f"{ALLAUTH}/account/authenticators/totp") == {"code": "654321"}
    assert all(code in first_view for code in CODES)
    assert not any(code in second_view for code in CODES)


def test_a_change_the_backend_still_refuses_asks_for_the_password_again(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/account/authenticators/totp", method="DELETE").respond_with_json(
        REAUTHENTICATE, status=401
    )

    response = signed_in.post("/profile/security/authenticator-app/remove/")

    assert response.status_code == 302
    assert response["Location"] == "/profile/security/confirm/?next=%2Fprofile%2Fsecurity%2F"
    assert signed_in.session["backend_session_token"] == "session-token-of-ada"  # still signed in


def test_adding_a_security_key_relays_the_keys_answer_with_its_name(backend, confirmed):
    creation = {
        "publicKey": {
            "challenge": "Y2g",
            "rp": {"id": "localhost", "name": "AfterResume"},
            "user": {"id": "Nw", "name": "ada", "displayName": "Ada"},
            "pubKeyCredParams": [],
        }
    }
    backend.expect_request(f"{ALLAUTH}/account/authenticators/webauthn", method="GET").respond_with_json(
        {"status": 200, "data": {"creation_options": creation}}
    )
    backend.expect_request(f"{ALLAUTH}/account/authenticators/webauthn", method="POST").respond_with_json(
        {"status": 200, "data": AUTHENTICATORS["data"][0], "meta": {"recovery_codes_generated": False}}
    )

    assert "Add security key" in confirmed.get("/profile/security/keys/add/").content.decode()
    assert confirmed.get("/profile/security/keys/add/options/").json() == {"options": creation}
    saved = confirmed.post(
        "/profile/security/keys/add/save/",
        json.dumps({"name": "Blue USB key", "credential": CREDENTIAL}),
        content_type="application/json",
    )

    assert saved.json() == {"redirect": "/profile/security/"}
    assert sent_json(backend, f"{ALLAUTH}/account/authenticators/webauthn") == {
        "name": "Blue USB key",
        "credential": CREDENTIAL,
    }


def test_removing_a_security_key_names_it_to_the_backend(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/account/authenticators/webauthn", method="DELETE").respond_with_json(
        {"status": 200}
    )

    response = signed_in.post("/profile/security/keys/31/remove/")

    assert response["Location"] == "/profile/security/"
    assert sent_json(backend, f"{ALLAUTH}/account/authenticators/webauthn") == {"authenticators": [31]}


def test_the_security_page_needs_a_signed_in_person(visitor):
    response = visitor.get("/profile/security/")

    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_the_pending_sign_in_token_never_reaches_the_browser(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(PENDING, status=401)

    visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})
    page = visitor.get("/signin/second-step/").content.decode()

    assert "pending-token-1" not in page
    assert SessionStore(visitor.session.session_key)["pending_signin_token"] == "pending-token-1"


def test_a_security_key_can_be_the_second_step_after_the_password(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(PENDING, status=401)
    backend.expect_request(f"{ALLAUTH}/auth/webauthn/authenticate", method="GET").respond_with_json(
        {"status": 200, "data": {"request_options": REQUEST_OPTIONS}}
    )
    backend.expect_request(f"{ALLAUTH}/auth/webauthn/authenticate", method="POST").respond_with_json(
        SIGNED_IN
    )
    backend.expect_request("/api/me/").respond_with_json(ME)
    visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD, "next": "/skills/"})

    given = visitor.get("/signin/second-step/key/options/")
    done = visitor.post(
        "/signin/second-step/key/", json.dumps({"credential": CREDENTIAL}), content_type="application/json"
    )

    assert given.json() == {"options": REQUEST_OPTIONS}
    assert done.json() == {"redirect": "/skills/"}
    assert headers_sent(backend, f"{ALLAUTH}/auth/webauthn/authenticate") == [
        "pending-token-1",
        "pending-token-1",
    ]
    assert visitor.session["backend_session_token"] == SIGNED_IN["meta"]["session_token"]


def test_the_sign_in_page_offers_a_security_key_from_a_static_script(visitor):
    page = visitor.get("/signin/").content.decode()

    assert "Use a security key" in page
    assert 'src="/static/accounts/security_keys.js"' in page
    assert "passkey" not in page.lower().replace("invite passkey", "")
