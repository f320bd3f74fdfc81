"""The "standard" plan's first prices (docs/money.md): the offline `local` LLM provider is priced too,
so that the money path runs in development: $0.50 per 1,000,000 input tokens, $1.50 per 1,000,000
output tokens. Real models are priced by the operator."""

from datetime import UTC, datetime

from django.db import migrations


def seed(apps, schema_editor):
    RateCard = apps.get_model("billing", "RateCard")
    RateCardVersion = apps.get_model("billing", "RateCardVersion")
    RateLineItem = apps.get_model("billing", "RateLineItem")
    card, _ = RateCard.objects.get_or_create(plan="standard", defaults={"description": "The one plan to start"})
    if card.versions.exists():
        return
    version = RateCardVersion.objects.create(card=card, effective_from=datetime(2026, 1, 1, tzinfo=UTC),
                                             note="launch prices")
    RateLineItem.objects.bulk_create([
        RateLineItem(version=version, meter="tokens_in", model="local", price_micros=500_000, per_quantity=1_000_000),
        RateLineItem(version=version, meter="tokens_out", model="local", price_micros=1_500_000,
                     per_quantity=1_000_000),
    ])


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_rate_cards")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
