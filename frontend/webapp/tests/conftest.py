"""The frontend's view tests fake the backend at the HTTP boundary: a real local HTTP server
(pytest-httpserver) answers what the backend would. Nothing of our own code is patched. Every answer
the fake gave is held to the backend's committed schema (contract.py) when the test ends."""

import socket

import pytest
from pytest_httpserver import HTTPServer

from webapp.backend.client import reset_pool
from webapp.tests import contract

HEALTHY = {
    "status": "ok",
    "failing": [],
    "checks": {
        "database": {"ok": True, "milliseconds": 1.0, "detail": "postgresql"},
        "cache": {"ok": True, "milliseconds": 1.0, "detail": "RedisCache"},
        "broker": {"ok": True, "milliseconds": 1.0, "detail": "redis"},
    },
    "worker": {"last_ping": {"finished_at": "2026-11-25T10:00:00+00:00", "worker": "celery@box-7"}},
}


@pytest.fixture
def backend(httpserver: HTTPServer, settings):
    """A fake backend; tests declare the answers it gives, which must be what the real backend
    documents for that path, method and status."""
    settings.BACKEND_URL = httpserver.url_for("").rstrip("/")
    reset_pool()
    yield httpserver
    reset_pool()
    problems = [
        problem
        for request, response in httpserver.log
        for problem in contract.answer_problems(
            method=request.method,
            path=request.path,
            status=response.status_code,
            content_type=response.mimetype,
            body=response.get_json(silent=True) if response.is_json else None,
        )
    ]
    assert not problems, "The fake backend answered what the API does not:\n" + "\n".join(problems)


@pytest.fixture
def backend_down(settings):
    """A backend address where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BACKEND_URL = f"http://127.0.0.1:{port}"
    reset_pool()
    yield
    reset_pool()


@pytest.fixture
def signed_in(client, db):
    """The test client's session holds a backend token, as after a real sign-in."""
    session = client.session
    session["backend_session_token"] = "session-token-of-ada"
    session["user"] = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "is_staff": False,
        "tenant": "Ada's workspace",
        "role": "owner",
    }
    session.save()
    return client


@pytest.fixture
def signed_in_operator(client, db):
    session = client.session
    session["backend_session_token"] = "session-token-of-olga"
    session["user"] = {
        "email": "olga@example.com",
        "display_name": "Olga",
        "is_staff": True,
        "tenant": "Operators",
        "role": "owner",
    }
    session.save()
    return client


EMPTY_STATS = {"today": "2026-11-25", "this_week": 0, "streak_days": 0, "total": 0}


@pytest.fixture
def no_entries_yet(backend):
    """The signed-in person has logged nothing yet (what the dashboard asks besides health)."""
    backend.expect_request("/api/worklogs/stats/").respond_with_json(EMPTY_STATS)
    backend.expect_request("/api/worklogs/").respond_with_json(
        {"next": None, "previous": None, "results": []}
    )
    return backend


@pytest.fixture
def admin_billing_page(backend):
    """What Admin → Billing asks for besides the workspaces: empty books, in balance, no billing
    events. A test gives its own events with `expect_oneshot_request` (answered first)."""
    backend.expect_request("/api/billing/admin/reserve/summary/").respond_with_json(
        {
            "accounts": 0,
            "total_balance_micros": 0,
            "total_held_micros": 0,
            "paid_in_micros": 0,
            "granted_micros": 0,
            "usage_micros": 0,
            "low_balance_accounts": 0,
            "disputed_accounts": 0,
            "stripe_events_needing_attention": 0,
        }
    )
    backend.expect_request("/api/billing/admin/reconciliation/").respond_with_json(
        {"mismatches": [], "checked_at": "2026-11-25T10:00:00+00:00"}
    )
    backend.expect_request("/api/admin/audit/").respond_with_json(
        {"count": 0, "next": None, "previous": None, "results": []}
    )
    backend.expect_request("/api/billing/admin/stripe-events/").respond_with_json(
        {"count": 0, "next": None, "previous": None, "results": []}
    )
    return backend
