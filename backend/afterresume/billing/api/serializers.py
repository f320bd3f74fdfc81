"""Answers shared by several billing views."""

from rest_framework import serializers

from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.billing.money import micros_to_cents, micros_to_dollars


def balance_out(account: ReserveAccount) -> dict:
    return {
        "balance_micros": account.balance_micros,
        "held_micros": account.held_micros,
        "available_micros": account.available_micros,
        "balance_cents": micros_to_cents(account.balance_micros),
        "balance_dollars": micros_to_dollars(account.balance_micros),
        "is_low_balance": account.balance_micros < account.low_balance_threshold_micros,
        "low_balance_threshold_micros": account.low_balance_threshold_micros,
        "policy": account.policy,
        "is_disputed": account.is_disputed,
    }


def entry_out(entry: LedgerEntry) -> dict:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "kind": entry.kind,
        "amount_micros": entry.amount_micros,
        "amount_dollars": micros_to_dollars(entry.amount_micros),
        "balance_after_micros": entry.balance_after_micros,
        "balance_after_dollars": micros_to_dollars(entry.balance_after_micros),
        "memo": entry.memo,
        # Promotional credit is always shown apart from paid money (docs/money.md).
        "is_paid_money": entry.kind in (LedgerEntry.Kind.TOPUP, LedgerEntry.Kind.REFUND),
    }


class BalanceOut(serializers.Serializer):
    """What balance_out() answers (for the schema)."""

    balance_micros = serializers.IntegerField()
    held_micros = serializers.IntegerField()
    available_micros = serializers.IntegerField()
    balance_cents = serializers.IntegerField()
    balance_dollars = serializers.CharField()
    is_low_balance = serializers.BooleanField()
    low_balance_threshold_micros = serializers.IntegerField()
    policy = serializers.ChoiceField(choices=ReserveAccount.Policy.choices)
    is_disputed = serializers.BooleanField()


class LedgerEntryOut(serializers.Serializer):
    """What entry_out() answers."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    amount_micros = serializers.IntegerField()
    amount_dollars = serializers.CharField()
    balance_after_micros = serializers.IntegerField()
    balance_after_dollars = serializers.CharField()
    memo = serializers.CharField(allow_blank=True)
    is_paid_money = serializers.BooleanField()

    def to_representation(self, instance):
        return entry_out(instance)


class AdjustmentOut(BalanceOut):
    entry = LedgerEntryOut()
