"""/metrics: Prometheus's text to a scraper (an allowed network or the bearer token), a 404 to
anyone else; Sentry stays off without a DSN."""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sentry_sdk

FRONTEND_DIR = Path(__file__).resolve().parents[2]
OUTSIDE_ADDRESS = "203.0.113.7"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    return settings.METRICS_TOKEN


def test_metrics_from_loopback_answers_prometheus_text_with_request_series(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    # The scrape itself is counted on the way in; latency is timed across all middlewares.
    assert 'django_http_requests_total_by_method_total{method="GET"}' in text
    assert "django_http_requests_latency_including_middlewares_seconds_count" in text


def test_metrics_from_an_outside_address_is_404(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS)

    assert response.status_code == 404
    assert b"django_http_requests" not in response.content


def test_metrics_ignore_a_forwarded_loopback_address(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 404


def test_metrics_from_an_outside_address_with_the_token_answers(client, metrics_token):
    response = client.get(
        "/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION=f"Bearer {metrics_token}"
    )

    assert response.status_code == 200
    assert "django_http_requests" in response.content.decode()


def test_metrics_from_an_outside_address_with_a_wrong_token_is_404(client, metrics_token):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION="Bearer not-the-token")

    assert response.status_code == 404


def test_metrics_without_a_configured_token_refuse_any_bearer(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404


def test_metrics_answer_an_address_inside_a_configured_network(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("203.0.113.0/24")]

    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_sentry_is_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().is_active() is False


def test_settings_with_a_dsn_start_sentry_without_personal_data():
    # A fresh interpreter: the settings initialise Sentry at import time. init sends nothing.
    code = (
        "import sentry_sdk, config.settings.test; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], c.options['environment'], "
        "c.options['traces_sample_rate'])"
    )
    env = {
        **os.environ,
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "SENTRY_DSN": "https://public-key@sentry.invalid/1",
        "SENTRY_ENVIRONMENT": "staging",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=FRONTEND_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "staging", "0.0"]
