"""Usage events and what they cost (docs/money.md): recorded once, priced with the version in force
when they happened, counted for the status bar, summed by workspace, model and day for operators."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from afterresume.billing.models import RateCardVersion, ReserveAccount, UsageEvent
from afterresume.billing.pricing.rate_cards import rate_card_version_create
from afterresume.billing.pricing.rates import UnpricedUsage
from afterresume.billing.pricing.usage import usage_record
from conftest import token_client

# The seeded "standard" card: local model, $0.50 per 1M tokens in, $1.50 per 1M tokens out.


def record(tenant, key, *, tokens_in=1_000_000, tokens_out=0, model="local", at=None):
    return usage_record(
        tenant=tenant, model=model, tokens_in=tokens_in, tokens_out=tokens_out, idempotency_key=key, at=at
    )


def test_usage_is_priced_once_and_counted_for_the_status_bar(owner):
    tenant = owner.membership.tenant

    first = record(tenant, "step-1", tokens_in=1_000_000, tokens_out=3)
    again = record(tenant, "step-1", tokens_in=1_000_000, tokens_out=3)

    # 500,000 µ$ for the input, 3 * 1.5 = 4.5 µ$ for the output, rounded up once: 500,005
    assert first.cost_micros == 500_005
    assert again.pk == first.pk
    assert UsageEvent.objects.count() == 1
    bar = token_client(owner).get("/api/status/bar/").json()
    assert (bar["tokens_in"], bar["tokens_out"]) == (1_000_000, 3)


def test_usage_is_priced_with_the_version_in_force_when_it_happened(owner):
    tenant = owner.membership.tenant
    change = timezone.now() + timedelta(hours=1)
    rate_card_version_create(
        plan="standard",
        effective_from=change,
        items=[{"meter": "tokens_in", "model": "local", "price_micros": 2_000_000}],
    )

    before = record(tenant, "before", at=change - timedelta(minutes=1))
    after = record(tenant, "after", at=change + timedelta(minutes=1))

    assert (before.cost_micros, after.cost_micros) == (500_000, 2_000_000)
    assert after.rate_card_version == RateCardVersion.objects.get(effective_from=change)


def test_a_model_without_a_price_is_refused_and_nothing_is_recorded(owner):
    with pytest.raises(UnpricedUsage):
        record(owner.membership.tenant, "step-1", model="gpt-unpriced")
    assert not UsageEvent.objects.exists()
    assert ReserveAccount.objects.get(tenant=owner.membership.tenant).tokens_in_total == 0


def test_operators_see_usage_costs_by_workspace_model_and_day(owner, outsider, operator):
    mine, theirs = owner.membership.tenant, outsider.membership.tenant
    today = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    record(mine, "a", at=today, tokens_in=1_000_000)
    record(mine, "b", at=today, tokens_in=1_000_000, tokens_out=1_000_000)
    record(mine, "c", at=yesterday, tokens_in=2_000_000)
    record(theirs, "d", at=today, tokens_in=10)

    response = token_client(operator).get("/api/billing/admin/usage/costs/")

    assert response.status_code == 200
    body = response.json()
    rows = [
        (r["day"], r["tenant_name"], r["events"], r["tokens_in"], r["tokens_out"], r["cost_micros"])
        for r in body["rows"]
    ]
    day, before = today.date().isoformat(), yesterday.date().isoformat()
    expected_today = sorted(
        [(day, mine.name, 2, 2_000_000, 1_000_000, 2_500_000), (day, theirs.name, 1, 10, 0, 5)],
        key=lambda row: row[1],
    )
    assert rows == [*expected_today, (before, mine.name, 1, 2_000_000, 0, 1_000_000)]
    assert body["totals"] == {
        "events": 4,
        "tokens_in": 4_000_010,
        "tokens_out": 1_000_000,
        "cost_micros": 3_500_005,
        "cost_dollars": "3.500005",
    }
    assert body["rows"][-1]["cost_dollars"] == "1.000000"


def test_usage_costs_filter_by_dates_and_workspace(owner, outsider, operator):
    mine = owner.membership.tenant
    old = datetime(2026, 1, 15, 9, tzinfo=UTC)
    record(mine, "old", at=old)
    record(mine, "new")
    record(outsider.membership.tenant, "other")
    api = token_client(operator)

    january = api.get("/api/billing/admin/usage/costs/", {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    only_mine = api.get("/api/billing/admin/usage/costs/", {"tenant": mine.pk})

    assert [row["day"] for row in january.json()["rows"]] == ["2026-01-15"]
    assert {row["tenant_id"] for row in only_mine.json()["rows"]} == {mine.pk}
    assert only_mine.json()["totals"]["events"] == 1  # the January one is outside the last 30 days


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_from"),
        ({"date_from": "2025-01-01", "date_to": "2026-06-01"}, "date_to"),
        ({"date_from": "yesterday"}, "date_from"),
    ],
)
def test_a_bad_usage_cost_period_is_a_clear_400(operator, query, field):
    response = token_client(operator).get("/api/billing/admin/usage/costs/", query)

    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_usage_costs_are_for_operators_only(owner):
    assert token_client(owner).get("/api/billing/admin/usage/costs/").status_code == 403


def test_an_empty_period_answers_zero_totals(operator):
    body = token_client(operator).get("/api/billing/admin/usage/costs/").json()
    assert body["rows"] == []
    assert body["totals"]["cost_dollars"] == "0.000000"


@pytest.mark.parametrize("count", [0, 1, 3, 4, 5, 17])
def test_a_jobs_usage_cut_into_chunks_sums_to_the_whole_and_nothing_of_another_job(owner, outsider, count):
    from afterresume.billing.pricing.usage import usage_of_job_chunk

    tenant = owner.membership.tenant
    for n in range(count):  # the job's events interleaved with another job's, and with gaps
        usage_record(
            tenant=tenant,
            model="local",
            tokens_in=1_000 * (n + 1),
            tokens_out=7,
            idempotency_key=f"job:1:s:{n}",
            job_reference="job:1",
        )
        usage_record(
            tenant=outsider.membership.tenant,
            model="local",
            tokens_in=5,
            tokens_out=5,
            idempotency_key=f"job:2:s:{n}",
            job_reference="job:2",
        )
    mine = UsageEvent.objects.filter(job_reference="job:1")

    parts = [usage_of_job_chunk(job_reference="job:1", chunk=chunk, chunks=4) for chunk in range(4)]

    assert sum(part["events"] for part in parts) == count == mine.count()
    assert sum(part["cost_micros"] for part in parts) == sum(event.cost_micros for event in mine)
