"""Operators' adjustments keyed per workspace, amounts shown the same way for debts as for credits,
and usage that may spend only the money not held for running jobs."""

import pytest

from afterresume.audit.models import AuditEvent
from afterresume.billing.ledger.errors import InsufficientFunds
from afterresume.billing.ledger.holds import hold_place
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.billing.money import micros_to_cents, micros_to_dollars
from conftest import token_client

pytestmark = pytest.mark.ledger  # on both databases, as test_ledger

DOLLAR = 1_000_000
ADJUST = "/api/billing/admin/reserve/adjust/"


def adjust(client, tenant, dollars, *, key="same-key", reason="goodwill correction"):
    return client.post(
        ADJUST,
        {"tenant_id": tenant.pk, "amount_dollars": dollars, "reason": reason, "idempotency_key": key},
        format="json",
    )


def balance_of(tenant) -> int:
    return ReserveAccount.objects.get(tenant=tenant).balance_micros


# --- 3. an adjustment's idempotency key belongs to its workspace -------------------------------------


def test_the_same_key_for_two_workspaces_makes_two_adjustments(owner, outsider, operator):
    client = token_client(operator)
    first, second = owner.membership.tenant, outsider.membership.tenant

    for_first = adjust(client, first, "1.00")
    for_second = adjust(client, second, "2.00")

    assert (for_first.status_code, for_second.status_code) == (201, 201)
    assert for_second.json()["entry"]["amount_micros"] == 2 * DOLLAR
    assert (balance_of(first), balance_of(second)) == (1 * DOLLAR, 2 * DOLLAR)
    audited = AuditEvent.objects.filter(action="reserve.adjusted").order_by("id")
    assert [(event.tenant, event.data["amount_micros"]) for event in audited] == [
        (first, 1 * DOLLAR),
        (second, 2 * DOLLAR),
    ]


def test_a_key_reused_with_another_amount_is_a_409_and_nothing_moves_or_is_audited(owner, operator):
    client = token_client(operator)
    tenant = owner.membership.tenant
    adjust(client, tenant, "1.00")

    reused = adjust(client, tenant, "3.00")
    other_reason = adjust(client, tenant, "1.00", reason="another reason entirely")

    assert (reused.status_code, other_reason.status_code) == (409, 409)
    assert "already used for a different adjustment" in reused.json()["message"]
    assert balance_of(tenant) == 1 * DOLLAR
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 1
    assert AuditEvent.objects.filter(action="reserve.adjusted").count() == 1


def test_repeating_an_adjustment_with_its_key_answers_the_first_entry_and_records_nothing_new(
    owner, operator
):
    client = token_client(operator)
    tenant = owner.membership.tenant

    first = adjust(client, tenant, "1.00")
    again = adjust(client, tenant, "1.00")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    assert balance_of(tenant) == 1 * DOLLAR
    assert AuditEvent.objects.filter(action="reserve.adjusted").count() == 1


# --- 5. amounts round toward zero on both sides ----------------------------------------------------------


@pytest.mark.parametrize(
    ("micros", "cents", "dollars"),
    [
        (-1, 0, "0.00"),
        (-9_999, 0, "0.00"),
        (-10_000, -1, "-0.01"),
        (-1_234_567, -123, "-1.23"),
        (1, 0, "0.00"),
        (1_234_567, 123, "1.23"),
        (-250_000_000, -25_000, "-250.00"),
    ],
)
def test_amounts_round_toward_zero_for_debts_as_for_credits(micros, cents, dollars):
    assert (micros_to_cents(micros), micros_to_dollars(micros)) == (cents, dollars)


def test_a_balance_one_micro_dollar_below_zero_reads_zero_dollars_in_the_api_and_the_audit_log(
    owner, operator
):
    tenant = owner.membership.tenant

    answer = adjust(token_client(operator), tenant, "-0.000001", reason="rounding correction")

    assert answer.json()["balance_dollars"] == "0.00"
    assert answer.json()["entry"]["amount_dollars"] == "0.00"
    assert AuditEvent.objects.get(action="reserve.adjusted").summary == "0.00 USD: rounding correction"


# --- 5. usage spends the available money, not money held for running jobs ----------------------------


def test_usage_cannot_spend_money_held_for_a_running_job(owner):
    account = owner.membership.tenant.reserve
    ledger_post(account_id=account.pk, kind="topup", amount_micros=10 * DOLLAR, idempotency_key="t")
    hold_place(account_id=account.pk, estimate_micros=8 * DOLLAR, idempotency_key="job-1:hold")

    with pytest.raises(InsufficientFunds) as refused:
        ledger_post(account_id=account.pk, kind="usage", amount_micros=-5 * DOLLAR, idempotency_key="u")
    fitting = ledger_post(
        account_id=account.pk, kind="usage", amount_micros=-2 * DOLLAR, idempotency_key="u2"
    )

    assert (refused.value.needed_micros, refused.value.available_micros) == (3 * DOLLAR, 2 * DOLLAR)
    assert fitting.balance_after_micros == 8 * DOLLAR
    assert ReserveAccount.objects.get(pk=account.pk).available_micros == 0
