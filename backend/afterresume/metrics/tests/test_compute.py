"""metrics.compute: a day's snapshots for a seeded set of workspaces equal figures worked out here
by hand; computing the day again gives the same rows; a workspace whose part fails fails only its
part, and the run says which; backfill by API and by command; operators only (404 otherwise)."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.billing.pricing.usage import usage_record
from afterresume.invites.models import InvitePasskeyRedemption
from afterresume.jobs.models import Job
from afterresume.metrics.models import MetricRun, MetricSnapshot
from afterresume.metrics.services import metrics_run_start
from afterresume.tenants.models import Membership
from afterresume.tenants.services import membership_create, tenant_create_with_owner
from afterresume.worklogs.models import WorkLog
from afterresume.worklogs.services import worklog_create
from conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)
MICROS = 1_000_000


def wait_for_run(run_id: int, timeout: float = 30) -> MetricRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = MetricRun.objects.get(pk=run_id)
        if run.status != MetricRun.Status.RUNNING:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not end in {timeout} s")


def entry(user, created_at: datetime, text: str = "Worked") -> WorkLog:
    made = worklog_create(
        tenant=user.membership.tenant, author=user, date=created_at.date(), content=text, tags=[]
    )
    WorkLog.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def job(user, kind: str, status: str, started_at: datetime, seconds: float) -> Job:
    return Job.objects.create(
        tenant=user.membership.tenant,
        author=user,
        kind=kind,
        status=status,
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=seconds),
    )


def post(user, kind: str, micros: int, key: str) -> None:
    account = ReserveAccount.objects.get(tenant=user.membership.tenant)
    ledger_post(
        account_id=account.pk, kind=kind, amount_micros=micros, idempotency_key=key, allow_negative=True
    )


def usage(user, at: datetime, tokens_in: int, tokens_out: int, key: str) -> int:
    """A call recorded the way the LLM entry point records it; its price, as recorded."""
    return usage_record(
        tenant=user.membership.tenant,
        model="local",
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        idempotency_key=key,
        at=at,
    ).cost_micros


def workspace(email: str, name: str) -> User:
    user = make_user(email)
    tenant_create_with_owner(owner=user, name=name)
    return user


@pytest.fixture
def seeded(invite):
    """Three workspaces with a known day (today, UTC, so far): what each did, and when."""
    now = timezone.now()
    today = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    early = today + timedelta(seconds=1)  # inside today whatever the hour
    ada = workspace("ada@example.com", "Ada's")
    bob = workspace("bob@example.com", "Bob's")
    bea = make_user("bea@example.com")  # Bob's teammate
    membership_create(tenant=bob.membership.tenant, user=bea, role=Membership.Role.MEMBER)
    cy = workspace("cy@example.com", "Cy's")  # nothing today; active 10 days ago only

    # entries: Ada 3 today, Bob 1 today + 1 six days ago, Bea 1 twenty days ago, Cy 1 ten days ago
    for n in range(3):
        entry(ada, early, f"Ada {n}")
    entry(bob, early)
    entry(bob, today - timedelta(days=6))
    entry(bea, today - timedelta(days=20))
    entry(cy, today - timedelta(days=10))
    entry(cy, today - timedelta(days=40))  # outside every window
    entry(ada, today - timedelta(seconds=1), "yesterday's last second: not today")

    # jobs that ended today: Ada 2 enhance succeeded (1 s, 3 s), 1 report failed (10 s); Bob 1 enhance (2 s)
    job(ada, "worklog.enhance", "succeeded", early, 1)
    job(ada, "worklog.enhance", "succeeded", early, 3)
    job(ada, "report.generate", "failed", early, 10)
    job(bob, "worklog.enhance", "succeeded", early, 2)
    Job.objects.filter(author=bob).update(created_at=today - timedelta(days=2))  # Bob started it earlier

    # money today: Ada top-up $25 and usage $0.0125; Bob top-up $10 twice, usage $3; Cy nothing
    post(ada, LedgerEntry.Kind.TOPUP, 25 * MICROS, "ada-topup")
    post(ada, LedgerEntry.Kind.USAGE, -12_500, "ada-usage")
    post(bob, LedgerEntry.Kind.TOPUP, 10 * MICROS, "bob-topup-1")
    post(bob, LedgerEntry.Kind.TOPUP, 10 * MICROS, "bob-topup-2")
    post(bob, LedgerEntry.Kind.USAGE, -3 * MICROS, "bob-usage")
    prices = {
        "ada": usage(ada, early, 1000, 200, "ada-call-1"),
        "ada-yesterday": usage(ada, today - timedelta(days=1), 5, 5, "ada-call-yesterday"),
        "bob": usage(bob, early, 300, 100, "bob-call-1"),
    }
    assert all(price > 0 for price in prices.values())

    # sign-ups through the invite passkey today: Bea (Bob's) and Cy
    passkey, _ = invite
    InvitePasskeyRedemption.objects.create(passkey=passkey, user=bea, tenant=bob.membership.tenant)
    InvitePasskeyRedemption.objects.create(passkey=passkey, user=cy, tenant=cy.membership.tenant)
    return {"ada": ada, "bob": bob, "cy": cy, "passkey": passkey, "day": now.date(), "prices": prices}


def expected_ada(seeded) -> dict:
    return {
        "entries": 3,
        "active_users": {"day": 1, "week": 1, "month": 1},
        "signups": {},
        "jobs": {"worklog.enhance": {"succeeded": 2}, "report.generate": {"failed": 1}},
        "topups": {"count": 1, "micros": 25 * MICROS},
        "usage_revenue_micros": 12_500,
        "usage": {
            "calls": 1,
            "tokens_in": 1000,
            "tokens_out": 200,
            "priced_micros": seeded["prices"]["ada"],
            "provider_cost_micros": 0,  # the local provider costs nothing
        },
        "margin_micros": 12_500,
        "balance_micros": 25 * MICROS - 12_500,
        "low_balance_threshold_micros": 5 * MICROS,
        "is_at_risk": False,
    }


def expected_bob(seeded) -> dict:
    passkey_id = seeded["passkey"].pk
    return {
        "entries": 1,
        # Bob today; Bea's entry 20 days ago counts for the month only
        "active_users": {"day": 1, "week": 1, "month": 2},
        "signups": {str(passkey_id): 1},
        "jobs": {"worklog.enhance": {"succeeded": 1}},
        "topups": {"count": 2, "micros": 20 * MICROS},
        "usage_revenue_micros": 3 * MICROS,
        "usage": {
            "calls": 1,
            "tokens_in": 300,
            "tokens_out": 100,
            "priced_micros": seeded["prices"]["bob"],
            "provider_cost_micros": 0,
        },
        "margin_micros": 3 * MICROS,
        "balance_micros": 17 * MICROS,
        "low_balance_threshold_micros": 5 * MICROS,
        "is_at_risk": False,
    }


def expected_cy(seeded) -> dict:
    passkey_id = seeded["passkey"].pk
    return {
        "entries": 0,
        "active_users": {"day": 0, "week": 0, "month": 1},
        "signups": {str(passkey_id): 1},
        "jobs": {},
        "topups": {"count": 0, "micros": 0},
        "usage_revenue_micros": 0,
        "usage": {"calls": 0, "tokens_in": 0, "tokens_out": 0, "priced_micros": 0, "provider_cost_micros": 0},
        "margin_micros": 0,
        "balance_micros": 0,
        "low_balance_threshold_micros": 5 * MICROS,
        "is_at_risk": True,
    }


def rows_of(day) -> dict:
    return {
        row.tenant_id: (row.figures, row.is_final)
        for row in MetricSnapshot.objects.filter(day=day).order_by("tenant_id")
    }


def test_a_days_snapshots_equal_the_figures_worked_out_by_hand(worker, seeded, operator):
    day, passkey_id = seeded["day"], seeded["passkey"].pk

    run = wait_for_run(metrics_run_start(day=day, trigger=MetricRun.Trigger.HOURLY).pk)

    assert run.status == MetricRun.Status.SUCCEEDED and run.error == "" and run.failed_tenants == []
    assert run.is_final is False  # today, so far
    tenant_of = {name: seeded[name].membership.tenant_id for name in ("ada", "bob", "cy")}
    rows = rows_of(day)
    assert rows[tenant_of["ada"]] == (expected_ada(seeded), False)
    assert rows[tenant_of["bob"]] == (expected_bob(seeded), False)
    assert rows[tenant_of["cy"]] == (expected_cy(seeded), False)
    # the operators' own workspace (made by the invite fixture) has its row too: nothing in it
    operators = rows[operator.membership.tenant_id][0]
    assert operators["entries"] == 0 and operators["is_at_risk"] is True

    platform, is_final = rows[None]
    assert is_final is False
    assert platform["workspaces"] == 4 and platform["workspaces_failed"] == []
    assert platform["entries"] == 3 + 1
    assert platform["active_users"] == {"day": 2, "week": 2, "month": 4}
    assert platform["signups"] == {str(passkey_id): 2} and platform["signups_total"] == 2
    assert platform["jobs"] == {"report.generate": {"failed": 1}, "worklog.enhance": {"succeeded": 3}}
    # nearest rank: enhance durations 1, 2, 3 s → the third; the report's only one
    assert platform["job_p95_ms"] == {"report.generate": 10_000, "worklog.enhance": 3_000}
    assert platform["topups"] == {"count": 3, "micros": 45 * MICROS}
    assert platform["usage_revenue_micros"] == 3 * MICROS + 12_500
    assert platform["usage"] == {
        "calls": 2,
        "tokens_in": 1300,
        "tokens_out": 300,
        "priced_micros": seeded["prices"]["ada"] + seeded["prices"]["bob"],
        "provider_cost_micros": 0,
    }
    assert platform["margin_micros"] == 3 * MICROS + 12_500
    assert platform["balance_micros"] == 42 * MICROS - 12_500
    assert platform["at_risk"] == 2  # Cy and the operators, at $0 under their $5 threshold


def test_computing_a_day_again_replaces_its_rows_with_identical_ones(worker, seeded):
    day = seeded["day"]
    until = timezone.now()
    first = wait_for_run(metrics_run_start(day=day, trigger=MetricRun.Trigger.HOURLY, until=until).pk)
    before = rows_of(day)

    second = wait_for_run(metrics_run_start(day=day, trigger=MetricRun.Trigger.BACKFILL, until=until).pk)

    assert first.status == second.status == MetricRun.Status.SUCCEEDED
    assert rows_of(day) == before
    assert MetricSnapshot.objects.filter(day=day).count() == len(before) == 5
    assert set(MetricSnapshot.objects.filter(day=day).values_list("run_id", flat=True)) == {second.pk}


def test_a_workspace_whose_part_fails_fails_only_that_part_and_the_run_names_it(worker, seeded, settings):
    settings.METRICS_TENANTS_PER_STEP = 2  # the failing workspace shares its step with another
    day = seeded["day"]
    broken = seeded["cy"].membership.tenant_id
    # a workspace without its reserve account (an invariant broken by hand in the database)
    ReserveAccount.objects.filter(tenant_id=broken).delete()
    MetricSnapshot.objects.create(
        day=day, tenant_id=broken, figures={"stale": True}, computed_at=timezone.now()
    )

    run = wait_for_run(metrics_run_start(day=day, trigger=MetricRun.Trigger.HOURLY).pk)

    assert run.status == MetricRun.Status.FAILED
    assert run.failed_tenants == [{"tenant_id": broken, "error": "The workspace has no reserve account."}]
    assert run.error == (
        f"The figures of 1 of 4 workspaces could not be computed (workspace {broken}: "
        "The workspace has no reserve account.)."
    )
    rows = rows_of(day)
    assert broken not in rows  # its stale row is gone, not left looking current
    assert rows[seeded["ada"].membership.tenant_id][0] == expected_ada(seeded)
    assert rows[seeded["bob"].membership.tenant_id][0] == expected_bob(seeded)
    platform = rows[None][0]
    assert platform["workspaces"] == 3 and platform["workspaces_failed"] == [broken]
    assert platform["signups_total"] == 1  # Cy's sign-up is in the failed part


def test_a_day_that_has_ended_is_final_and_a_backfill_command_computes_it_here(seeded):
    yesterday = seeded["day"] - timedelta(days=1)

    call_command("metrics_backfill", "--from", yesterday.isoformat(), "--to", yesterday.isoformat(), "--here")

    run = MetricRun.objects.get(day=yesterday)
    assert run.status == MetricRun.Status.SUCCEEDED and run.is_final and run.trigger == "backfill"
    ada = MetricSnapshot.objects.get(day=yesterday, tenant=seeded["ada"].membership.tenant)
    # yesterday Ada logged one entry (its last second) and made one call; no money moved
    assert ada.is_final
    assert ada.figures["entries"] == 1
    assert ada.figures["usage"] == {
        "calls": 1,
        "tokens_in": 5,
        "tokens_out": 5,
        "priced_micros": seeded["prices"]["ada-yesterday"],
        "provider_cost_micros": 0,
    }
    assert ada.figures["balance_micros"] == 0


def test_the_margin_is_revenue_less_what_the_provider_charges_per_model(worker, seeded, settings):
    # the provider charges $2 per million tokens in and $7 per million out for the model used
    settings.LLM_PROVIDER_COSTS = {"local": {"tokens_in": 2 * MICROS, "tokens_out": 7 * MICROS}}
    day = seeded["day"]

    run = wait_for_run(metrics_run_start(day=day, trigger=MetricRun.Trigger.HOURLY).pk)

    assert run.status == MetricRun.Status.SUCCEEDED
    rows = rows_of(day)
    ada = rows[seeded["ada"].membership.tenant_id][0]
    bob = rows[seeded["bob"].membership.tenant_id][0]
    # Ada: 1,000 in and 200 out → 2,000 + 1,400 µ$; charged 12,500 µ$
    assert (ada["usage"]["provider_cost_micros"], ada["margin_micros"]) == (3_400, 9_100)
    # Bob: 300 in and 100 out → 600 + 700 µ$; charged $3
    assert (bob["usage"]["provider_cost_micros"], bob["margin_micros"]) == (1_300, 3 * MICROS - 1_300)
    platform = rows[None][0]
    assert platform["usage"]["provider_cost_micros"] == 4_700
    assert platform["margin_micros"] == 3 * MICROS + 12_500 - 4_700
