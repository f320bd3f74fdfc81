from decimal import Decimal

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


def dollars_to_micros(dollars: Decimal) -> int:
    """Exact: refuses amounts finer than a micro-dollar instead of rounding them."""
    micros = Decimal(dollars) * 1_000_000
    if micros != micros.to_integral_value():
        raise ValueError("Amounts are whole micro-dollars.")
    return int(micros)


def exact_dollars(micros: int) -> str:
    """Every micro-dollar, as a decimal string with six places ("0.000750"): for costs, where a
    rounded "0.00" would hide what was spent."""
    return str((Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.000001")))
