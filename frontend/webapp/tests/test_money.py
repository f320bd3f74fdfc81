"""Money as pages show it (issue 9, item 5): one formatter for micro-dollars, Decimal only, cents
rounded toward zero on both sides of zero; summary cards say "$". Money as the backend takes it:
decimal dollars as strings, exactly."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template

from webapp.core.money import dollars, dollars_sent, dollars_text, micros


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (0, "0.00"),
        (1, "0.00"),
        (-1, "0.00"),
        (9_999, "0.00"),
        (-9_999, "0.00"),
        (10_000, "0.01"),
        (-10_000, "-0.01"),
        (1_999_999, "1.99"),
        (-1_999_999, "-1.99"),
        (-5_000_000, "-5.00"),
    ],
)
def test_micro_dollars_are_shown_to_the_cent_rounded_toward_zero_whatever_the_sign(micros, shown):
    assert dollars_text(micros) == shown
    assert dollars(micros) == Decimal(shown)


@pytest.mark.parametrize(
    ("micros", "shown"),
    [(1, "0.000001"), (500_000, "0.50"), (-750, "-0.00075"), (1_234_500_000, "1,234.50")],
)
def test_exact_amounts_keep_every_micro_dollar(micros, shown):
    assert dollars_text(micros, exact=True, grouped=True) == shown


@pytest.mark.parametrize(
    ("micros", "shown"),
    [(12_345_678_900, "$12,345.67"), (-1_999_999, "-$1.99"), (-1, "$0.00"), (0, "$0.00")],
)
def test_amounts_with_the_dollar_sign_put_it_after_the_minus(micros, shown):
    assert dollars_text(micros, symbol=True, grouped=True) == shown


def test_no_float_is_ever_used_even_for_amounts_a_float_cannot_hold():
    # 2**53 + 1 micro-dollars: a float would lose the last micro-dollar
    assert dollars_text(2**53 + 1, exact=True) == "9007199254.740993"


def test_the_admin_summary_cards_show_dollars_with_the_sign_and_round_negatives_toward_zero(
    backend, signed_in_operator, admin_billing_page
):
    backend.expect_request("/api/admin/tenants/").respond_with_json([{"id": 7, "name": "Acme"}])
    backend.expect_oneshot_request("/api/billing/admin/reserve/summary/").respond_with_json(
        {
            "accounts": 3,
            "total_balance_micros": -1_999_999,
            "total_held_micros": 0,
            "paid_in_micros": 12_345_678_900,
            "granted_micros": 1,
            "usage_micros": 0,
            "low_balance_accounts": 2,
            "disputed_accounts": 0,
            "stripe_events_needing_attention": 0,
        }
    )

    page = signed_in_operator.get("/admin/billing/").content.decode()

    cards = dict(re.findall(r'<p class="kpi-label">([^<]+)</p><p class="kpi-value"[^>]*>([^<]+)</p>', page))
    assert cards == {
        "Balances, all workspaces": "-$1.99",
        "Paid in (net of refunds)": "$12,345.67",
        "Promotional credit granted": "$0.00",
        "Low balance / disputed": "2 / 0",
    }


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{{ micros|micros_to_dollars }}", "0.00"),
        ("{{ micros|micros_to_usd }}", "$0.00"),
    ],
)
def test_the_template_filters_use_the_same_formatter(template, shown):
    rendered = Template("{% load webapp %}" + template).render(Context({"micros": -1}))

    assert rendered == shown


@pytest.mark.parametrize(
    ("amount", "places", "sent"),
    [
        ("25", 2, "25.00"),
        ("7.5", 2, "7.50"),
        ("-0.01", 2, "-0.01"),
        ("0.4", 6, "0.400000"),
        ("1E+2", 2, "100.00"),
    ],
)
def test_amounts_are_sent_to_the_backend_as_decimal_dollar_strings(amount, places, sent):
    assert dollars_sent(Decimal(amount), places=places) == sent


def test_an_amount_is_never_rounded_to_be_sent_or_counted():
    with pytest.raises(ValueError):
        dollars_sent(Decimal("12.345"))
    with pytest.raises(ValueError):
        micros(Decimal("0.0000001"))
    assert micros(Decimal("-12.345678")) == -12_345_678
