from django import forms

from webapp.accounts.forms import BackendErrorsMixin

ROLES = [("member", "Member"), ("owner", "Owner")]


class InviteForm(BackendErrorsMixin, forms.Form):
    role = forms.ChoiceField(
        choices=ROLES,
        initial="member",
        help_text="Owners also manage the members, the invites and the billing settings.",
    )
    email = forms.EmailField(
        required=False,
        max_length=254,
        label="E-mail",
        help_text="We send them the sign-up link. Leave empty to pass the link on yourself.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(
        required=False, max_length=200, help_text="For you: who it is for.", widget=forms.TextInput()
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        label="Expires after (days)",
        widget=forms.NumberInput(attrs={"placeholder": "14", "inputmode": "numeric"}),
    )
    max_uses = forms.IntegerField(min_value=1, max_value=100, initial=1, label="Uses")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLES)
