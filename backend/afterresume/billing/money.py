"""Money in one place: the reserve counts integer micro-dollars (1 USD = 1,000,000); this module
turns them into dollars and back, exactly, and is the API's one input field for amounts
(docs/money.md). Never a float."""

from decimal import Context, Decimal, DecimalException, Inexact

from rest_framework import serializers
from rest_framework.fields import Field, empty

MICROS_PER_DOLLAR = 1_000_000
MICROS_PER_CENT = 10_000
# The reserve's currency: Stripe amounts in any other are refused (and shown to operators).
RESERVE_CURRENCY = "usd"


def micros_to_cents(micros: int) -> int:
    """Whole cents, rounded toward zero, the same way for debts as for credits: -1 µ$ is 0 cents,
    not -1 (a positive balance is then never shown larger than it is)."""
    cents = abs(micros) // MICROS_PER_CENT
    return -cents if micros < 0 else cents


def micros_to_cents_up(micros: int) -> int:
    """Whole cents, rounded up: what to charge so that it covers `micros` (integers only)."""
    return -(-micros // MICROS_PER_CENT)


def micros_to_dollars(micros: int) -> str:
    """A decimal string with two places ("12.34", "-0.01"), rounded toward zero like
    `micros_to_cents` (-1 µ$ is "0.00", never "-0.01"); never a float."""
    cents = micros_to_cents(micros)
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def cents_to_dollars(cents: int) -> str:
    """Whole cents as a decimal string with two places (Stripe amounts: 2500 → "25.00")."""
    return micros_to_dollars(cents * MICROS_PER_CENT)


# Any rounding while scaling dollars to micro-dollars raises instead of happening silently.
_EXACT = Context(prec=60, traps=[Inexact])


def dollars_to_micros(dollars: Decimal | int | str) -> int:
    """Exact: raises ValueError for an amount finer than a micro-dollar, or not a finite number,
    instead of rounding it; TypeError for a float (a binary float is not an exact amount)."""
    if isinstance(dollars, float | bool):
        raise TypeError("Money is never a float: give a Decimal, an int or a decimal string.")
    try:
        micros = _EXACT.multiply(Decimal(dollars), MICROS_PER_DOLLAR)
    except DecimalException:
        raise ValueError(f"{dollars!r} is not a whole number of micro-dollars.") from None
    if not micros.is_finite() or micros != micros.to_integral_value():
        raise ValueError(f"{dollars!r} is not a whole number of micro-dollars.")
    return int(micros)


def exact_dollars(micros: int) -> str:
    """Every micro-dollar, as a decimal string with six places ("0.000750"): for costs, where a
    rounded "0.00" would hide what was spent."""
    return str((Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.000001")))


class DollarsField(serializers.DecimalField):
    """An amount of money sent to the API, in its one input unit: decimal dollars as a string
    ("12.50"). Its validated value is whole micro-dollars (an int, through dollars_to_micros), so a
    field named `…_dollars` usually has `source="…_micros"`. Nothing is ever rounded: more places
    than `places`, an amount out of range, "NaN", "Infinity" or "" is refused, naming the field. A
    JSON integer is whole dollars; a JSON number with a fraction or an exponent is refused: JSON
    parsers have made it a binary float already (0.1 is then not 0.1)."""

    default_error_messages = {
        "float": 'Send the amount as a string, e.g. "12.50": a JSON number with a fraction is a binary '
        "floating-point number, not an exact amount.",
    }

    def __init__(
        self, *, places=6, whole_digits=12, min_dollars=None, max_dollars=None, help_text="", **kwargs
    ):
        # The schema shows a string's pattern, not its range: the description says both.
        if min_dollars is not None and max_dollars is not None:
            help_text = f"{help_text} From {min_dollars} to {max_dollars} USD."
        elif min_dollars is not None:
            help_text = f"{help_text} At least {min_dollars} USD."
        unit = f'Decimal dollars as a string, at most {places} decimal places, e.g. "12.50".'
        super().__init__(
            max_digits=whole_digits + places,
            decimal_places=places,
            min_value=None if min_dollars is None else Decimal(min_dollars),
            max_value=None if max_dollars is None else Decimal(max_dollars),
            help_text=f"{help_text} {unit}".strip(),
            **kwargs,
        )

    def validate_empty_values(self, data):
        # Only JSON null is "no amount", where the field allows it: "" is no amount at all.
        return Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)

    def run_validation(self, data=empty):
        dollars = super().run_validation(data)  # checked as dollars: places and range
        return None if dollars is None else dollars_to_micros(dollars)
