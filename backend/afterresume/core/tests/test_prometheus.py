"""/metrics: Prometheus's text to a scraper (an allowed network or the bearer token), a 404 to
anyone else; the jobs' and the ledger's counters move once per thing that happened; queue depths
come from the Redis broker; Sentry stays off without a DSN."""

import ipaddress
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sentry_sdk
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry
from afterresume.jobs.models import Job, JobKind
from afterresume.jobs.services import JobTransitionError, job_create_queued, job_finish, job_mark_running

BACKEND_DIR = Path(__file__).resolve().parents[3]
OUTSIDE_ADDRESS = "203.0.113.7"
DOLLAR = 1_000_000


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    return settings.METRICS_TOKEN


def scrape() -> str:
    response = Client().get("/metrics")  # the test client connects from 127.0.0.1
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in a scrape (0 when it has not appeared yet)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def test_metrics_from_loopback_answer_prometheus_text_with_request_series(db, client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    # The scrape itself is counted on the way in; latency is timed across all middlewares.
    assert 'django_http_requests_total_by_method_total{method="GET"}' in text
    assert "django_http_requests_latency_including_middlewares_seconds_count" in text


def test_metrics_from_an_outside_address_are_404(db, client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS)

    assert response.status_code == 404
    assert b"django_http_requests" not in response.content


def test_metrics_ignore_a_forwarded_loopback_address(db, client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 404


def test_metrics_from_an_outside_address_with_the_token_answer(db, client, metrics_token):
    response = client.get(
        "/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION=f"Bearer {metrics_token}"
    )

    assert response.status_code == 200
    assert "django_http_requests" in response.content.decode()


def test_metrics_from_an_outside_address_with_a_wrong_token_are_404(db, client, metrics_token):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION="Bearer not-the-token")

    assert response.status_code == 404


def test_metrics_answer_an_address_inside_a_configured_network_only(db, client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("203.0.113.0/24")]

    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_metrics_are_not_in_the_api_schema(db, client):
    schema = client.get("/api/schema/").content.decode()

    assert "\n  /metrics:" not in schema
    assert "\n  /api/healthz/:" in schema  # the paths are listed at this depth


def test_a_finished_job_is_counted_once_under_its_kind_and_status(owner):
    name = "afterresume_jobs_finished_total"
    labels = {"kind": "worklog.enhance", "status": "succeeded"}
    before = scrape()
    job = job_create_queued(tenant=owner.membership.tenant, author=owner, kind=JobKind.WORKLOG_ENHANCE)

    job_mark_running(job=job)
    job_finish(job=job, status=Job.Status.SUCCEEDED)

    after = scrape()
    assert sample(after, name, **labels) - sample(before, name, **labels) == 1
    refused = {"kind": "worklog.enhance", "status": "refused"}
    assert sample(after, name, **refused) == sample(before, name, **refused)


def test_a_job_finish_that_is_refused_counts_nothing(owner):
    name = "afterresume_jobs_finished_total"
    labels = {"kind": "worklog.enhance", "status": "succeeded"}
    job = job_create_queued(tenant=owner.membership.tenant, author=owner, kind=JobKind.WORKLOG_ENHANCE)
    before = scrape()

    # queued -> succeeded is no transition the engine may make
    with pytest.raises(JobTransitionError, match="cannot go"):
        job_finish(job=job, status=Job.Status.SUCCEEDED)

    assert sample(scrape(), name, **labels) == sample(before, name, **labels)


def post_topup(account, *, idempotency_key: str) -> LedgerEntry:
    return ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=10 * DOLLAR,
        idempotency_key=idempotency_key,
    )


@pytest.mark.ledger
def test_a_ledger_posting_is_counted_once_and_its_replay_never(owner):
    name = "afterresume_ledger_postings_total"
    account = owner.membership.tenant.reserve
    before = scrape()

    first = post_topup(account, idempotency_key="m-1")
    middle = scrape()
    replay = post_topup(account, idempotency_key="m-1")
    after = scrape()

    assert (first.is_posted_now, replay.is_posted_now, replay.pk) == (True, False, first.pk)
    assert sample(middle, name, kind="topup") - sample(before, name, kind="topup") == 1
    assert sample(after, name, kind="topup") == sample(middle, name, kind="topup")


def test_queue_depths_are_read_from_the_redis_broker_at_scrape_time(db, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")  # the tests' broker

    text = scrape()

    depths = {
        found.labels["queue"]: found.value
        for family in text_string_to_metric_families(text)
        for found in family.samples
        if found.name == "afterresume_queue_depth"
    }
    assert sorted(depths) == ["billing", "celery", "llm"]
    assert all(value >= 0 for value in depths.values())


def test_queue_depths_are_absent_when_the_broker_is_not_redis(db, settings):
    settings.CELERY_BROKER_URL = "filesystem://localhost//"

    assert "afterresume_queue_depth" not in scrape()


def test_a_broker_that_does_not_answer_leaves_queue_depths_out_without_failing_the_scrape(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()

    text = scrape()

    assert "afterresume_queue_depth" not in text
    assert time.monotonic() - started < 5


def test_sentry_is_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().is_active() is False


def test_settings_with_a_dsn_start_sentry_without_personal_data():
    # A fresh interpreter: the settings initialise Sentry at import time. init sends nothing.
    code = (
        "import sentry_sdk, config.settings.test; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], c.options['environment'], "
        "c.options['traces_sample_rate'], 'celery' in c.integrations)"
    )
    env = {
        **os.environ,
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "SENTRY_DSN": "https://public-key@sentry.invalid/1",
        "SENTRY_TRACES_SAMPLE_RATE": "0.25",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "production", "0.25", "True"]
