import threading

import pytest
from django.db import DatabaseError, connection, transaction

from afterresume.billing.ledger.errors import HoldNotActive, InsufficientFunds
from afterresume.billing.ledger.holds import hold_capture, hold_place, hold_release
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import Hold, LedgerEntry, ReserveAccount

# The posting rule on both databases: `./dev test:backend` runs this module on PostgreSQL, then
# again on SQLite, the embedded default (scripts/with_services.py), except what needs PostgreSQL.
pytestmark = pytest.mark.ledger

DOLLAR = 1_000_000


@pytest.fixture
def account(owner) -> ReserveAccount:
    return owner.membership.tenant.reserve


def topup(account, dollars, key="topup-1"):
    return ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=dollars * DOLLAR,
        idempotency_key=key,
    )


def fresh(account) -> ReserveAccount:
    return ReserveAccount.objects.get(pk=account.pk)


def ledger_sum(account) -> int:
    return sum(LedgerEntry.objects.filter(account=account).values_list("amount_micros", flat=True))


# --- posting ----------------------------------------------------------------------------------------


def test_every_workspace_has_a_reserve_from_the_start(owner, outsider):
    assert fresh(owner.membership.tenant.reserve).balance_micros == 0
    assert ReserveAccount.objects.filter(tenant=outsider.membership.tenant).count() == 1


def test_posting_moves_the_balance_and_records_the_balance_after(account):
    credit = topup(account, 25)
    debit = ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.USAGE,
        amount_micros=-1_234_567,
        idempotency_key="usage-1",
    )

    assert (credit.balance_after_micros, debit.balance_after_micros) == (25 * DOLLAR, 25 * DOLLAR - 1_234_567)
    assert fresh(account).balance_micros == 23_765_433
    assert ledger_sum(account) == fresh(account).balance_micros


def test_posting_the_same_key_twice_returns_the_first_entry_and_moves_nothing(account):
    first = topup(account, 25, key="checkout:cs_1")

    again = ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=99 * DOLLAR,
        idempotency_key="checkout:cs_1",
    )

    assert again.pk == first.pk
    assert fresh(account).balance_micros == 25 * DOLLAR
    assert LedgerEntry.objects.count() == 1


def test_usage_cannot_take_the_balance_below_zero(account):
    topup(account, 1)

    with pytest.raises(InsufficientFunds) as refusal:
        ledger_post(
            account_id=account.pk,
            kind=LedgerEntry.Kind.USAGE,
            amount_micros=-3 * DOLLAR,
            idempotency_key="usage-big",
        )

    assert refusal.value.needed_micros == 2 * DOLLAR
    assert fresh(account).balance_micros == DOLLAR
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "kind", [LedgerEntry.Kind.REFUND, LedgerEntry.Kind.ADJUSTMENT, LedgerEntry.Kind.REVERSAL]
)
def test_what_happened_outside_may_take_the_balance_below_zero(account, kind):
    topup(account, 1)

    entry = ledger_post(
        account_id=account.pk, kind=kind, amount_micros=-5 * DOLLAR, idempotency_key=f"{kind}-1"
    )

    assert entry.balance_after_micros == -4 * DOLLAR
    assert fresh(account).balance_micros == -4 * DOLLAR


@pytest.mark.parametrize("amount", [0, 1.5, "10", True])
def test_amounts_must_be_whole_non_zero_micro_dollars(account, amount):
    with pytest.raises(ValueError, match="non-zero integer"):
        ledger_post(
            account_id=account.pk, kind=LedgerEntry.Kind.TOPUP, amount_micros=amount, idempotency_key="x"
        )
    assert not LedgerEntry.objects.exists()


# --- append-only --------------------------------------------------------------------------------------


def test_ledger_rows_cannot_be_changed_or_deleted_through_the_code(account):
    entry = topup(account, 5)

    entry.amount_micros = 500 * DOLLAR
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_micros=1)
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount_micros == 5 * DOLLAR


@pytest.mark.postgresql  # its trigger; on SQLite the model refuses (test above)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_ledgerentry SET amount_micros = 1",
        "DELETE FROM billing_ledgerentry",
    ],
)
def test_the_database_refuses_update_and_delete_of_ledger_rows(account, statement):
    topup(account, 5)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert list(LedgerEntry.objects.values_list("amount_micros", flat=True)) == [5 * DOLLAR]


# --- holds ------------------------------------------------------------------------------------------


