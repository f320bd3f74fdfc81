"""How billing's answers write money and moments, and the answers shared by several views. Each
answer is a serializer that both writes it and describes it in the schema."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.billing.money import exact_dollars, micros_to_cents, micros_to_dollars


class CentsOut(serializers.IntegerField):
    """Integer micro-dollars written as whole cents, rounded toward zero (money.micros_to_cents)."""

    def to_representation(self, micros):
        return micros_to_cents(micros)


class DollarsOut(serializers.CharField):
    """Integer micro-dollars written as a decimal string to the cent, rounded toward zero ("12.34";
    money.micros_to_dollars): never a float."""

    def to_representation(self, micros):
        return micros_to_dollars(micros)


class ExactDollarsOut(serializers.CharField):
    """Integer micro-dollars written with all six places ("0.000750"; money.exact_dollars): costs."""

    def to_representation(self, micros):
        return exact_dollars(micros)


class MomentOut(serializers.DateTimeField):
    """A moment as billing's answers have always written it: Python's isoformat ("…+00:00"), not
    DRF's "…Z" (the same instant; kept so that no answer changes)."""

    def to_representation(self, moment):
        return moment.isoformat()


class BalanceOut(serializers.Serializer):
    balance_micros = serializers.IntegerField()
    held_micros = serializers.IntegerField()
    available_micros = serializers.IntegerField()
    balance_cents = CentsOut(source="balance_micros")
    balance_dollars = DollarsOut(source="balance_micros")
    is_low_balance = serializers.BooleanField()
    low_balance_threshold_micros = serializers.IntegerField()
    policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices)
    is_disputed = serializers.BooleanField()


class LedgerEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = MomentOut()
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    amount_micros = serializers.IntegerField()
    amount_dollars = DollarsOut(source="amount_micros")
    balance_after_micros = serializers.IntegerField()
    balance_after_dollars = DollarsOut(source="balance_after_micros")
    memo = serializers.CharField(allow_blank=True)
    is_paid_money = serializers.BooleanField(
        help_text="A top-up or a refund: promotional credit is always shown apart from paid money."
    )


class AdjustmentOut(BalanceOut):
    """The workspace's reserve after an adjustment, with the adjustment's entry (in the context:
    the answer is the reserve's)."""

    entry = serializers.SerializerMethodField()

    @extend_schema_field(LedgerEntryOut)
    def get_entry(self, account) -> dict:
        return LedgerEntryOut(self.context["entry"]).data
