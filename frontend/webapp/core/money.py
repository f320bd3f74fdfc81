"""Money in the frontend, in one place: micro-dollars as pages show them (the backend's integers
into dollars), and amounts as the backend's API takes them (decimal dollars as strings). Decimal
only, never a float (a float cannot hold every micro-dollar of a large amount)."""

from decimal import ROUND_DOWN, Decimal

MICROS = Decimal(1_000_000)
CENT = Decimal("0.01")


def dollars(micros: int | None) -> Decimal | None:
    """To the cent, rounded toward zero on both sides of zero: an amount is never shown larger
    than it is, a debit no more than a credit (-1 micro-dollar is 0.00, as +1 is; like the backend)."""
    if micros is None:
        return None
    return (Decimal(int(micros)) / MICROS).quantize(CENT, rounding=ROUND_DOWN)


def dollars_text(
    micros: int | None, *, exact: bool = False, grouped: bool = False, symbol: bool = False
) -> str:
    """ "12.34"; `exact` keeps every micro-dollar ("0.000750" as "0.00075", for prices and costs,
    often below a cent); `grouped` adds thousands separators; `symbol` writes "$12.34", "-$0.50"."""
    if exact:
        amount = Decimal(int(micros or 0)).scaleb(-6).normalize()
        if amount.as_tuple().exponent > -2:
            amount = amount.quantize(CENT)
    else:
        amount = dollars(micros or 0)
    text = f"{abs(amount):,f}" if grouped else f"{abs(amount):f}"
    sign = "-" if amount < 0 else ""  # never "-0.00": what rounds to nothing has no sign
    return f"{sign}${text}" if symbol else f"{sign}{text}"


def dollars_sent(amount: Decimal, *, places: int = 2) -> str:
    """An amount as the backend's API takes it: decimal dollars as a string with `places` decimal
    places ("12.50"). Exact: raises ValueError rather than round an amount with more places (the
    forms allow no more than the API does)."""
    sent = amount.quantize(Decimal(1).scaleb(-places))
    if sent != amount:
        raise ValueError(f"{amount} USD has more than {places} decimal places")
    return f"{sent:f}"


def micros(amount: Decimal) -> int:
    """Decimal dollars as integer micro-dollars, exactly (ValueError for a finer amount)."""
    scaled = amount * MICROS
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} USD is not a whole number of micro-dollars")
    return int(scaled)
