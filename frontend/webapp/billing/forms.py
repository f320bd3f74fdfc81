from decimal import Decimal

from django import forms

from webapp.accounts.forms import BackendErrorsMixin
from webapp.core.money import dollars, dollars_sent, micros

POLICIES = [
    ("block", "Block: refuse work the balance cannot cover"),
    ("warn", "Warn: run it and warn me"),
    ("limited", "Limited: run only small jobs (under the ceiling)"),
]


class BillingSettingsForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"low_balance_threshold_dollars": "low_balance_threshold"}

    policy = forms.ChoiceField(choices=POLICIES, label="When the balance runs short")
    low_balance_threshold = forms.DecimalField(
        label="Warn me below (USD)", min_value=Decimal(0), max_digits=10, decimal_places=2
    )


class AdjustmentForm(BackendErrorsMixin, forms.Form):
    """A manual adjustment: reviewed first (the balance it leads to), posted once confirmed."""

    backend_field_names = {"tenant_id": "tenant", "amount_dollars": "amount"}

    # Chosen by the operator every time: no workspace is pre-selected.
    tenant = forms.TypedChoiceField(
        label="Workspace", coerce=int, empty_value=None, error_messages={"required": "Choose a workspace."}
    )
    amount = forms.DecimalField(label="Amount (USD, negative to debit)", max_digits=12, decimal_places=2)
    reason = forms.CharField(
        max_length=280, min_length=5, help_text="Required; shown in the ledger and the audit log."
    )
    # One adjustment per form shown: a double submit posts it once (the backend's idempotency key).
    idempotency_key = forms.CharField(widget=forms.HiddenInput)
    # The balance (micro-dollars) the operator saw and confirmed in the review; empty until then.
    confirmed_balance = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = [("", "Choose a workspace…")] + [
            (tenant["id"], tenant["name"]) for tenant in tenants
        ]

    def clean_amount(self):
        if self.cleaned_data["amount"] == 0:
            raise forms.ValidationError("An adjustment cannot be zero.")
        return self.cleaned_data["amount"]

    def amount_micros(self) -> int:
        return micros(self.cleaned_data["amount"])


class TopupForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"amount_dollars": "amount"}

    amount = forms.DecimalField(
        label="Amount (USD)", max_digits=8, decimal_places=2, min_value=Decimal("0.01")
    )
    save_card = forms.BooleanField(required=False, label="Save the card for automatic top-ups")


AUTO_TOPUP_MODES = [
    ("fixed", "Add a fixed amount"),
    ("target", "Fill up to a target balance"),
]


