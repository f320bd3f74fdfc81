"""Jobs on real parts: a Celery worker consuming the Redis broker (every queue), the django-db
result backend, PostgreSQL; the `openai` provider pointed at a local HTTP server speaking the
chat-completions format."""

import importlib
import json
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Response

from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.billing.pricing.rate_cards import rate_card_version_create
from afterresume.worklogs.services import worklog_create
from config.celery import app as celery_app

REMOTE_MODEL = "gpt-test"
ENTRY_TEXT = (
    "Moved the billing service to Kubernetes. It used to take 40 minutes to deploy. "
    "Now deploys take 6 minutes and nobody waits on them. Also wrote runbooks for on-call with PostgreSQL tips."
)


@pytest.fixture(autouse=True)
def launch_prices(db):
    """The standard plan's launch prices, seeded by a migration: a transactional test's flush
    removes them, so they are seeded again the migration's own way."""
    from django.apps import apps

    importlib.import_module("afterresume.billing.migrations.0004_standard_rate_card").seed(apps, None)


@pytest.fixture(autouse=True)
def empty_queues():
    """Redis outlives a test: messages a test sent without a worker must not reach the next one."""
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.fixture
def worker(transactional_db, settings):
    """A real worker in this process, consuming every queue; retries come back fast."""
    settings.JOBS_RETRY_BASE_SECONDS = 0.2
    settings.JOBS_RETRY_MAX_SECONDS = 1.0
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20) as controller:
        yield controller


def fund(user, micros: int) -> ReserveAccount:
    account = ReserveAccount.objects.get(tenant=user.membership.tenant)
    if micros:
        ledger_post(
            account_id=account.pk,
            kind=LedgerEntry.Kind.ADJUSTMENT,
            amount_micros=micros,
            idempotency_key=f"test-fund:{account.pk}:{micros}:{LedgerEntry.objects.count()}",
            memo="test funds",
        )
    account.refresh_from_db()
    return account


@pytest.fixture
def entry(owner):
    return worklog_create(
        tenant=owner.membership.tenant,
        author=owner,
        date=timezone.localdate(),
        content=ENTRY_TEXT,
        tags=["infra"],
    )


def chat_answer(content: str, *, usage: tuple[int, int] | None = (120, 30)) -> Response:
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_800_000_000,
        "model": REMOTE_MODEL,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }
    if usage is not None:
        answer["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        }
    return Response(json.dumps(answer), content_type="application/json")


def error_answer(status: int, message: str, headers: dict | None = None) -> Response:
    body = {"error": {"message": message, "type": "error", "code": None}}
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def is_skills_request(request) -> bool:
    return "skills" in json.loads(request.get_data())["messages"][0]["content"]


@pytest.fixture
def llm_server():
    """A local chat-completions server that answers requests side by side (a worker may be
    waiting on one answer while another asks)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def openai_server(llm_server, settings, owner):
    """The provider pointed at the local server, and the plan priced for its model."""
    httpserver = llm_server
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = httpserver.url_for("/v1")
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_MODEL = REMOTE_MODEL
    settings.LLM_TIMEOUT_SECONDS = 5.0
    rate_card_version_create(
        plan=owner.membership.tenant.plan,
        effective_from=timezone.now() - timedelta(seconds=30),
        items=[
            {"meter": "tokens_in", "model": REMOTE_MODEL, "price_micros": 2_500_000},
            {"meter": "tokens_out", "model": REMOTE_MODEL, "price_micros": 10_000_000},
            {"meter": "tokens_in", "model": "local", "price_micros": 500_000},
            {"meter": "tokens_out", "model": "local", "price_micros": 1_500_000},
        ],
    )
    return httpserver
