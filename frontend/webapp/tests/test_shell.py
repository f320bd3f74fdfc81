import json
import re
import time
from pathlib import Path

import pytest
from werkzeug import Response

from webapp.tests.conftest import HEALTHY

BANNER = "The AfterResume server cannot be reached right now."


def test_dashboard_shows_each_backend_check_and_the_last_worker_ping(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    response = signed_in.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER not in page
    assert re.findall(r'data-check="([^"]+)"', page) == ["Database", "Cache", "Job queue"]
    assert "Background worker answered" in page
    assert "celery@box-7" in page


def test_dashboard_names_a_failing_check_when_the_backend_reports_503(backend, no_entries_yet, signed_in):
    failing = {
        **HEALTHY,
        "status": "failing",
        "failing": ["broker"],
        "checks": {
            **HEALTHY["checks"],
            "broker": {"ok": False, "milliseconds": 3.0, "detail": "OperationalError: refused"},
        },
    }
    backend.expect_request("/api/healthz/").respond_with_json(failing, status=503)

    page = signed_in.get("/").content.decode()

    assert re.search(r'data-check="Job queue">\s*<span>Job queue</span>\s*<span class="text-danger"', page)
    assert BANNER not in page  # the backend answered: it is reachable, one part of it is failing


def test_dashboard_waits_for_the_first_worker_ping(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json({**HEALTHY, "worker": {"last_ping": None}})

    page = signed_in.get("/").content.decode()

    assert "Waiting for the background worker" in page


def test_every_page_renders_with_the_banner_when_the_backend_is_down(backend_down, signed_in):
    response = signed_in.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page
    assert "status is unknown" in page
    assert "Server unreachable" in page  # the status bar


def test_a_backend_that_does_not_answer_in_time_gives_the_banner_not_a_hang(backend, signed_in, settings):
    def slow(request):
        time.sleep(settings.BACKEND_READ_TIMEOUT + 0.5)
        return Response(json.dumps(HEALTHY), content_type="application/json")

    backend.expect_request("/api/healthz/").respond_with_handler(slow)

    started = time.monotonic()
    response = signed_in.get("/")

    assert response.status_code == 200
    assert BANNER in response.content.decode()
    assert time.monotonic() - started < settings.BACKEND_READ_TIMEOUT * 2 + 1


@pytest.mark.urls("webapp.tests.urls_for_errors")
def test_a_view_that_needs_the_backend_answers_503_with_the_banner_instead_of_a_500(backend_down, signed_in):
    response = signed_in.get("/needs-backend/")

    assert response.status_code == 503
    page = response.content.decode()
    assert BANNER in page
    assert "Try again" in page


@pytest.mark.urls("webapp.tests.urls_for_errors")
def test_an_htmx_request_gets_only_the_banner_when_the_backend_is_down(backend_down, signed_in):
    response = signed_in.get("/needs-backend/", headers={"HX-Request": "true"})

    assert response.status_code == 503
    page = response.content.decode()
    assert BANNER in page
    assert "<html" not in page


def test_an_htmx_poll_of_the_dashboard_gets_only_the_system_card(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    response = signed_in.get("/", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page
    assert 'id="system-checks"' in page
    assert "HX-Request" in response["Vary"]


def test_the_request_id_is_forwarded_to_the_backend(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    response = signed_in.get("/")

    forwarded = backend.log[0][0].headers.get("X-Request-ID")
    assert forwarded == response["X-Request-ID"]
    assert len(forwarded) == 32


def test_the_status_bar_fragment_shows_the_connection_state(backend, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    fragment = signed_in.get("/status-bar/").content.decode()

    assert 'data-status="ok"' in fragment
    assert "<html" not in fragment


def test_the_status_bar_shows_a_dash_and_unreachable_when_the_backend_is_down(backend_down, signed_in):
    fragment = signed_in.get("/status-bar/").content.decode()

    assert 'data-status="unreachable"' in fragment
    assert "—" in fragment


def test_frontend_health_is_ok_and_reports_what_it_sees_of_the_backend(backend_down, signed_in):
    response = signed_in.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "backend": "unreachable"}


def test_pages_carry_a_strict_content_security_policy(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    response = signed_in.get("/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    assert "<script>" not in page  # every script is a file, loaded with src
    assert " hx-on" not in page


def test_every_asset_comes_from_the_project_not_a_cdn(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    page = signed_in.get("/").content.decode()

    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert assets, "the page loads stylesheets and scripts"
    assert all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        assert signed_in.get(url).status_code == 200, url


def test_the_csrf_token_is_sent_with_every_htmx_request(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    page = signed_in.get("/").content.decode()

    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]{32,}\"\}'>", page)


def test_the_dashboard_sends_signed_out_visitors_to_the_sign_in_page(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2F"


LOW_BAR = {
    "reserve_balance_micros": 0,
    "reserve_balance_cents": 0,
    "reserve_balance_dollars": "0.00",
    "is_low_balance": True,
    "tokens_in": 1500,
    "tokens_out": 2_300_000,
    "jobs_running": 0,
    "updated_at": "2026-11-25T10:00:00+00:00",
}


def test_a_low_balance_is_marked_in_the_status_bar_without_a_banner_across_the_site(backend, signed_in):
    # a new person: nothing spent, nothing to spend yet
    backend.expect_request("/api/status/bar/").respond_with_json(LOW_BAR)

    fragment = signed_in.get("/status-bar/").content.decode()

    assert 'id="status-balance"' in fragment and "$0.00" in fragment and ">low<" in fragment
    assert "1.5K / 2.3M" in fragment
    assert "low-balance-banner" not in fragment
    assert "Your reserve is low" not in fragment
    assert "hx-swap-oob" not in fragment


def test_the_shell_of_other_pages_has_no_place_for_a_low_balance_banner(backend, no_entries_yet, signed_in):
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    page = signed_in.get("/").content.decode()

    assert "low-balance-banner" not in page


def test_a_healthy_balance_is_green_in_the_status_bar(backend, signed_in):
    backend.expect_request("/api/status/bar/").respond_with_json(
        {
            **LOW_BAR,
            "reserve_balance_micros": 50_000_000,
            "reserve_balance_cents": 5000,
            "reserve_balance_dollars": "50.00",
            "is_low_balance": False,
        }
    )

    fragment = signed_in.get("/status-bar/").content.decode()

    assert "text-success" in fragment
    assert ">low<" not in fragment


FUNDS = {
    "message": "The reserve cannot cover this: top up at least 0.64 USD.",
    "extra": {"needed_micros": 634_567, "available_micros": 600_000, "needed_dollars": "0.64"},
}


@pytest.mark.urls("webapp.tests.urls_for_errors")
def test_work_the_reserve_cannot_cover_offers_a_top_up_with_the_amount(backend, signed_in):
    backend.expect_request("/api/anything/").respond_with_json(FUNDS, status=402)

    response = signed_in.get("/needs-backend/")

    assert response.status_code == 402
    page = response.content.decode()
    assert "The reserve cannot cover this: top up at least 0.64 USD." in page
    assert '<a class="btn btn-primary" href="/billing/">Go to billing</a>' in page


@pytest.mark.urls("webapp.tests.urls_for_errors")
def test_an_htmx_request_the_reserve_cannot_cover_gets_a_toast_with_the_amount(backend, signed_in):
    backend.expect_request("/api/anything/").respond_with_json(FUNDS, status=402)

    response = signed_in.get("/needs-backend/", headers={"HX-Request": "true"})

    assert response.status_code == 402
    assert json.loads(response["HX-Trigger"]) == {
        "toast": {"text": "The reserve cannot cover this: top up at least 0.64 USD.", "level": "warning"}
    }


@pytest.mark.urls("webapp.tests.urls_for_errors")
def test_too_many_writes_get_a_page_that_says_to_wait_not_a_server_error(backend, signed_in):
    backend.expect_request("/api/anything/").respond_with_json(
        {"message": "Request was throttled. Expected available in 37 seconds.", "extra": {}}, status=429
    )

    page = signed_in.get("/needs-backend/")
    htmx = signed_in.get("/needs-backend/", headers={"HX-Request": "true"})

    assert page.status_code == 429
    assert "Request was throttled. Expected available in 37 seconds." in page.content.decode()
    assert htmx.status_code == 429
    assert htmx.content == b""


def test_a_balance_below_zero_reads_minus_dollars_and_is_red_in_the_status_bar(backend, signed_in):
    backend.expect_request("/api/status/bar/").respond_with_json(
        {**LOW_BAR, "reserve_balance_micros": -5_000_001, "reserve_balance_cents": -500}
    )

    fragment = signed_in.get("/status-bar/").content.decode()

    assert "-$5.00" in fragment and "$-5.00" not in fragment
    assert "text-danger" in fragment


def test_no_template_comment_spans_lines_where_django_would_print_it():
    # Django's {# #} comment ends at the line's end: a longer one is shown to the user as text
    templates = sorted((Path(__file__).resolve().parents[1]).rglob("templates/**/*.html"))
    assert templates
    open_comments = [
        f"{path.name}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert open_comments == []
