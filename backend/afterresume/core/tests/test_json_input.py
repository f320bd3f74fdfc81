"""JSON that Python's parser chokes on or that the database cannot store (issue 9, item 9): nested
deeper than the parser can go, or holding a lone UTF-16 surrogate ("\ud83d"), is a 400 like any
other malformed body — anonymously, on our API (its error shape) and on allauth's (its own) —
never a 500."""

import pytest
from django.test import Client

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from afterresume.core.tests.test_settings import run_manage
from conftest import PASSWORD

TOKEN = "/api/auth/token/"
SIGNUP = "/api/auth/signup/"
LOGIN = "/_allauth/app/v1/auth/login"
ALLAUTH_SIGNUP = "/_allauth/app/v1/auth/signup"
PASSWORD_RESET = "/_allauth/app/v1/auth/password/request"
TOO_DEEP = "[" * 2000 + "]" * 2000
TOO_DEEP_MESSAGE = "JSON parse error - nested more than 100 levels deep."
LONE_MESSAGE = "Surrogate characters are not allowed: U+D83D."
LONE_SURROGATE = "\\ud83d"  # as JSON writes it


@pytest.fixture
def anonymous():
    """A caller that sees the 500 page a real one would, instead of the test's exception."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "body",
    [
        TOO_DEEP,
        '{"email": ' + TOO_DEEP + "}",
        '{"email": "a@example.com", "name": ' + '{"a": ' * 2000 + "1" + "}" * 2001,
    ],
    ids=["a nested array", "a nested array as a field", "nested objects as a field"],
)
def test_json_nested_too_deep_for_the_parser_is_a_400_in_the_error_shape(anonymous, db, body):
    response = anonymous.post(TOKEN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "message": TOO_DEEP_MESSAGE,
        "extra": {},
        "request_id": response["X-Request-ID"],
    }


@pytest.mark.parametrize("path", [TOKEN, SIGNUP])
def test_a_lone_surrogate_sent_to_an_anonymous_endpoint_is_a_400_naming_the_field(anonymous, db, path):
    body = f'{{"email": "a@example.com", "password": "pass{LONE_SURROGATE}word", "passkey": "k"}}'

    response = anonymous.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "message": f"Some fields are not valid: {LONE_MESSAGE}",
        "extra": {"fields": {"password": [LONE_MESSAGE]}},
        "request_id": response["X-Request-ID"],
    }
    assert not AuditEvent.objects.exists()


def test_a_lone_surrogate_in_a_nested_list_is_a_400_naming_the_top_level_field(anonymous, db):
    body = f'{{"email": "a@example.com", "password": "x", "name": [{{"a": ["{LONE_SURROGATE}"]}}]}}'

    response = anonymous.post(TOKEN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["extra"] == {"fields": {"name": [LONE_MESSAGE]}}


def test_a_lone_surrogate_in_a_body_that_is_no_object_is_a_400_parse_error(anonymous, db):
    response = anonymous.post(TOKEN, f'["{LONE_SURROGATE}"]', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"message": LONE_MESSAGE, "extra": {}, "request_id": response["X-Request-ID"]}


@pytest.mark.parametrize("path", [LOGIN, ALLAUTH_SIGNUP, PASSWORD_RESET])
def test_json_nested_too_deep_for_allauths_endpoints_is_a_400_in_allauths_shape(anonymous, db, path):
    response = anonymous.post(path, '{"email": ' + TOO_DEEP + "}", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"status": 400, "errors": [{"message": TOO_DEEP_MESSAGE, "code": "invalid"}]}


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        (LOGIN, f'{{"email": "owner@example.com", "password": "x{LONE_SURROGATE}"}}', "password"),
        (LOGIN, f'{{"email": "owner{LONE_SURROGATE}@example.com", "password": "x"}}', "email"),
        (
            ALLAUTH_SIGNUP,
            f'{{"email": "ada@example.com", "password": "p{LONE_SURROGATE}", "passkey": "k"}}',
            "password",
        ),
        (PASSWORD_RESET, f'{{"email": "owner{LONE_SURROGATE}@example.com"}}', "email"),
    ],
    ids=["sign-in password", "sign-in e-mail", "sign-up password", "password reset e-mail"],
)
def test_a_lone_surrogate_sent_to_allauths_endpoints_is_a_400_in_allauths_shape(
    anonymous, owner, path, body, param
):
    response = anonymous.post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "errors": [{"message": LONE_MESSAGE, "code": "invalid", "param": param}],
    }
    assert User.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_allauths_endpoints_still_take_well_formed_json(anonymous, owner):
    response = anonymous.post(
        LOGIN, {"email": owner.email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 200


def test_json_nested_too_deep_is_a_400_with_production_settings_too():
    request = (
        "from django.test import Client; "
        "r = Client(raise_request_exception=False).post('/api/auth/token/', '[' * 2000 + ']' * 2000, "
        "content_type='application/json', secure=True, headers={'Host': 'localhost'}); "
        "print(r.status_code, r.json()['message'])"
    )

    result = run_manage("shell", "--no-imports", "-c", request)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"400 {TOO_DEEP_MESSAGE}"
