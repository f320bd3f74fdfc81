"""How billing's rooms hold together (afterresume/billing/__init__.py): the ledger tells what was
posted through one after-post hook, services never see the HTTP request, the Celery tasks keep
their names."""

import importlib
import inspect
import pkgutil

import pytest

from afterresume.billing import ledger, payments, pricing
from afterresume.billing.ledger import posting
from afterresume.billing.ledger.holds import hold_capture, hold_place
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry
from afterresume.billing.payments import queue
from config.celery import app as celery_app

DOLLAR = 1_000_000


@pytest.fixture
def told(monkeypatch) -> list:
    """What the ledger's after-post hooks are told, recorded by one more hook."""
    heard = []
    monkeypatch.setattr(posting, "_after_post_hooks", [*posting._after_post_hooks, heard.append])
    return heard


@pytest.mark.ledger
def test_every_entry_posted_now_is_told_to_the_after_post_hooks_once_and_a_replay_never(owner, told):
    account = owner.membership.tenant.reserve

    credit = ledger_post(
        account_id=account.pk, kind=LedgerEntry.Kind.TOPUP, amount_micros=10 * DOLLAR, idempotency_key="t-1"
    )
    ledger_post(
        account_id=account.pk, kind=LedgerEntry.Kind.TOPUP, amount_micros=10 * DOLLAR, idempotency_key="t-1"
    )
    debit = ledger_post(
        account_id=account.pk, kind=LedgerEntry.Kind.USAGE, amount_micros=-4 * DOLLAR, idempotency_key="u-1"
    )

    assert [(p.entry.pk, p.balance_before_micros, p.entry.balance_after_micros) for p in told] == [
        (credit.pk, 0, 10 * DOLLAR),
        (debit.pk, 10 * DOLLAR, 6 * DOLLAR),
    ]
    assert [(p.low_balance_threshold_micros, p.is_auto_topup_enabled) for p in told] == [
        (5 * DOLLAR, False),
        (5 * DOLLAR, False),
    ]


@pytest.mark.ledger
def test_a_hold_capture_posts_through_the_same_service_and_its_hooks(owner, told):
    account = owner.membership.tenant.reserve
    ledger_post(
        account_id=account.pk, kind=LedgerEntry.Kind.TOPUP, amount_micros=10 * DOLLAR, idempotency_key="t-1"
    )
    placed = hold_place(account_id=account.pk, estimate_micros=3 * DOLLAR, idempotency_key="job-1")

    entry = hold_capture(hold_id=placed.hold.pk, actual_micros=2 * DOLLAR)

    assert [(p.entry.pk, p.entry.kind, p.entry.hold_id) for p in told][-1] == (
        entry.pk,
        LedgerEntry.Kind.USAGE,
        placed.hold.pk,
    )
    assert len(told) == 2


def _room_functions():
    for room in (ledger, payments, pricing):
        for module_info in pkgutil.iter_modules(room.__path__):
            module = importlib.import_module(f"{room.__name__}.{module_info.name}")
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__:
                    yield f"{module.__name__}.{name}", function


def test_no_service_or_selector_of_billing_takes_the_http_request():
    takes_request = [
        name for name, function in _room_functions() if "request" in inspect.signature(function).parameters
    ]

    assert takes_request == []


def test_the_celery_tasks_keep_the_names_beat_and_queued_messages_use():
    celery_app.loader.import_default_modules()
    names = sorted(name for name in celery_app.tasks if name.startswith("afterresume.billing."))

    assert names == [
        "afterresume.billing.tasks.auto_topup",
        "afterresume.billing.tasks.auto_topup_sweep",
        "afterresume.billing.tasks.deliver_simulated_auto_topup",
        "afterresume.billing.tasks.deliver_simulated_payment",
        "afterresume.billing.tasks.expire_holds",
        "afterresume.billing.tasks.reconcile",
        "afterresume.billing.tasks.retry_stripe_events",
    ]
    assert {queue.AUTO_TOPUP, queue.DELIVER_SIMULATED_PAYMENT, queue.DELIVER_SIMULATED_AUTO_TOPUP} <= set(
        names
    )
