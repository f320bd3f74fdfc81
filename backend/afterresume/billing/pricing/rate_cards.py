"""Rate card versions: new prices from a date, never backwards."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from afterresume.audit.services import audit_record
from afterresume.billing.models import RateCard, RateCardVersion, RateLineItem


@transaction.atomic
def rate_card_version_create(
    *, plan: str, effective_from: datetime, items: list[dict], note: str = "", actor=None
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
        actor=actor,
        target=f"rate_card_version:{version.pk}",
        summary=f"New {plan} prices from {effective_from:%Y-%m-%d %H:%M} ({len(line_items)} items)",
    )
    return version
