from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from afterresume.audit.models import AuditEvent
from afterresume.billing.models import RateCardVersion
from afterresume.billing.pricing import UnpricedUsage, price_usage, rate_card_version_create

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


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
    change = NOW + timedelta(days=3)
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


def test_a_version_cannot_be_slipped_in_before_one_that_has_started(db, operator):
    rate_card_version_create(
        plan="standard",
        effective_from=NOW,
        actor=operator,
        items=[{"meter": "tokens_in", "model": "local", "price_micros": 1}],
    )

    with pytest.raises(ValidationError):
        rate_card_version_create(
            plan="standard",
            effective_from=NOW - timedelta(days=1),
            actor=operator,
            items=[{"meter": "tokens_in", "model": "local", "price_micros": 2}],
        )
    assert RateCardVersion.objects.filter(card__plan="standard").count() == 2


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
