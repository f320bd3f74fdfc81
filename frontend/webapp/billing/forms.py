from decimal import Decimal

from django import forms

from webapp.accounts.forms import BackendErrorsMixin

POLICIES = [
    ("block", "Block: refuse work the balance cannot cover"),
    ("warn", "Warn: run it and warn me"),
    ("limited", "Limited: run only small jobs (under the ceiling)"),
]


class BillingSettingsForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"low_balance_threshold_micros": "low_balance_threshold"}

    policy = forms.ChoiceField(choices=POLICIES, label="When the balance runs short")
    low_balance_threshold = forms.DecimalField(
        label="Warn me below (USD)", min_value=Decimal(0), max_digits=10, decimal_places=2
    )


class AdjustmentForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"tenant_id": "tenant", "amount_dollars": "amount"}

    tenant = forms.TypedChoiceField(label="Workspace", coerce=int)
    amount = forms.DecimalField(label="Amount (USD, negative to debit)", max_digits=12, decimal_places=2)
    reason = forms.CharField(
        max_length=280, min_length=5, help_text="Required; shown in the ledger and the audit log."
    )
    # One adjustment per form shown: a double submit posts it once (the backend's idempotency key).
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = [(tenant["id"], tenant["name"]) for tenant in tenants]

    def clean_amount(self):
        if self.cleaned_data["amount"] == 0:
            raise forms.ValidationError("An adjustment cannot be zero.")
        return self.cleaned_data["amount"]


class TopupForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"amount_dollars": "amount"}

    amount = forms.DecimalField(
        label="Amount (USD)", max_digits=8, decimal_places=2, min_value=Decimal("0.01")
    )