def test_a_hold_sets_money_aside_and_the_capture_charges_the_actual_cost(account):
    topup(account, 10)

    placed = hold_place(account_id=account.pk, estimate_micros=4 * DOLLAR, idempotency_key="job-1:hold")
    assert fresh(account).available_micros == 6 * DOLLAR

    entry = hold_capture(hold_id=placed.hold.pk, actual_micros=2_500_000)

    account = fresh(account)
    assert entry.amount_micros == -2_500_000
    assert entry.kind == LedgerEntry.Kind.USAGE
    assert (account.balance_micros, account.held_micros) == (7_500_000, 0)
    hold = Hold.objects.get(pk=placed.hold.pk)
    assert (hold.status, hold.captured_micros, hold.overrun_micros) == ("captured", 2_500_000, 0)


def test_under_block_a_hold_beyond_the_available_money_is_refused_with_the_amount_needed(account):
    topup(account, 10)
    hold_place(account_id=account.pk, estimate_micros=8 * DOLLAR, idempotency_key="job-1:hold")

    with pytest.raises(InsufficientFunds) as refusal:
        hold_place(account_id=account.pk, estimate_micros=3 * DOLLAR, idempotency_key="job-2:hold")

    assert refusal.value.needed_micros == DOLLAR
    assert fresh(account).held_micros == 8 * DOLLAR
    assert Hold.objects.count() == 1


def test_under_warn_a_hold_beyond_the_available_money_is_placed_with_a_warning(account):
    ReserveAccount.objects.filter(pk=account.pk).update(policy=ReserveAccount.Policy.WARN)
    topup(account, 1)

    placed = hold_place(account_id=account.pk, estimate_micros=3 * DOLLAR, idempotency_key="job-1:hold")

    assert placed.is_over_available is True
    assert fresh(account).available_micros == -2 * DOLLAR


def test_under_limited_only_jobs_within_the_ceiling_run(account):
    ReserveAccount.objects.filter(pk=account.pk).update(
        policy=ReserveAccount.Policy.LIMITED, limited_ceiling_micros=2 * DOLLAR
    )
    topup(account, 10)

    hold_place(account_id=account.pk, estimate_micros=2 * DOLLAR, idempotency_key="small:hold")
    with pytest.raises(InsufficientFunds):
        hold_place(account_id=account.pk, estimate_micros=2 * DOLLAR + 1, idempotency_key="big:hold")

    assert Hold.objects.count() == 1


def test_a_capture_beyond_the_hold_is_charged_in_full_and_the_next_job_is_refused(account):
    topup(account, 5)
    placed = hold_place(account_id=account.pk, estimate_micros=4 * DOLLAR, idempotency_key="job-1:hold")

    hold_capture(hold_id=placed.hold.pk, actual_micros=6 * DOLLAR)

    assert fresh(account).balance_micros == -DOLLAR
    assert Hold.objects.get(pk=placed.hold.pk).overrun_micros == 2 * DOLLAR
    with pytest.raises(InsufficientFunds):
        hold_place(account_id=account.pk, estimate_micros=1, idempotency_key="job-2:hold")


def test_capturing_twice_charges_once_and_a_released_hold_cannot_be_captured(account):
    topup(account, 5)
    first = hold_place(account_id=account.pk, estimate_micros=DOLLAR, idempotency_key="a:hold").hold
    second = hold_place(account_id=account.pk, estimate_micros=DOLLAR, idempotency_key="b:hold").hold

    entry = hold_capture(hold_id=first.pk, actual_micros=500_000)
    again = hold_capture(hold_id=first.pk, actual_micros=500_000)
    hold_release(hold_id=second.pk)

    assert again.pk == entry.pk
    with pytest.raises(HoldNotActive):
        hold_capture(hold_id=second.pk, actual_micros=1)
    account = fresh(account)
    assert (account.balance_micros, account.held_micros) == (4_500_000, 0)
    assert reserve_reconcile() == []


# --- concurrency (real threads, real PostgreSQL row locks) ------------------------------------------


