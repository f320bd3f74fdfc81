"""Money sent to the API (docs/money.md): every amount, in every API, is decimal dollars as a
string and is taken exactly, as whole micro-dollars, or refused with a 400 naming the field. Never
rounded, never a 500. A JSON integer counts as whole dollars; a JSON number with a fraction is
refused, since the JSON parser has already made it a binary float."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from afterresume.billing.models import RateLineItem, ReserveAccount, SimulatedCheckout
from afterresume.invites.models import InvitePasskey
from conftest import token_client

REFUSED = "refused"

# What each field is sent, in turn: the list, a JSON float and a JSON integer, and the
# words a decimal parser knows but no amount is.
SENT = ["0.1", "0.000001", "1e-7", "12.345678", "-0", "1e20", 0.1, "NaN", "Infinity", "-Infinity", "", 25]


def row(*outcomes):
    """Each sent value's expected outcome: whole micro-dollars, or REFUSED."""
    assert len(outcomes) == len(SENT)
    return dict(zip(map(repr, SENT), outcomes, strict=True))


R = REFUSED
# Amounts to six places, from zero up (thresholds, the ceiling, prices, the starter credit has two).
FROM_ZERO = row(100_000, 1, R, 12_345_678, 0, R, R, R, R, R, R, 25_000_000)
# Whole cents from 5 to 500 dollars (top-ups).
TOP_UP = row(R, R, R, R, R, R, R, R, R, R, R, 25_000_000)


def _account(user) -> ReserveAccount:
    return ReserveAccount.objects.get(tenant=user.membership.tenant)


def _profile_field(name):
    def send(users, amount):
        response = token_client(users["owner"]).patch(
            "/api/billing/profile/", {f"{name}_dollars": amount}, format="json"
        )
        return response, lambda: getattr(_account(users["owner"]), f"{name}_micros")

    return send


def _adjustment(users, amount):
    response = token_client(users["operator"]).post(
        "/api/billing/admin/reserve/adjust/",
        {"tenant_id": users["owner"].membership.tenant_id, "amount_dollars": amount, "reason": "correction"},
        format="json",
    )
    return response, lambda: response.json()["entry"]["amount_micros"]


def _top_up(users, amount):
    response = token_client(users["owner"]).post(
        "/api/billing/topup/session/", {"amount_dollars": amount}, format="json"
    )
    return response, lambda: SimulatedCheckout.objects.get().amount_cents * 10_000


def _starter_credit(users, amount):
    response = token_client(users["operator"]).post(
        "/api/admin/passkeys/", {"starter_credit_dollars": amount}, format="json"
    )
    return response, lambda: InvitePasskey.objects.get(pk=response.json()["id"]).starter_credit_micros


def _price(users, amount):
    response = token_client(users["operator"]).post(
        "/api/billing/admin/rate-cards/",
        {
            "effective_from": (timezone.now() + timedelta(days=1)).isoformat(),
            "items": [{"meter": "tokens_in", "model": "local", "price_dollars": amount}],
        },
        format="json",
    )
    return response, lambda: RateLineItem.objects.get(version_id=response.json()["id"]).price_micros


MONEY_INPUTS = {
    # field as the refusal names it: (how it is sent, what each value gives)
    "low_balance_threshold_dollars": (_profile_field("low_balance_threshold"), FROM_ZERO),
    "limited_ceiling_dollars": (_profile_field("limited_ceiling"), FROM_ZERO),
    "auto_topup_amount_dollars": (_profile_field("auto_topup_amount"), TOP_UP),
    # Above zero: "-0" is refused, as is 0.
    "auto_topup_target_dollars": (
        _profile_field("auto_topup_target"),
        row(100_000, 1, R, 12_345_678, R, R, R, R, R, R, R, 25_000_000),
    ),
    # No cap is null; a cap under the smallest top-up (5 USD) is refused.
    "auto_topup_monthly_cap_dollars": (
        _profile_field("auto_topup_monthly_cap"),
        row(R, R, R, 12_345_678, R, R, R, R, R, R, R, 25_000_000),
    ),
    # Any sign, never zero.
    "amount_dollars (adjustment)": (
        _adjustment,
        row(100_000, 1, R, 12_345_678, R, R, R, R, R, R, R, 25_000_000),
    ),
    "amount_dollars (top-up)": (_top_up, TOP_UP),
    # Whole cents, up to 1,000 USD.
    "starter_credit_dollars": (_starter_credit, row(100_000, R, R, R, 0, R, R, R, R, R, R, 25_000_000)),
    "price_dollars": (_price, FROM_ZERO),
}


@pytest.fixture
def users(owner, operator):
    return {"owner": owner, "operator": operator}


