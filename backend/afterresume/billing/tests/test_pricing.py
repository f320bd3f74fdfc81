from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from afterresume.audit.models import AuditEvent
from afterresume.billing.models import RateCard, RateCardVersion
from afterresume.billing.pricing.rate_cards import rate_card_version_create
from afterresume.billing.pricing.rates import UnpricedUsage, price_usage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FUTURE = timezone.now().replace(microsecond=0) + timedelta(days=3)


def test_the_standard_plan_prices_the_local_model_out_of_the_box(db):
    cost = price_usage(
        plan="standard", model="local", quantities={"tokens_in": 1_000_000, "tokens_out": 2_000_000}, at=NOW
    )

    assert cost == 500_000 + 3_000_000  # $0.50 + $3.00


def test_a_cost_is_rounded_up_to_a_whole_micro_dollar_once_per_event(db):
    # 3 input tokens at $0.50/M = 1.5 µ$, 1 output token at $1.50/M = 1.5 µ$: 3 µ$ exactly, not 2 + 2
    assert (
        price_usage(plan="standard", model="local", quantities={"tokens_in": 3, "tokens_out": 1}, at=NOW) == 3
    )
    # 1 input token = 0.5 µ$ -> 1 µ$
    assert price_usage(plan="standard", model="local", quantities={"tokens_in": 1}, at=NOW) == 1


def test_usage_is_priced_with_the_version_in_force_when_it_happened(db, operator):
    change = FUTURE
    rate_card_version_create(
        plan="standard",
        effective_from=change,
        actor=operator,
        note="new prices",
        items=[{"meter": "tokens_in", "model": "local", "price_micros": 2_000_000}],
    )

    before = price_usage(
        plan="standard", model="local", quantities={"tokens_in": 1_000_000}, at=change - timedelta(seconds=1)
    )
    after = price_usage(plan="standard", model="local", quantities={"tokens_in": 1_000_000}, at=change)

    assert (before, after) == (500_000, 2_000_000)
    old = RateCardVersion.objects.get(note="launch prices")
    assert old.effective_to == change
    assert AuditEvent.objects.filter(action="rate_card.version_created", actor=operator).count() == 1


def test_a_version_cannot_be_slipped_in_before_a_later_one(db, operator):
    later = FUTURE + timedelta(days=10)
    rate_card_version_create(
        plan="standard",
        effective_from=later,
        actor=operator,
        items=[{"meter": "tokens_in", "model": "local", "price_micros": 1}],
    )

    with pytest.raises(ValidationError):
        rate_card_version_create(
            plan="standard",
            effective_from=later - timedelta(days=1),
            actor=operator,
            items=[{"meter": "tokens_in", "model": "local", "price_micros": 2}],
        )
    assert RateCardVersion.objects.filter(card__plan="standard").count() == 2


def test_prices_never_change_backwards(db, operator):
    with pytest.raises(ValidationError, match="cannot start in the past"):
        rate_card_version_create(
            plan="standard",
            effective_from=timezone.now() - timedelta(hours=1),
            actor=operator,
            items=[{"meter": "tokens_in", "model": "local", "price_micros": 2}],
        )
    assert RateCardVersion.objects.filter(card__plan="standard").count() == 1


def test_usage_of_a_model_without_a_price_is_refused_rather_than_free(db):
    with pytest.raises(UnpricedUsage, match="gpt-x"):
        price_usage(plan="standard", model="gpt-x", quantities={"tokens_in": 10}, at=NOW)


def test_usage_before_any_price_was_in_force_is_refused(db):
    with pytest.raises(UnpricedUsage, match="No rate card"):
        price_usage(
            plan="standard", model="local", quantities={"tokens_in": 10}, at=datetime(2020, 1, 1, tzinfo=UTC)
        )


def test_an_estimate_is_priced_by_the_same_function(db):
    estimate = price_usage(
        plan="standard", model="local", quantities={"tokens_in": 4_000, "tokens_out": 1_000}, at=NOW
    )

    assert estimate == 2_000 + 1_500


def test_operators_list_rate_cards_and_add_a_version_through_the_api(operator, owner):
    from conftest import token_client

    client = token_client(operator)
    created = client.post(
        "/api/billing/admin/rate-cards/",
        {
            "plan": "standard",
            "effective_from": FUTURE.isoformat(),
            "note": "2027 prices",
            "items": [
                {"meter": "tokens_in", "model": "local", "price_dollars": "0.40"},
                {"meter": "tokens_out", "model": "local", "price_dollars": "1.20"},
            ],
        },
        format="json",
    )
    listed = client.get("/api/billing/admin/rate-cards/").json()["versions"]
    refused = token_client(owner).get("/api/billing/admin/rate-cards/")

    assert created.status_code == 201
    assert [(v["note"], v["effective_to"]) for v in listed] == [
        ("2027 prices", None),
        ("launch prices", FUTURE.isoformat()),
    ]
    assert listed[0]["items"][0] == {
        "meter": "tokens_in",
        "model": "local",
        "price_micros": 400_000,
        "per_quantity": 1_000_000,
    }
    assert refused.status_code == 403


def test_a_version_with_a_repeated_or_negative_line_is_refused(operator):
    from conftest import token_client

    client = token_client(operator)
    repeated = client.post(
        "/api/billing/admin/rate-cards/",
        {
            "effective_from": FUTURE.isoformat(),
            "items": [
                {"meter": "tokens_in", "model": "local", "price_dollars": "0.000001"},
                {"meter": "tokens_in", "model": "local", "price_dollars": "0.000002"},
            ],
        },
        format="json",
    )
    negative = client.post(
        "/api/billing/admin/rate-cards/",
        {
            "effective_from": FUTURE.isoformat(),
            "items": [{"meter": "tokens_in", "model": "local", "price_dollars": "-0.000001"}],
        },
        format="json",
    )

    assert repeated.status_code == 400
    assert negative.status_code == 400
    assert RateCardVersion.objects.count() == 1


def test_each_rate_card_version_comes_with_its_state_scheduled_in_force_or_ended(operator):
    from conftest import token_client

    # given the launch prices in force, new prices from in three days, and another plan's version
    # that ended yesterday
    rate_card_version_create(
        plan="standard",
        effective_from=FUTURE,
        actor=operator,
        note="2027 prices",
        items=[{"meter": "tokens_in", "model": "local", "price_micros": 400_000}],
    )
    yesterday = timezone.now() - timedelta(days=1)
    RateCardVersion.objects.create(
        card=RateCard.objects.create(plan="trial"),
        effective_from=yesterday - timedelta(days=30),
        effective_to=yesterday,
        note="trial prices",
    )

    # when an operator lists them
    listed = token_client(operator).get("/api/billing/admin/rate-cards/").json()["versions"]

    # then the backend says where each stands now
    assert [(v["plan"], v["note"], v["status"]) for v in listed] == [
        ("standard", "2027 prices", "scheduled"),
        ("standard", "launch prices", "in-force"),
        ("trial", "trial prices", "ended"),
    ]
