"""A short schema-driven fuzz of every API operation, in-process (schemathesis over the WSGI app):
no server error, only documented status codes and content types, every answer as its schema says. `./dev fuzz` runs
the long version against a real server; this one keeps regressions out of `./dev test`.

The caller is an operator (so that the admin operations are reached past their 403) with a
workspace of their own; another workspace has entries and evidence too, whose ids the generated
requests may hit (they must be 404s like any stranger's). Payments are configured against a local
Stripe-format server, as `./dev fuzz` does."""

from datetime import date

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from afterresume.accounts.tokens import api_token_create
from afterresume.worklogs.services import evidence_add, worklog_create
from config.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded when the tests are collected: the schema view needs no database. The examples and random
# cases only: the boundary cases of every parameter (schemathesis' coverage phase, ~40 requests an
# operation) are `./dev fuzz`'s.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    application,
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
)


@pytest.fixture(autouse=True)
def keep_the_test_transaction(db):
    """Each WSGI request would close the database connection when it ends, and with it the test's
    transaction (Django's test client stops that the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def stripe_configured(settings, httpserver):
    """Payments configured, as in production, against a local server in Stripe's format."""
    settings.STRIPE_SIMULATED = False
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    for path, kind, url in (
        ("/v1/customers", "customer", ""),
        ("/v1/checkout/sessions", "checkout.session", "https://checkout.stripe.com/c/pay/cs_test"),
        ("/v1/billing_portal/sessions", "billing_portal.session", "https://billing.stripe.com/p/session/t"),
    ):
        httpserver.expect_request(path, method="POST").respond_with_json(
            {"id": f"{kind}_test", "object": kind, "url": url or None}
        )


@pytest.fixture
def operator_token(operator, outsider) -> str:
    for user in (operator, outsider):
        entry = worklog_create(
            tenant=user.membership.tenant, author=user, date=date(2026, 11, 2), content="Did things"
        )
        evidence_add(
            entry=entry,
            author=user,
            upload=SimpleUploadedFile("notes.txt", b"what I did", content_type="text/plain"),
        )
    _, key = api_token_create(user=operator, name="fuzz", expires_at=None)
    return key


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is never a fluke
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, operator_token):
    if case.operation.path == "/api/me/tokens/{token_id}/" and case.method.upper() == "DELETE":
        case.path_parameters["token_id"] = 2**31 - 1  # never the token this test calls with

    case.call_and_validate(headers={"Authorization": f"Token {operator_token}"}, checks=CHECKS)