@pytest.mark.parametrize("amount", SENT, ids=repr)
@pytest.mark.parametrize("field", MONEY_INPUTS)
def test_every_money_input_takes_decimal_dollars_exactly_or_refuses_them_naming_the_field(
    users, field, amount
):
    send, expected = MONEY_INPUTS[field]
    name = field.split(" ")[0]

    response, stored_micros = send(users, amount)

    outcome = expected[repr(amount)]
    if outcome is REFUSED:
        assert response.status_code == 400, response.content
        fields = response.json()["extra"]["fields"]
        if name == "price_dollars":
            assert list(fields) == ["items"]
            assert list(fields["items"]["0"]) == [name]  # the first item's
        else:
            assert list(fields) == [name]
    else:
        assert response.status_code in (200, 201), response.content
        assert stored_micros() == outcome


def test_a_json_number_with_a_fraction_is_refused_with_a_sentence_saying_to_send_a_string(owner):
    response = token_client(owner).patch(
        "/api/billing/profile/", {"low_balance_threshold_dollars": 12.5}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "low_balance_threshold_dollars": [
            'Send the amount as a string, e.g. "12.50": a JSON number with a fraction is a binary '
            "floating-point number, not an exact amount."
        ]
    }
    assert _account(owner).low_balance_threshold_micros == 5_000_000


def test_an_amount_finer_than_allowed_is_refused_not_rounded(owner):
    response = token_client(owner).patch(
        "/api/billing/profile/", {"limited_ceiling_dollars": "1.0000001"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "limited_ceiling_dollars": ["Ensure that there are no more than 6 decimal places."]
    }
    assert _account(owner).limited_ceiling_micros == 1_000_000


def test_the_settings_former_micro_dollar_names_are_refused_naming_the_new_ones(owner):
    response = token_client(owner).patch(
        "/api/billing/profile/",
        {"policy": "warn", "low_balance_threshold_micros": 1_000_000},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "low_balance_threshold_micros": [
            'Amounts are sent in decimal dollars: send low_balance_threshold_dollars, e.g. "12.50".'
        ]
    }
    assert (_account(owner).policy, _account(owner).low_balance_threshold_micros) == ("block", 5_000_000)


def test_no_monthly_cap_is_null_not_an_empty_string(owner):
    capped = token_client(owner).patch(
        "/api/billing/profile/", {"auto_topup_monthly_cap_dollars": "100"}, format="json"
    )
    uncapped = token_client(owner).patch(
        "/api/billing/profile/", {"auto_topup_monthly_cap_dollars": None}, format="json"
    )

    assert (capped.status_code, uncapped.status_code) == (200, 200)
    assert capped.json()["auto_topup_monthly_cap_micros"] == 100_000_000
    assert uncapped.json()["auto_topup_monthly_cap_micros"] is None


def test_the_schema_says_each_money_input_is_decimal_dollars_as_a_string():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    inputs = {
        ("PatchedBillingProfileIn", "low_balance_threshold_dollars"): 6,
        ("PatchedBillingProfileIn", "limited_ceiling_dollars"): 6,
        ("PatchedBillingProfileIn", "auto_topup_amount_dollars"): 2,
        ("PatchedBillingProfileIn", "auto_topup_target_dollars"): 6,
        ("PatchedBillingProfileIn", "auto_topup_monthly_cap_dollars"): 6,
        ("AdjustIn", "amount_dollars"): 6,
        ("TopupIn", "amount_dollars"): 2,
        ("PasskeyCreateIn", "starter_credit_dollars"): 2,
        ("LineItemIn", "price_dollars"): 6,
    }

    described = {
        (component, field): components[component]["properties"][field] for component, field in inputs
    }

    for (component, field), places in inputs.items():
        schema = described[component, field]
        assert schema["type"] == "string", (component, field)
        assert schema["description"].endswith(
            f'Decimal dollars as a string, at most {places} decimal places, e.g. "12.50".'
        ), (component, field)


@pytest.mark.parametrize(
    ("credit", "message"),
    [
        ("0.0000001", "--credit must be an amount in USD with at most 6 decimal places, e.g. 5 or 2.50."),
        ("NaN", "--credit must be an amount in USD with at most 6 decimal places, e.g. 5 or 2.50."),
        ("Infinity", "--credit must be an amount in USD with at most 6 decimal places, e.g. 5 or 2.50."),
        ("-1", "--credit cannot be negative."),
    ],
)
def test_the_passkey_command_refuses_a_credit_it_cannot_take_exactly(operator, credit, message):
    with pytest.raises(CommandError) as refused:
        call_command("create_passkey", "--credit", credit, stdout=StringIO())

    assert str(refused.value) == message
    assert InvitePasskey.objects.count() == 0


def test_the_passkey_command_takes_a_credit_to_the_micro_dollar(operator):
    call_command("create_passkey", "--credit", "2.500001", "--quiet", stdout=StringIO())

    assert InvitePasskey.objects.get().starter_credit_micros == 2_500_001
