"""One pricing function for actual usage and for pre-flight estimates (DESIGN §6)."""

from datetime import datetime, timedelta
from fractions import Fraction
from math import ceil

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from afterresume.audit.services import audit_record
from afterresume.billing.models import RateCard, RateCardVersion, RateLineItem


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


@transaction.atomic
def rate_card_version_create(
    *, plan: str, effective_from: datetime, items: list[dict], note: str = "", actor=None, request=None
) -> RateCardVersion:
    """A new version of a plan's prices from `effective_from`; the version in force until then
    ends there. Versions already started are never changed otherwise (usage was priced with them)."""
    if effective_from < timezone.now() - timedelta(minutes=1):
        # Usage since then has been priced already: prices change from now on, never backwards.
        raise ValidationError({"effective_from": "A new version cannot start in the past."})
    card, _ = RateCard.objects.get_or_create(plan=plan)
    later = card.versions.select_for_update().filter(effective_from__gte=effective_from)
    if later.exists():
        raise ValidationError({"effective_from": "A version starting at or after this time exists already."})
    card.versions.select_for_update().filter(effective_from__lt=effective_from).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=effective_from)
    ).update(effective_to=effective_from)
    version = RateCardVersion.objects.create(
        card=card, effective_from=effective_from, note=note, created_by=actor
    )
    line_items = [
        RateLineItem(
            version=version,
            meter=item["meter"],
            model=item["model"],
            price_micros=int(item["price_micros"]),
            per_quantity=int(item.get("per_quantity", 1_000_000)),
        )
        for item in items
    ]
    for line_item in line_items:
        line_item.full_clean(exclude=["version"])
    RateLineItem.objects.bulk_create(line_items)
    audit_record(
        category="billing",
        action="rate_card.version_created",
        request=request,
        actor=actor,
        target=f"rate_card_version:{version.pk}",
        summary=f"New {plan} prices from {effective_from:%Y-%m-%d %H:%M} ({len(line_items)} items)",
    )
    return version
