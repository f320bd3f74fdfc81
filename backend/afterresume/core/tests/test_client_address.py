"""Whose address rate limits and the audit log use (issue 9, items 8 and 9): X-Forwarded-For is
believed only when the request comes from a configured proxy (TRUSTED_PROXIES; in tests, as in
development, loopback: the test client's REMOTE_ADDR plays the frontend). Anyone else is known by
the address it connects from, whatever it forwards; a forwarded value that is not an address
falls back to the proxy's own."""

import pytest
from django.test import Client

from afterresume.audit.models import AuditEvent
from afterresume.invites.models import InvitePasskeyRedemption
from conftest import PASSWORD

LOGIN = "/_allauth/app/v1/auth/login"
SIGNUP = "/_allauth/app/v1/auth/signup"
TOKEN = "/api/auth/token/"
# Documentation addresses (RFC 5737): none of them is a configured proxy in tests.
SCRIPT = "203.0.113.5"
BROWSER = "198.51.100.7"
NEW_PASSWORD = "a long and unusual password 42"


def failed_sign_in(client, email, *, forwarded_for, remote_addr):
    return client.post(
        LOGIN,
        {"email": email, "password": "not the password"},
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded_for},
        REMOTE_ADDR=remote_addr,
    )


def failed_token_request(client, email, *, forwarded_for, remote_addr):
    return client.post(
        TOKEN,
        {"email": email, "password": "not the password"},
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded_for},
        REMOTE_ADDR=remote_addr,
    )


def test_a_direct_client_forging_forwarded_for_is_still_cut_off_by_allauths_sign_in_limit(owner, settings):
    # given a limit of 3 failed sign-ins per address
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    client = Client()

    # when a script talking straight to the backend claims a new address on every try
    statuses = [
        failed_sign_in(
            client, f"nobody{i}@example.com", forwarded_for=f"10.9.8.{i}", remote_addr=SCRIPT
        ).status_code
        for i in range(5)
    ]

    # then the limit counts its real address
    assert statuses == [400, 400, 400, 429, 429]


def test_a_direct_client_forging_forwarded_for_is_still_cut_off_by_the_token_endpoints_limit(owner, settings):
    settings.RATE_LIMIT_SIGNIN_FAILED = "3/m/ip"
    client = Client()

    statuses = [
        failed_token_request(
            client, f"nobody{i}@example.com", forwarded_for=f"10.9.8.{i}", remote_addr=SCRIPT
        ).status_code
        for i in range(5)
    ]

    assert statuses == [400, 400, 400, 429, 429]


def test_a_direct_client_is_audited_with_the_address_it_connects_from_not_the_one_it_forwards(owner):
    failed_sign_in(Client(), owner.email, forwarded_for="192.0.2.99", remote_addr=SCRIPT)
    failed_token_request(Client(), owner.email, forwarded_for="192.0.2.99", remote_addr=SCRIPT)

    assert list(AuditEvent.objects.filter(action="signin.failed").values_list("ip", flat=True)) == [
        SCRIPT,
        SCRIPT,
    ]


def test_a_request_through_the_frontend_is_audited_with_the_browsers_address(owner):
    # given the frontend (loopback in tests) forwarding the browser's address
    failed_sign_in(Client(), owner.email, forwarded_for=BROWSER, remote_addr="127.0.0.1")
    failed_token_request(Client(), owner.email, forwarded_for=BROWSER, remote_addr="::1")

    assert list(AuditEvent.objects.filter(action="signin.failed").values_list("ip", flat=True)) == [
        BROWSER,
        BROWSER,
    ]


def test_browsers_behind_the_frontend_each_have_their_own_sign_in_limit(owner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip"}
    client = Client()

    first = [
        failed_sign_in(client, owner.email, forwarded_for=BROWSER, remote_addr="127.0.0.1") for _ in range(3)
    ]
    other = failed_sign_in(client, owner.email, forwarded_for="198.51.100.8", remote_addr="127.0.0.1")

    assert [response.status_code for response in first] == [400, 400, 429]
    assert other.status_code == 400


def test_a_chain_of_trusted_proxies_is_walked_back_to_the_first_address_none_of_them_is(owner, settings):
    # given a TLS proxy (10.0.0.2) in front of the frontend (10.0.0.3), both configured
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "127.0.0.1"]

    # when the browser forged an entry of its own on the left
    failed_sign_in(
        Client(), owner.email, forwarded_for=f"192.0.2.99, {BROWSER}, 10.0.0.2", remote_addr="10.0.0.3"
    )

    # then the address the outermost proxy saw is the client
    assert AuditEvent.objects.get(action="signin.failed").ip == BROWSER


def test_the_frontend_seen_as_an_ipv4_mapped_ipv6_address_is_still_the_trusted_proxy(owner):
    failed_sign_in(Client(), owner.email, forwarded_for=BROWSER, remote_addr="::ffff:127.0.0.1")

    assert AuditEvent.objects.get(action="signin.failed").ip == BROWSER


def test_a_proxy_not_in_the_configured_list_is_the_client_itself(owner, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]

    failed_sign_in(Client(), owner.email, forwarded_for=BROWSER, remote_addr="127.0.0.1")

    assert AuditEvent.objects.get(action="signin.failed").ip == "127.0.0.1"


@pytest.mark.parametrize("forwarded_for", ["unknown", "999.1.1.1", "1.2.3.4:5678", ", ,", "<script>"])
def test_api_signup_with_a_forwarded_value_that_is_no_address_succeeds_with_the_proxys_address(
    api_client, invite, forwarded_for
):
    passkey, raw_key = invite

    response = api_client.post(
        "/api/auth/signup/",
        {"passkey": raw_key, "email": "bob@example.com", "password": NEW_PASSWORD},
        format="json",
        headers={"X-Forwarded-For": forwarded_for},
    )

    assert response.status_code == 201
    assert InvitePasskeyRedemption.objects.get(passkey=passkey).ip == "127.0.0.1"
    assert set(AuditEvent.objects.filter(actor__email="bob@example.com").values_list("ip", flat=True)) == {
        "127.0.0.1"
    }


@pytest.mark.parametrize("forwarded_for", ["unknown", "999.1.1.1"])
def test_browser_signup_with_a_forwarded_value_that_is_no_address_succeeds_with_the_proxys_address(
    client, invite, forwarded_for
):
    passkey, raw_key = invite

    response = client.post(
        SIGNUP,
        {"email": "ada@example.com", "password": NEW_PASSWORD, "passkey": raw_key},
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded_for},
    )

    assert response.status_code == 200
    assert InvitePasskeyRedemption.objects.get(passkey=passkey).ip == "127.0.0.1"


def test_a_valid_forwarded_address_left_of_a_bad_one_is_not_believed(owner):
    # given the frontend forwarded garbage: what stands left of it was written by the client
    failed_sign_in(Client(), owner.email, forwarded_for=f"{BROWSER}, unknown", remote_addr="127.0.0.1")

    assert AuditEvent.objects.get(action="signin.failed").ip == "127.0.0.1"


def test_a_successful_sign_in_through_the_frontend_records_the_browsers_address(owner):
    response = Client().post(
        LOGIN,
        {"email": owner.email, "password": PASSWORD},
        content_type="application/json",
        headers={"X-Forwarded-For": BROWSER},
    )

    assert response.status_code == 200
    assert AuditEvent.objects.get(action="signin.succeeded").ip == BROWSER
