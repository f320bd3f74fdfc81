import csv
import io

import pytest

from afterresume.audit.models import AuditEvent
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.tenants.models import Membership
from conftest import token_client


def credit(user, micros, key, kind=LedgerEntry.Kind.TOPUP):
    return ledger_post(
        account_id=user.membership.tenant.reserve.pk, kind=kind, amount_micros=micros, idempotency_key=key
    )


def test_the_balance_is_exact_integers_and_a_decimal_string_never_a_float(owner):
    credit(owner, 12_345_678, "t1")

    body = token_client(owner).get("/api/billing/reserve/balance/").json()

    assert body["balance_micros"] == 12_345_678
    assert body["balance_cents"] == 1234
    assert body["balance_dollars"] == "12.34"
    assert body["is_low_balance"] is False
    assert not any(isinstance(value, float) for value in body.values())


def test_a_balance_under_the_threshold_is_low(owner):
    credit(owner, 4_999_999, "t1")

    assert token_client(owner).get("/api/billing/reserve/balance/").json()["is_low_balance"] is True


def test_the_status_bar_reads_the_counters(owner):
    credit(owner, 25_000_000, "t1")

    body = token_client(owner).get("/api/status/bar/").json()

    assert {
        k: body[k]
        for k in (
            "reserve_balance_micros",
            "reserve_balance_cents",
            "reserve_balance_dollars",
            "is_low_balance",
            "tokens_in",
            "tokens_out",
            "jobs_running",
        )
    } == {
        "reserve_balance_micros": 25_000_000,
        "reserve_balance_cents": 2500,
        "reserve_balance_dollars": "25.00",
        "is_low_balance": False,
        "tokens_in": 0,
        "tokens_out": 0,
        "jobs_running": 0,
    }
    assert body["updated_at"]


def test_the_ledger_lists_the_workspaces_entries_newest_first_with_filters(owner, teammate, outsider):
    credit(owner, 10_000_000, "t1")
    credit(owner, 2_000_000, "g1", kind=LedgerEntry.Kind.GRANT)
    credit(outsider, 99_000_000, "other")

    everything = token_client(teammate).get("/api/billing/reserve/ledger/").json()
    grants = token_client(owner).get("/api/billing/reserve/ledger/?kind=grant").json()

    assert [(e["kind"], e["amount_dollars"], e["is_paid_money"]) for e in everything["results"]] == [
        ("grant", "2.00", False),
        ("topup", "10.00", True),
    ]
    assert everything["count"] == 2
    assert [e["kind"] for e in grants["results"]] == ["grant"]


def test_owners_change_the_reserve_settings_and_members_cannot(owner, teammate):
    refused = token_client(teammate).patch("/api/billing/profile/", {"policy": "warn"}, format="json")
    changed = token_client(owner).patch(
        "/api/billing/profile/", {"policy": "warn", "low_balance_threshold_dollars": "1.00"}, format="json"
    )

    assert refused.status_code == 403
    assert changed.status_code == 200
    account = ReserveAccount.objects.get(tenant=owner.membership.tenant)
    assert (account.policy, account.low_balance_threshold_micros) == ("warn", 1_000_000)
    assert AuditEvent.objects.filter(action="billing.settings_changed").count() == 1
    assert teammate.membership.role == Membership.Role.MEMBER


