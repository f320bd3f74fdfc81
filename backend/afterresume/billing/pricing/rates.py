"""One pricing function for actual usage and for pre-flight estimates (docs/money.md)."""

from datetime import datetime
from fractions import Fraction
from math import ceil

from django.db.models import Q

from afterresume.billing.models import RateCardVersion


class UnpricedUsage(Exception):
    """No rate card version, or no line item, prices this usage."""


def rate_card_version_at(*, plan: str, at: datetime) -> RateCardVersion:
    version = (
        RateCardVersion.objects.filter(card__plan=plan, effective_from__lte=at)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at))
        .prefetch_related("items")
        .order_by("-effective_from")
        .first()
    )
    if version is None:
        raise UnpricedUsage(f"No rate card of plan {plan!r} is in force at {at.isoformat()}.")
    return version


def price_usage(*, plan: str, model: str, quantities: dict[str, int], at: datetime) -> int:
    """The cost in micro-dollars of one usage event: exact arithmetic over every meter, rounded
    up to a whole micro-dollar once. Uses the rate card version in force at `at`."""
    return price_in_version(
        version=rate_card_version_at(plan=plan, at=at), model=model, quantities=quantities
    )


def price_in_version(*, version: RateCardVersion, model: str, quantities: dict[str, int]) -> int:
    """The same, with the version already chosen (for a caller that records which one priced it)."""
    items = {(item.meter, item.model): item for item in version.items.all()}
    total = Fraction(0)
    for meter, quantity in quantities.items():
        if quantity < 0:
            raise ValueError(f"A quantity cannot be negative ({meter}).")
        if quantity == 0:
            continue
        item = items.get((meter, model))
        if item is None:
            raise UnpricedUsage(f"{version} has no price for {meter} of model {model!r}.")
        total += Fraction(quantity * item.price_micros, item.per_quantity)
    return ceil(total)
