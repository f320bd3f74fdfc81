"""Micro-dollars as pages show them: the one place the frontend turns the backend's integers into
dollars. Decimal only, never a float (a float cannot hold every micro-dollar of a large amount)."""

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
