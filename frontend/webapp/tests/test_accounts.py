"""Sign-in, sign-up, sign-out, password reset and change, and personal API tokens, against a fake
backend at the HTTP boundary (allauth headless under /_allauth/app/v1, our API under /api)."""

import json

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from webapp.tests.conftest import HEALTHY

ALLAUTH = "/_allauth/app/v1"
NEW_TOKEN = "fresh-backend-session-token-7f3a"
ME = {
    "user": {
        "id": 7,
        "email": "ada@example.com",
        "display_name": "Ada",
        "time_zone": "UTC",
        "is_staff": False,
    },
    "tenant": {"id": 3, "name": "Ada's workspace"},
    "role": "owner",
}
SIGNED_IN = {
    "status": 200,
    "data": {"user": {"id": 7}},
    "meta": {"session_token": NEW_TOKEN, "is_authenticated": True},
}
TOKENS = [
    {
        "id": 11,
        "name": "laptop script",
        "prefix": "art_Ab12",
        "created_at": "2026-11-01T09:00:00+00:00",
        "last_used_at": None,
        "expires_at": "2027-01-30T09:00:00+00:00",
    }
]
NEW_API_TOKEN = {
    "id": 12,
    "name": "ci runner",
    "prefix": "art_Zz99",
    "created_at": "2026-11-25T10:00:00+00:00",
    "last_used_at": None,
    "expires_at": "2027-02-23T10:00:00+00:00",
    "key": "art_Zz99.the-secret-part-shown-once",
}
PASSWORD = "correct horse battery staple"


def allauth_error(
    message: str, *, code: str = "invalid", param: str | None = None, status: int = 400
) -> dict:
    error = {"message": message, "code": code}
    if param:
        error["param"] = param
    return {"status": status, "errors": [error]}


def api_error(message: str, fields: dict | None = None) -> dict:
    return {"message": message, "extra": {"fields": fields or {}}, "request_id": "r-1"}


def requests_made(backend) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in backend.log]


def session_exists(session_key: str) -> bool:
    return SessionStore().exists(session_key)


@pytest.fixture
def visitor(client, db):
    """Someone not signed in, who already has a (anonymous) session cookie."""
    session = client.session
    session["seen"] = True
    session.save()
    return client


# --- sign-in ----------------------------------------------------------------------------------------