class AutoTopupForm(BackendErrorsMixin, forms.Form):
    """Automatic top-up: when usage takes the balance below the low-balance threshold, the saved
    card pays once (a fixed amount, or up to a target), within an optional monthly cap."""

    backend_field_names = {
        "auto_topup_enabled": "enabled",
        "auto_topup_mode": "mode",
        "auto_topup_amount_dollars": "amount",
        "auto_topup_target_dollars": "target",
        "auto_topup_monthly_cap_dollars": "monthly_cap",
    }

    enabled = forms.BooleanField(required=False, label="Top up automatically when the balance runs low")
    mode = forms.ChoiceField(choices=AUTO_TOPUP_MODES, widget=forms.RadioSelect, label="How much")
    amount = forms.DecimalField(
        label="Fixed amount (USD)", required=False, max_digits=8, decimal_places=2, min_value=Decimal("0.01")
    )
    target = forms.DecimalField(
        label="Target balance (USD)",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    monthly_cap = forms.DecimalField(
        label="At most per month (USD)",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        help_text="Leave empty for no cap.",
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the top-up form on the same page has an "amount" too.
        kwargs.setdefault("auto_id", "auto_%s")
        super().__init__(*args, **kwargs)
        # Check boxes and radios are styled by Bootstrap's own classes, not form-control.
        self.fields["enabled"].widget.attrs["class"] = "form-check-input"
        self.fields["mode"].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_from(cls, profile: dict) -> dict:
        """The backend's billing profile as this form's initial values (micro-dollars to dollars)."""
        return {
            "enabled": profile["auto_topup_enabled"],
            "mode": profile["auto_topup_mode"],
            "amount": dollars(profile["auto_topup_amount_micros"]),
            "target": dollars(profile["auto_topup_target_micros"]),
            "monthly_cap": dollars(profile["auto_topup_monthly_cap_micros"]),
        }

    def clean(self):
        data = super().clean()
        # Only the way chosen needs its figure (the other field is hidden in the page).
        needed = {"fixed": "amount", "target": "target"}.get(data.get("mode", ""))
        if needed and data.get(needed) is None and needed not in self.errors:
            self.add_error(needed, "Enter an amount.")
        return data

    def backend_changes(self) -> dict:
        data = self.cleaned_data
        cap = data["monthly_cap"]
        changes = {
            "auto_topup_enabled": data["enabled"],
            "auto_topup_mode": data["mode"],
            "auto_topup_monthly_cap_dollars": None if cap is None else dollars_sent(cap),
        }
        if data["amount"] is not None:
            changes["auto_topup_amount_dollars"] = dollars_sent(data["amount"])
        if data["target"] is not None:
            changes["auto_topup_target_dollars"] = dollars_sent(data["target"])
        return changes


# --- operators: rate cards and usage costs ------------------------------------------------------------


class RateCardVersionForm(BackendErrorsMixin, forms.Form):
    plan = forms.ChoiceField(help_text="Workspaces on this plan are priced with it.")
    effective_from = forms.DateTimeField(
        label="Starts (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The version in force until then ends there. Never in the past: usage already "
        "priced is not priced again.",
    )
    note = forms.CharField(max_length=200, required=False, help_text="e.g. “2027 prices”.")

    def __init__(self, *args, plans=("standard",), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [(plan, plan) for plan in plans]


class RateLineItemForm(BackendErrorsMixin, forms.Form):
    meter = forms.CharField(
        max_length=40,
        widget=forms.TextInput(attrs={"list": "known-meters", "placeholder": "meter, e.g. tokens_out"}),
    )
    model = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"list": "known-models", "placeholder": "model, e.g. gpt-4o-mini"}),
    )
    # Dollars as the operator thinks of them; the backend stores whole micro-dollars, so six
    # decimal places at most (a smaller price is a price per a larger quantity).
    price = forms.DecimalField(
        label="Price (USD)",
        min_value=Decimal(0),
        max_digits=13,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "price in USD"}),
        error_messages={
            "max_decimal_places": "At most 6 decimal places (a micro-dollar); for a smaller price, "
            "price a larger quantity, e.g. per 1,000,000.",
        },
    )
    per_quantity = forms.IntegerField(label="Per quantity", min_value=1, max_value=10**12, initial=1_000_000)

    def line_item(self) -> dict:
        """The line as the backend takes it: the price in decimal dollars, to the micro-dollar."""
        return {
            "meter": self.cleaned_data["meter"],
            "model": self.cleaned_data["model"],
            "price_dollars": dollars_sent(self.cleaned_data["price"], places=6),
            "per_quantity": self.cleaned_data["per_quantity"],
        }


class BaseRateLineItemFormSet(forms.BaseFormSet):
    """Rows left blank are ignored (a copied version's row is dropped by clearing it)."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "empty_permitted": True}

    def backend_items(self) -> list[dict]:
        return [form.line_item() for form in self.forms if form.has_changed()]

    def clean(self):
        if not any(self.errors) and not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError("Give at least one price.")

    def add_backend_error(self, message: str) -> None:
        self.non_form_errors().append(message)


RateLineItemFormSet = forms.formset_factory(
    RateLineItemForm, formset=BaseRateLineItemFormSet, extra=3, max_num=200, validate_max=True
)


class UsageFilterForm(BackendErrorsMixin, forms.Form):
    # `usage_tenant`, not `tenant`: on the admin billing page `tenant` already chooses the ledger.
    backend_field_names = {"tenant": "usage_tenant"}

    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    usage_tenant = forms.TypedChoiceField(label="Workspace", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_tenant"].choices = [("", "All workspaces")] + [
            (tenant["id"], tenant["name"]) for tenant in tenants
        ]
