import logging

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from afterresume.accounts.models import User
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.billing.tasks import reconcile
from afterresume.invites.services import passkey_create
from config.celery import app as celery_app
from conftest import token_client

PASSWORD = "a long and unusual password 42"


def test_a_passkey_with_starter_credit_posts_a_grant_to_the_new_workspace(client, operator):
    _, raw_key = passkey_create(created_by=operator, starter_credit_micros=5_000_000)

    response = client.post(
        "/_allauth/app/v1/auth/signup",
        {"passkey": raw_key, "email": "new@example.com", "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200
    account = User.objects.get(email="new@example.com").membership.tenant.reserve
    account.refresh_from_db()
    grant = LedgerEntry.objects.get(account=account)
    assert (grant.kind, grant.amount_micros, account.balance_micros) == ("grant", 5_000_000, 5_000_000)
    assert grant.memo.startswith("Starter credit from invite arinv_")


def test_a_passkey_without_credit_posts_nothing(client, invite):
    _, raw_key = invite

    client.post(
        "/_allauth/app/v1/auth/signup",
        {"passkey": raw_key, "email": "new@example.com", "password": PASSWORD},
        content_type="application/json",
    )

    assert not LedgerEntry.objects.exists()


def test_operators_set_the_starter_credit_when_creating_a_passkey(operator):
    client = token_client(operator)

    created = client.post(
        "/api/admin/passkeys/", {"note": "with credit", "starter_credit_dollars": "2.50"}, format="json"
    )
    negative = client.post("/api/admin/passkeys/", {"starter_credit_dollars": "-1"}, format="json")

    assert created.status_code == 201
    assert created.json()["starter_credit_micros"] == 2_500_000
    assert negative.status_code == 400
    assert "starter_credit_dollars" in negative.json()["extra"]["fields"]


def test_reconciliation_is_scheduled_daily_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["reserve-reconcile"]

    assert entry["task"] == "afterresume.billing.tasks.reconcile"
    assert entry["schedule"].hour == {3}


@pytest.mark.django_db(transaction=True)
def test_the_reconciliation_task_runs_on_a_real_worker_and_logs_each_mismatch(owner):
    ReserveAccount.objects.filter(tenant=owner.membership.tenant).update(balance_micros=123)
    logged = []

    class Collect(logging.Handler):
        def emit(self, record):
            logged.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logging.getLogger("afterresume.billing.tasks").addHandler(handler)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = reconcile.delay().get(timeout=20)
    finally:
        logging.getLogger("afterresume.billing.tasks").removeHandler(handler)

    assert result == {"mismatches": 1}
    assert logged == [
        f"reserve reconciliation mismatch: workspace {owner.membership.tenant_id}: ledger sum 0 ≠ balance 123"
    ]