def test_sign_in_keeps_the_backend_token_in_a_rotated_server_side_session(backend, visitor):
    backend.expect_request(
        f"{ALLAUTH}/auth/login", method="POST", json={"email": "ada@example.com", "password": PASSWORD}
    ).respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/", method="GET").respond_with_json(ME)
    anonymous_key = visitor.session.session_key

    response = visitor.post(
        "/signin/", {"email": "ada@example.com", "password": PASSWORD, "next": "/profile/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    session = visitor.session
    assert session.session_key != anonymous_key
    assert not session_exists(anonymous_key)
    assert session["backend_session_token"] == NEW_TOKEN
    assert session["user"] == {
        "email": "ada@example.com",
        "display_name": "Ada",
        "is_staff": False,
        "tenant": "Ada's workspace",
        "role": "owner",
        "time_zone": "UTC",
    }


def test_sign_in_never_sends_the_backend_token_to_the_browser(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(ME)

    response = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    assert NEW_TOKEN not in response.content.decode()
    assert all(NEW_TOKEN not in morsel.value for morsel in response.cookies.values())
    assert all(NEW_TOKEN not in morsel.value for morsel in visitor.cookies.values())
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"] is True


def test_sign_in_fetches_who_i_am_with_the_new_token(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(ME)

    visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    assert requests_made(backend) == [("POST", f"{ALLAUTH}/auth/login"), ("GET", "/api/me/")]
    login_request, me_request = (request for request, _ in backend.log)
    assert "X-Session-Token" not in login_request.headers
    assert me_request.headers["X-Session-Token"] == NEW_TOKEN


def test_sign_in_goes_to_the_next_path_given_in_the_query_string(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(ME)

    response = visitor.post(
        "/signin/?next=/admin/audit/%3Fcategory%3Dauth", {"email": "ada@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/audit/?category=auth"


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_to_another_site(backend, visitor, elsewhere):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(ME)

    response = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD, "next": elsewhere})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_sign_in_form_carries_only_a_local_next_path(visitor):
    page = visitor.get("/signin/?next=//evil.example").content.decode()

    assert '<input type="hidden" name="next" value="/">' in page
    assert "evil.example" not in page


def test_sign_in_with_a_wrong_password_shows_the_backends_message_with_400(backend, visitor):
    message = "The email address and/or password you specified are not correct."
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(
        allauth_error(message, code="email_password_mismatch", param="password"), status=400
    )

    response = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert PASSWORD not in page
    assert "backend_session_token" not in visitor.session
    assert requests_made(backend) == [("POST", f"{ALLAUTH}/auth/login")]


def test_sign_in_refused_for_too_many_attempts_answers_429(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(
        allauth_error("Too many failed login attempts.", code="too_many_login_attempts", status=429),
        status=429,
    )

    response = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many attempts. Please wait a few minutes and try again." in response.content.decode()
    assert "backend_session_token" not in visitor.session


def test_sign_in_while_the_backend_is_down_says_so_with_503(backend_down, visitor):
    response = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 503
    page = response.content.decode()
    assert 'id="form-errors"' in page
    assert "The server cannot be reached right now. Please try again in a moment." in page
    assert "backend_session_token" not in visitor.session


def test_a_sign_in_whose_profile_cannot_be_fetched_keeps_no_backend_token(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/login", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(api_error("Something went wrong."), status=500)

    response = visitor.post("/signin/", {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert "backend_session_token" not in visitor.session


def test_an_incomplete_sign_in_form_is_refused_without_asking_the_backend(backend, visitor):
    response = visitor.post("/signin/", {"email": "not-an-address", "password": ""})

    assert response.status_code == 400
    assert backend.log == []


def test_a_signed_in_person_visiting_sign_in_goes_straight_to_next(backend, signed_in):
    response = signed_in.get("/signin/?next=/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert backend.log == []


# --- sign-up ----------------------------------------------------------------------------------------


SIGN_UP_FORM = {
    "passkey": "arinv_AbCdEf123456",
    "email": "grace@example.com",
    "display_name": "Grace",
    "password": PASSWORD,
}


def test_sign_up_sends_passkey_email_password_and_name_and_lands_on_the_dashboard_signed_in(backend, visitor):
    backend.expect_request(
        f"{ALLAUTH}/auth/signup",
        method="POST",
        json={
            "passkey": "arinv_AbCdEf123456",
            "email": "grace@example.com",
            "password": PASSWORD,
            "display_name": "Grace",
        },
    ).respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/", headers={"X-Session-Token": NEW_TOKEN}).respond_with_json(
        {**ME, "user": {**ME["user"], "email": "grace@example.com", "display_name": "Grace"}}
    )
    anonymous_key = visitor.session.session_key

    response = visitor.post("/signup/", SIGN_UP_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert visitor.session.session_key != anonymous_key
    assert visitor.session["backend_session_token"] == NEW_TOKEN
    assert visitor.session["user"]["email"] == "grace@example.com"
    assert NEW_TOKEN not in response.content.decode()


def test_after_sign_up_the_dashboard_welcomes_the_new_person(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/signup", method="POST").respond_with_json(SIGNED_IN)
    backend.expect_request("/api/me/").respond_with_json(
        {**ME, "user": {**ME["user"], "email": "grace@example.com", "display_name": "Grace"}}
    )
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    response = visitor.post("/signup/", SIGN_UP_FORM, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Welcome to AfterResume, Grace!" in response.content.decode()


def test_a_refused_passkey_is_explained_next_to_the_passkey_field_and_the_typing_is_kept(backend, visitor):
    message = "This invite passkey is not valid."
    backend.expect_request(f"{ALLAUTH}/auth/signup", method="POST").respond_with_json(
        allauth_error(message, code="invalid_passkey", param="passkey"), status=400
    )

    response = visitor.post("/signup/", SIGN_UP_FORM)

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<div class="invalid-feedback d-block" id="id_passkey_error"><div>{message}</div>' in page
    assert 'id="form-errors"' not in page
    assert 'value="arinv_AbCdEf123456"' in page
    assert 'value="grace@example.com"' in page
    assert 'value="Grace"' in page
    assert PASSWORD not in page
    assert "backend_session_token" not in visitor.session
    assert requests_made(backend) == [("POST", f"{ALLAUTH}/auth/signup")]


def test_a_password_the_backend_refuses_is_explained_next_to_the_password_field_and_not_echoed(
    backend, visitor
):
    message = "This password is too common."
    backend.expect_request(f"{ALLAUTH}/auth/signup", method="POST").respond_with_json(
        allauth_error(message, code="password_too_common", param="password"), status=400
    )

    page = visitor.post("/signup/", SIGN_UP_FORM).content.decode()

    assert f'id="id_password_error"><div>{message}</div>' in page
    assert PASSWORD not in page


def test_too_many_bad_passkeys_shows_the_backends_message_with_429(backend, visitor):
    message = "Too many invalid invite passkeys from your address. Please try again in an hour."
    backend.expect_request(f"{ALLAUTH}/auth/signup", method="POST").respond_with_json(
        allauth_error(message, code="too_many_passkey_attempts", status=429), status=429
    )

    response = visitor.post("/signup/", SIGN_UP_FORM)

    assert response.status_code == 429
    page = response.content.decode()
    assert message in page
    assert PASSWORD not in page


def test_a_sign_up_rate_limit_without_a_message_says_too_many_attempts_with_429(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/signup", method="POST").respond_with_json(
        {"status": 429}, status=429
    )

    response = visitor.post("/signup/", SIGN_UP_FORM)

    assert response.status_code == 429
    assert "Too many attempts. Please wait a few minutes and try again." in response.content.decode()


def test_sign_up_while_the_backend_is_down_says_nothing_was_created_with_503(backend_down, visitor):
    response = visitor.post("/signup/", SIGN_UP_FORM)

    assert response.status_code == 503
    assert "Nothing was created" in response.content.decode()


def test_the_invite_link_fills_in_the_passkey(visitor):
    page = visitor.get("/signup/?passkey=arinv_FromTheLink").content.decode()

    assert 'value="arinv_FromTheLink"' in page


# --- sign-out ---------------------------------------------------------------------------------------


def test_sign_out_cannot_be_triggered_by_a_link(backend, signed_in):
    response = signed_in.get("/signout/")

    assert response.status_code == 405
    assert signed_in.session["backend_session_token"] == "session-token-of-ada"
    assert backend.log == []


def test_sign_out_ends_the_backend_session_and_forgets_the_token(backend, signed_in):
    # allauth answers 401 ("not authenticated any more") to a successful sign-out.
    backend.expect_request(
        f"{ALLAUTH}/auth/session", method="DELETE", headers={"X-Session-Token": "session-token-of-ada"}
    ).respond_with_json({"status": 401, "meta": {"is_authenticated": False}}, status=401)
    signed_in_key = signed_in.session.session_key

    response = signed_in.post("/signout/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/"
    assert requests_made(backend) == [("DELETE", f"{ALLAUTH}/auth/session")]
    assert "backend_session_token" not in signed_in.session
    assert "user" not in signed_in.session
    assert not session_exists(signed_in_key)


def test_sign_out_still_signs_out_here_when_the_backend_is_down(backend_down, signed_in):
    response = signed_in.post("/signout/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/"
    assert "backend_session_token" not in signed_in.session


def test_sign_out_says_so_on_the_sign_in_page(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/auth/session", method="DELETE").respond_with_json({}, status=401)

    response = signed_in.post("/signout/", follow=True)

    assert "You are signed out." in response.content.decode()


# --- password reset ---------------------------------------------------------------------------------


def test_asking_for_a_password_reset_sends_the_address_to_the_backend(backend, visitor):
    backend.expect_request(
        f"{ALLAUTH}/auth/password/request", method="POST", json={"email": "ada@example.com"}
    ).respond_with_json({"status": 200})

    response = visitor.post("/password/reset/", {"email": "ada@example.com"})

    assert response.status_code == 200
    assert 'id="reset-sent"' in response.content.decode()
    assert len(backend.log) == 1


def test_too_many_password_reset_requests_answer_429(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/password/request", method="POST").respond_with_json(
        {"status": 429}, status=429
    )

    response = visitor.post("/password/reset/", {"email": "ada@example.com"})

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_a_valid_reset_link_shows_the_new_password_form(backend, visitor):
    backend.expect_request(
        f"{ALLAUTH}/auth/password/reset", method="GET", headers={"X-Password-Reset-Key": "7-abc-def"}
    ).respond_with_json({"status": 200, "data": {"user": {"id": 7}}})

    response = visitor.get("/password/reset/7-abc-def/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="new_password"' in page
    assert 'name="new_password_again"' in page


def test_an_invalid_reset_link_says_it_is_not_valid_with_400(backend, visitor):
    backend.expect_request(f"{ALLAUTH}/auth/password/reset", method="GET").respond_with_json(
        allauth_error("The password reset token was invalid.", code="invalid_password_reset", param="key"),
        status=400,
    )

    response = visitor.get("/password/reset/7-stale-key/")

    assert response.status_code == 400
    page = response.content.decode()
    assert "This link is not valid any more" in page
    assert 'name="new_password"' not in page


def test_two_different_new_passwords_are_refused_without_asking_the_backend(backend, visitor):
    response = visitor.post(
        "/password/reset/7-abc-def/", {"new_password": PASSWORD, "new_password_again": "something else"}
    )

    assert response.status_code == 400
    assert 'id="id_new_password_again_error"><div>The two passwords are not the same.</div>' in (
        response.content.decode()
    )
    assert backend.log == []


def test_a_new_password_is_set_and_the_person_is_sent_to_sign_in(backend, visitor):
    # allauth answers 401: the password is set, the person is not signed in.
    backend.expect_request(
        f"{ALLAUTH}/auth/password/reset", method="POST", json={"key": "7-abc-def", "password": PASSWORD}
    ).respond_with_json({"status": 401, "meta": {"is_authenticated": False}}, status=401)

    response = visitor.post(
        "/password/reset/7-abc-def/", {"new_password": PASSWORD, "new_password_again": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/signin/"
    assert "backend_session_token" not in visitor.session


def test_a_new_password_the_backend_refuses_is_shown_next_to_the_field(backend, visitor):
    message = "This password is too short. It must contain at least 8 characters."
    backend.expect_request(f"{ALLAUTH}/auth/password/reset", method="POST").respond_with_json(
        allauth_error(message, code="password_too_short", param="password"), status=400
    )

    response = visitor.post(
        "/password/reset/7-abc-def/", {"new_password": "short1", "new_password_again": "short1"}
    )

    assert response.status_code == 400
    assert f'id="id_new_password_error"><div>{message}</div>' in response.content.decode()


# --- profile and API tokens -------------------------------------------------------------------------


def test_the_profile_lists_my_api_tokens_from_the_backend(backend, signed_in):
    backend.expect_request(
        "/api/me/tokens/", method="GET", headers={"X-Session-Token": "session-token-of-ada"}
    ).respond_with_json(TOKENS)

    response = signed_in.get("/profile/")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<tr data-token="') == 1
    assert '<tr data-token="laptop script">' in page
    assert "<code>art_Ab12…</code>" in page
    assert 'action="/profile/tokens/11/revoke/"' in page
    assert 'id="profile-email">ada@example.com</dd>' in page


def test_the_profile_says_when_there_are_no_tokens_yet(backend, signed_in):
    backend.expect_request("/api/me/tokens/").respond_with_json([])

    page = signed_in.get("/profile/").content.decode()

    assert 'id="no-tokens"' in page


def test_creating_a_token_with_htmx_answers_the_tokens_partial_with_the_key_shown_once(backend, signed_in):
    backend.expect_request(
        "/api/me/tokens/", method="POST", json={"name": "ci runner", "expires_in_days": 90}
    ).respond_with_json(NEW_API_TOKEN, status=201)
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json(
        [*TOKENS, {key: value for key, value in NEW_API_TOKEN.items() if key != "key"}]
    )

    response = signed_in.post(
        "/profile/tokens/", {"name": "ci runner", "expiry": "90"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="password-card"' not in page
    assert page.count(NEW_API_TOKEN["key"]) == 1
    assert f'id="new-token-key" value="{NEW_API_TOKEN["key"]}" readonly' in page
    assert 'data-copy-target="#new-token-key"' in page
    assert page.count('<tr data-token="') == 2
    assert json.loads(response["HX-Trigger"]) == {"toast": {"text": "Token created. Copy it now."}}


def test_the_new_tokens_key_is_not_shown_again_on_the_next_visit(backend, signed_in):
    backend.expect_request("/api/me/tokens/", method="POST").respond_with_json(NEW_API_TOKEN, status=201)
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json(TOKENS)
    signed_in.post("/profile/tokens/", {"name": "ci runner", "expiry": "90"}, headers={"HX-Request": "true"})

    page = signed_in.get("/profile/").content.decode()

    assert NEW_API_TOKEN["key"] not in page
    assert NEW_API_TOKEN["key"] not in str(dict(signed_in.session))


def test_a_token_that_never_expires_is_asked_for_with_no_expiry(backend, signed_in):
    backend.expect_request(
        "/api/me/tokens/", method="POST", json={"name": "forever", "expires_in_days": None}
    ).respond_with_json({**NEW_API_TOKEN, "name": "forever", "expires_at": None}, status=201)
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json(TOKENS)

    response = signed_in.post(
        "/profile/tokens/", {"name": "forever", "expiry": "never"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert requests_made(backend) == [("POST", "/api/me/tokens/"), ("GET", "/api/me/tokens/")]


def test_a_token_the_backend_refuses_answers_422_with_its_message_and_no_key(backend, signed_in):
    backend.expect_request("/api/me/tokens/", method="POST").respond_with_json(
        api_error(
            "Some fields are not valid: Ensure this field has no more than 100 characters.",
            {"name": ["Ensure this field has no more than 100 characters."]},
        ),
        status=400,
    )
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json(TOKENS)

    response = signed_in.post(
        "/profile/tokens/", {"name": "ci runner", "expiry": "90"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<div class="invalid-feedback d-block">Ensure this field has no more than 100 characters.</div>'
        in page
    )
    assert 'id="new-token"' not in page
    assert "HX-Trigger" not in response


def test_a_token_without_a_name_is_refused_with_422_without_asking_the_backend_to_create_it(
    backend, signed_in
):
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json(TOKENS)

    response = signed_in.post(
        "/profile/tokens/", {"name": "", "expiry": "90"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert requests_made(backend) == [("GET", "/api/me/tokens/")]


def test_too_many_new_tokens_are_refused_with_the_backends_message(backend, signed_in):
    message = "Too many tokens created. Please try again in an hour."
    backend.expect_request("/api/me/tokens/", method="POST").respond_with_json(api_error(message), status=429)
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json(TOKENS)

    response = signed_in.post(
        "/profile/tokens/", {"name": "ci runner", "expiry": "90"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert message in response.content.decode()


def test_revoking_a_token_deletes_it_on_the_backend_and_answers_the_remaining_list(backend, signed_in):
    backend.expect_request("/api/me/tokens/11/", method="DELETE").respond_with_data("", status=204)
    backend.expect_request("/api/me/tokens/", method="GET").respond_with_json([])

    response = signed_in.post("/profile/tokens/11/revoke/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert requests_made(backend) == [("DELETE", "/api/me/tokens/11/"), ("GET", "/api/me/tokens/")]
    assert 'id="no-tokens"' in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"toast": {"text": "Token revoked."}}


def test_revoking_a_token_without_htmx_redirects_back_to_the_profile(backend, signed_in):
    backend.expect_request("/api/me/tokens/11/", method="DELETE").respond_with_data("", status=204)

    response = signed_in.post("/profile/tokens/11/revoke/")

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert requests_made(backend) == [("DELETE", "/api/me/tokens/11/")]


# --- password change --------------------------------------------------------------------------------


def test_a_wrong_current_password_is_shown_next_to_that_field_with_422(backend, signed_in):
    message = "Please type your current password."
    backend.expect_request(
        f"{ALLAUTH}/account/password/change",
        method="POST",
        json={"current_password": "not my password", "new_password": PASSWORD},
    ).respond_with_json(
        allauth_error(message, code="enter_current_password", param="current_password"), status=400
    )

    response = signed_in.post(
        "/profile/password/",
        {"current_password": "not my password", "new_password": PASSWORD, "new_password_again": PASSWORD},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "<html" not in page
    assert f'id="id_current_password_error"><div>{message}</div>' in page
    assert PASSWORD not in page
    assert signed_in.session["backend_session_token"] == "session-token-of-ada"


def test_a_changed_password_keeps_the_rotated_backend_token_and_shows_a_toast(backend, signed_in):
    backend.expect_request(f"{ALLAUTH}/account/password/change", method="POST").respond_with_json(
        {"status": 200, "meta": {"session_token": "rotated-token-after-change", "is_authenticated": True}}
    )

    response = signed_in.post(
        "/profile/password/",
        {"current_password": "old password 1", "new_password": PASSWORD, "new_password_again": PASSWORD},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Your password is changed." in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"toast": {"text": "Password changed."}}
    assert signed_in.session["backend_session_token"] == "rotated-token-after-change"
    assert "rotated-token-after-change" not in response.content.decode()


def test_two_different_new_passwords_on_the_profile_are_refused_without_asking_the_backend(
    backend, signed_in
):
    response = signed_in.post(
        "/profile/password/",
        {"current_password": "old password 1", "new_password": PASSWORD, "new_password_again": "other"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert "The two passwords are not the same." in response.content.decode()
    assert backend.log == []


# --- a session that ended elsewhere -----------------------------------------------------------------
# The API answers 401 to a session token it no longer knows; allauth's own endpoints answer 410.
SESSION_ENDED = api_error("Authentication credentials were not provided.")


def test_a_session_ended_elsewhere_sends_the_person_to_sign_in_and_back(backend, signed_in):
    backend.expect_request("/api/me/tokens/").respond_with_json(SESSION_ENDED, status=401)
    signed_in_key = signed_in.session.session_key

    response = signed_in.get("/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fprofile%2F"
    assert "backend_session_token" not in signed_in.session
    assert "user" not in signed_in.session
    assert not session_exists(signed_in_key)


def test_a_session_ended_elsewhere_answers_an_htmx_request_with_hx_redirect(backend, signed_in):
    # The backend no longer knows the token, whatever is asked with it.
    backend.expect_request("/api/me/tokens/").respond_with_json(SESSION_ENDED, status=401)

    response = signed_in.post(
        "/profile/tokens/", {"name": "ci runner", "expiry": "90"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/signin/"
    assert "Location" not in response
    assert "backend_session_token" not in signed_in.session


def test_a_session_ended_elsewhere_during_an_htmx_get_keeps_the_page_as_next(backend, signed_in_operator):
    backend.expect_request("/api/admin/passkeys/").respond_with_json(SESSION_ENDED, status=401)

    response = signed_in_operator.get(
        "/admin/passkeys/?status=active", headers={"HX-Request": "true", "HX-Target": "passkey-table"}
    )

    assert response["HX-Redirect"] == "/signin/?next=%2Fadmin%2Fpasskeys%2F%3Fstatus%3Dactive"
    assert "backend_session_token" not in signed_in_operator.session


@pytest.mark.parametrize("status", [401, 410])
def test_a_session_ended_elsewhere_during_a_password_change_sends_the_person_to_sign_in(
    backend, signed_in, status
):
    backend.expect_request(f"{ALLAUTH}/account/password/change", method="POST").respond_with_json(
        {"status": status, "meta": {"is_authenticated": False}}, status=status
    )

    response = signed_in.post(
        "/profile/password/",
        {"current_password": "old password 1", "new_password": PASSWORD, "new_password_again": PASSWORD},
        headers={"HX-Request": "true"},
    )

    assert response["HX-Redirect"] == "/signin/"
    assert "backend_session_token" not in signed_in.session


def test_the_sign_in_page_explains_that_the_session_ended(backend, signed_in):
    backend.expect_request("/api/me/tokens/").respond_with_json(SESSION_ENDED, status=401)

    response = signed_in.get("/profile/", follow=True)

    assert response.redirect_chain == [("/signin/?next=%2Fprofile%2F", 302)]
    page = response.content.decode()
    assert "Your session has ended. Please sign in again." in page
    assert '<input type="hidden" name="next" value="/profile/">' in page


def test_the_profile_sends_signed_out_visitors_to_sign_in(backend, client, db):
    response = client.get("/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fprofile%2F"
    assert backend.log == []


# --- user content is escaped -------------------------------------------------------------------------


def test_a_token_name_with_markup_is_escaped(backend, signed_in):
    backend.expect_request("/api/me/tokens/").respond_with_json(
        [{**TOKENS[0], "name": "<script>alert(1)</script>"}]
    )

    page = signed_in.get("/profile/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page