def test_an_operator_adjusts_a_reserve_with_a_reason_and_it_is_audited(owner, operator):
    credit(owner, 10_000_000, "t1")
    tenant = owner.membership.tenant

    response = token_client(operator).post(
        "/api/billing/admin/reserve/adjust/",
        {"tenant_id": tenant.pk, "amount_dollars": "-5.00", "reason": "goodwill correction"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["balance_dollars"] == "5.00"
    entry = LedgerEntry.objects.get(kind="adjustment")
    assert (entry.amount_micros, entry.memo, entry.actor_id) == (
        -5_000_000,
        "goodwill correction",
        operator.pk,
    )
    event = AuditEvent.objects.get(action="reserve.adjusted")
    assert (event.actor, event.tenant, event.category) == (operator, tenant, "billing")


def test_an_adjustment_needs_a_reason_a_non_zero_amount_and_an_operator(owner, operator):
    tenant_id = owner.membership.tenant.pk
    client = token_client(operator)

    no_reason = client.post(
        "/api/billing/admin/reserve/adjust/", {"tenant_id": tenant_id, "amount_dollars": "5"}, format="json"
    )
    zero = client.post(
        "/api/billing/admin/reserve/adjust/",
        {"tenant_id": tenant_id, "amount_dollars": "0", "reason": "nothing at all"},
        format="json",
    )
    too_fine = client.post(
        "/api/billing/admin/reserve/adjust/",
        {"tenant_id": tenant_id, "amount_dollars": "0.0000001", "reason": "x" * 6},
        format="json",
    )
    not_staff = token_client(owner).post(
        "/api/billing/admin/reserve/adjust/",
        {"tenant_id": tenant_id, "amount_dollars": "100", "reason": "free money"},
        format="json",
    )

    assert no_reason.json()["extra"]["fields"] == {"reason": ["This field is required."]}
    assert zero.json()["extra"]["fields"] == {"amount_dollars": ["An adjustment cannot be zero."]}
    assert too_fine.status_code == 400
    assert not_staff.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_the_ledger_export_streams_every_row_as_csv(owner, outsider, operator):
    credit(owner, 10_000_000, "t1")
    credit(outsider, 3_000_000, "t2")

    response = token_client(operator).get("/api/billing/admin/ledger/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "created_at", "tenant_id", "kind", "amount_micros"]
    assert [(r[2], r[3], r[4]) for r in rows[1:]] == [
        (str(owner.membership.tenant_id), "topup", "10000000"),
        (str(outsider.membership.tenant_id), "topup", "3000000"),
    ]


def test_the_admin_summary_shows_paid_money_apart_from_grants(owner, outsider, operator):
    credit(owner, 10_000_000, "t1")
    credit(outsider, 2_000_000, "g1", kind=LedgerEntry.Kind.GRANT)

    body = token_client(operator).get("/api/billing/admin/reserve/summary/").json()

    assert (body["paid_in_micros"], body["granted_micros"], body["total_balance_micros"]) == (
        10_000_000,
        2_000_000,
        12_000_000,
    )
    # under the $5 threshold: the outsider ($2) and the operator's own empty workspace; not the owner ($10)
    assert body["low_balance_accounts"] == ReserveAccount.objects.count() - 1 == 2


def test_operators_see_the_reconciliation_status(owner, operator):
    credit(owner, 10_000_000, "t1")
    ReserveAccount.objects.filter(tenant=owner.membership.tenant).update(balance_micros=1)

    body = token_client(operator).get("/api/billing/admin/reconciliation/").json()

    assert [m["tenant_id"] for m in body["mismatches"]] == [owner.membership.tenant_id]


def test_operators_read_any_workspaces_ledger_and_nobody_else_does(owner, operator):
    credit(owner, 7_000_000, "t1")
    url = f"/api/billing/admin/reserve/ledger/?tenant_id={owner.membership.tenant_id}"

    seen = token_client(operator).get(url)
    refused = token_client(owner).get(url)

    assert [e["amount_dollars"] for e in seen.json()["results"]] == ["7.00"]
    assert refused.status_code == 403


def test_the_status_bar_costs_the_same_few_queries_however_long_the_ledger(
    owner, django_assert_max_num_queries
):
    client = token_client(owner)
    client.get("/api/status/bar/")  # the token's last-used time is written once a minute at most
    credit(owner, 1_000_000, "first")
    with django_assert_max_num_queries(3) as few:
        client.get("/api/status/bar/")
    for n in range(200):
        credit(owner, 1_000_000, f"more-{n}")
    with django_assert_max_num_queries(3) as many:
        client.get("/api/status/bar/")

    # the token, the membership with its workspace, the reserve's counters: no aggregate
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any("SUM(" in query["sql"].upper() for query in many.captured_queries)


@pytest.mark.urls("afterresume.billing.tests.urls_for_funds")
def test_a_request_the_reserve_cannot_cover_answers_402_with_the_amount_needed(owner):
    credit(owner, 1_000_000, "t1")  # $1.00 under the default policy, block

    covered = token_client(owner).post(
        "/api/test/hold/", {"estimate_micros": 400_000, "key": "a"}, format="json"
    )
    refused = token_client(owner).post(
        "/api/test/hold/", {"estimate_micros": 1_234_567, "key": "b"}, format="json"
    )

    assert covered.status_code == 201
    assert refused.status_code == 402
    body = refused.json()
    # $0.60 available, $1.234567 asked: $0.634567 short, so at least $0.64 to top up
    assert body["message"] == "The reserve cannot cover this: top up at least 0.64 USD."
    assert body["extra"] == {"needed_micros": 634_567, "available_micros": 600_000, "needed_dollars": "0.64"}
    assert body["request_id"]


@pytest.mark.urls("afterresume.billing.tests.urls_for_funds")
def test_a_job_above_the_limit_per_job_is_refused_with_what_helps_not_a_top_up(owner):
    credit(owner, 100_000_000, "t1")
    ReserveAccount.objects.filter(tenant=owner.membership.tenant).update(
        policy="limited", limited_ceiling_micros=1_000_000
    )

    refused = token_client(owner).post(
        "/api/test/hold/", {"estimate_micros": 3_000_000, "key": "a"}, format="json"
    )

    assert refused.status_code == 402
    assert refused.json()["message"] == (
        "This job's estimate (3.00 USD) is above this workspace's limit per job (1.00 USD): an owner can "
        "raise it in the billing settings."
    )
    assert refused.json()["extra"] == {"estimate_micros": 3_000_000, "ceiling_micros": 1_000_000}


def test_each_owner_only_change_refuses_a_member_with_what_only_owners_do_and_changes_nothing(
    owner, teammate, settings
):
    settings.STRIPE_SIMULATED = True
    member = token_client(teammate)

    settings_change = member.patch("/api/billing/profile/", {"policy": "warn"}, format="json")
    portal = member.post("/api/billing/portal/session/")
    card = member.post(
        "/api/billing/topup/session/", {"amount_dollars": "5", "save_card": True}, format="json"
    )
    # a wrong amount is a 400 whoever asks: the amount is checked before who saves the card
    wrong_amount = member.post(
        "/api/billing/topup/session/", {"amount_dollars": "0.5", "save_card": True}, format="json"
    )
    read = member.get("/api/billing/profile/")

    assert [(r.status_code, r.json()["message"]) for r in (settings_change, portal, card)] == [
        (403, "Only the workspace's owners change billing settings."),
        (403, "Only the workspace's owners manage payment details."),
        (403, "Only the workspace's owners save a card for automatic top-ups."),
    ]
    assert wrong_amount.status_code == 400
    assert (read.status_code, read.json()["policy"]) == (200, "block")
    assert ReserveAccount.objects.get(tenant=owner.membership.tenant).policy == "block"
    assert not AuditEvent.objects.filter(category="billing").exists()
