"""API writes are limited per token (120 a minute by default); reads are not, and every
token, API or browser session, has its own budget. Over it: 429 in the one error shape (docs/api.md)."""

from django.test import Client

from conftest import PASSWORD, token_client

ENTRIES = "/api/worklogs/"


def write(client, n):
    return client.post(ENTRIES, {"date": "2026-11-20", "content": f"Entry {n}"}, format="json")


def test_writes_beyond_the_budget_get_429_with_retry_after_and_reads_go_on(owner, settings):
    settings.RATE_LIMIT_API_WRITES = "3/m"
    client = token_client(owner)

    answers = [write(client, n).status_code for n in range(4)]
    refused = write(client, 5)

    assert answers == [201, 201, 201, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["message"].startswith("Request was throttled")
    assert "request_id" in refused.json()
    assert client.get(ENTRIES).status_code == 200
    assert len(client.get(ENTRIES).json()["results"]) == 3


def test_each_token_has_its_own_budget(owner, settings):
    settings.RATE_LIMIT_API_WRITES = "2/m"
    laptop, script = token_client(owner, "laptop"), token_client(owner, "script")

    laptop_answers = [write(laptop, n).status_code for n in range(3)]
    script_answers = [write(script, n).status_code for n in range(2)]

    assert laptop_answers == [201, 201, 429]
    assert script_answers == [201, 201]


def test_a_browser_session_token_is_limited_too(owner, settings):
    settings.RATE_LIMIT_API_WRITES = "1/m"
    signed_in = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": owner.email, "password": PASSWORD},
        content_type="application/json",
    )
    session = {"X-Session-Token": signed_in.json()["meta"]["session_token"]}
    browser = Client(headers=session)

    first = browser.post(ENTRIES, {"date": "2026-11-20", "content": "one"}, content_type="application/json")
    second = browser.post(ENTRIES, {"date": "2026-11-20", "content": "two"}, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 429)
