from django import forms

from webapp.accounts.forms import BackendErrorsMixin
from webapp.jobs.labels import KIND_LABELS, STATUS_LABELS

STATUS_CHOICES = [
    ("", "All"),
    ("active", "Active"),
    ("used", "Used up"),
    ("expired", "Expired"),
    ("revoked", "Revoked"),
]
CATEGORY_CHOICES = [
    ("", "All"),
    ("auth", "Sign-in and sign-up"),
    ("passkey", "Invite passkeys"),
    ("token", "API tokens"),
    ("admin", "Admin actions"),
    ("billing", "Billing"),
]


class PasskeyCreateForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"target_tenant_id": "target_tenant", "starter_credit_dollars": "starter_credit"}

    note = forms.CharField(
        max_length=200, required=False, help_text="Who it is for, e.g. “Ada, design team”."
    )
    expires_in_days = forms.IntegerField(label="Expires after (days)", min_value=1, max_value=365, initial=14)
    max_uses = forms.IntegerField(label="Uses", min_value=1, max_value=1000, initial=1)
    starter_credit = forms.DecimalField(
        label="Starter credit (USD)",
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=0,
        help_text="Promotional credit for the new workspace; shown apart from paid money.",
    )
    target_tenant = forms.TypedChoiceField(
        label="Workspace",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Empty: the new person gets a workspace of their own.",
    )

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_tenant"].choices = [("", "A new workspace of their own")] + [
            (tenant["id"], tenant["name"]) for tenant in tenants
        ]


class PasskeyFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    search = forms.CharField(max_length=100, required=False)
    page = forms.IntegerField(min_value=1, required=False)


class UserFilterForm(forms.Form):
    search = forms.CharField(max_length=100, required=False)
    page = forms.IntegerField(min_value=1, required=False)


class AuditFilterForm(forms.Form):
    category = forms.ChoiceField(choices=CATEGORY_CHOICES, required=False)
    action = forms.CharField(max_length=64, required=False)
    actor_email = forms.CharField(label="Who", max_length=254, required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(min_value=1, required=False)


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *STATUS_LABELS.items()], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *KIND_LABELS.items()], required=False)
    tenant_id = forms.TypedChoiceField(label="Workspace", coerce=int, empty_value=None, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant_id"].choices = [("", "Any workspace")] + [
            (tenant["id"], tenant["name"]) for tenant in tenants
        ]