def test_an_expired_hold_gives_its_money_back_and_a_late_capture_still_charges(account):
    from datetime import timedelta

    from django.utils import timezone

    from afterresume.billing.tasks import expire_holds

    topup(account, 10)
    stale = hold_place(account_id=account.pk, estimate_micros=4 * DOLLAR, idempotency_key="job-stale").hold
    fresh_hold = hold_place(
        account_id=account.pk, estimate_micros=3 * DOLLAR, idempotency_key="job-fresh"
    ).hold
    Hold.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    # when the beat task runs
    assert expire_holds() == {"expired": 1}

    # then only the stale hold's money is available again
    assert (fresh(account).held_micros, fresh(account).available_micros) == (3 * DOLLAR, 7 * DOLLAR)
    assert Hold.objects.get(pk=fresh_hold.pk).status == "active"
    assert reserve_reconcile() == []
    # and the job that finally reports back is still charged what it used, once
    entry = hold_capture(hold_id=stale.pk, actual_micros=2 * DOLLAR)
    again = hold_capture(hold_id=stale.pk, actual_micros=2 * DOLLAR)
    assert again.pk == entry.pk
    assert (fresh(account).balance_micros, fresh(account).held_micros) == (8 * DOLLAR, 3 * DOLLAR)
    assert Hold.objects.get(pk=stale.pk).overrun_micros == 2 * DOLLAR
    assert reserve_reconcile() == []
    assert expire_holds() == {"expired": 0}


@pytest.mark.postgresql  # real row locks between threads
@pytest.mark.django_db(transaction=True)
def test_fifty_jobs_racing_for_one_reserve_never_spend_the_same_money_twice(owner):
    # given $10 and 50 jobs, each estimating $1 and costing $0.75: only 10 can hold at once
    account = owner.membership.tenant.reserve
    topup(account, 10)
    barrier = threading.Barrier(50)
    outcomes = []

    def job(number):
        try:
            barrier.wait()
            try:
                placed = hold_place(
                    account_id=account.pk, estimate_micros=DOLLAR, idempotency_key=f"job-{number}:hold"
                )
            except InsufficientFunds as refusal:
                outcomes.append(("refused", refusal.needed_micros))
                return
            hold_capture(hold_id=placed.hold.pk, actual_micros=750_000)
            outcomes.append(("ran", 750_000))
        finally:
            connection.close()

    threads = [threading.Thread(target=job, args=(number,)) for number in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then the books add up exactly, nothing went below zero, and the refused got their answer
    ran = [o for o in outcomes if o[0] == "ran"]
    refused = [o for o in outcomes if o[0] == "refused"]
    account = fresh(account)
    assert len(outcomes) == 50
    assert account.balance_micros == 10 * DOLLAR - len(ran) * 750_000
    assert account.balance_micros == ledger_sum(account)
    assert account.balance_micros >= 0
    assert account.held_micros == 0
    assert 10 <= len(ran) <= 13  # $10 / $0.75 with $1 estimates: at least 10, at most 13 fit
    assert all(needed > 0 for _, needed in refused)
    assert (
        min(LedgerEntry.objects.filter(account=account).values_list("balance_after_micros", flat=True)) >= 0
    )
    assert reserve_reconcile() == []


@pytest.mark.postgresql  # real row locks between threads
@pytest.mark.django_db(transaction=True)
def test_the_same_posting_sent_twenty_times_at_once_credits_once(owner):
    account = owner.membership.tenant.reserve
    barrier = threading.Barrier(20)
    entries = []

    def post():
        try:
            barrier.wait()
            entries.append(topup(account, 25, key="payment:pi_123").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(entries) == 20 and len(set(entries)) == 1
    assert fresh(account).balance_micros == 25 * DOLLAR
    assert LedgerEntry.objects.count() == 1


# --- reconciliation -----------------------------------------------------------------------------------


def test_reconciliation_flags_a_balance_altered_behind_the_ledgers_back(account, outsider):
    topup(account, 10)
    topup(outsider.membership.tenant.reserve, 3, key="other")
    assert reserve_reconcile() == []

    ReserveAccount.objects.filter(pk=account.pk).update(balance_micros=1_000 * DOLLAR)

    problems = reserve_reconcile()
    assert [p["account_id"] for p in problems] == [account.pk]
    assert problems[0]["issues"] == [
        f"ledger sum {10 * DOLLAR} ≠ balance {1_000 * DOLLAR}",
        f"last balance-after {10 * DOLLAR} ≠ balance {1_000 * DOLLAR}",
    ]


def test_reconciliation_flags_held_money_that_no_active_hold_explains(account):
    topup(account, 10)
    ReserveAccount.objects.filter(pk=account.pk).update(held_micros=2 * DOLLAR)

    assert reserve_reconcile()[0]["issues"] == [f"active holds 0 ≠ held {2 * DOLLAR}"]
