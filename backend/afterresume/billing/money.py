from decimal import ROUND_FLOOR, Decimal

MICROS_PER_CENT = 10_000


def micros_to_cents(micros: int) -> int:
    """Whole cents, rounded down: a balance is never shown larger than it is."""
    return micros // MICROS_PER_CENT


def micros_to_cents_up(micros: int) -> int:
    """Whole cents, rounded up: what to charge so that it covers `micros` (integers only)."""
    return -(-micros // MICROS_PER_CENT)


def micros_to_dollars(micros: int) -> str:
    """A decimal string with two places ("12.34", "-0.01"), rounded down; never a float."""
    return str((Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.01"), rounding=ROUND_FLOOR))


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
