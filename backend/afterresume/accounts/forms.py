from allauth.core import context
from django import forms

from afterresume.accounts.timezones import valid_time_zone
from afterresume.core.ratelimits import passkey_failure_count
from afterresume.invites.services import PasskeyRefused, passkey_lock_for_redemption


class SignupForm(forms.Form):
    """allauth's sign-up form gets these fields on top of e-mail and password: without a valid
    invite passkey there is no sign-up, through any of allauth's endpoints (the field is required).
    The view around it runs in one transaction (accounts.apis.atomic_allauth_signup), so the
    passkey row stays locked from this check until the user, workspace and use are committed."""

    passkey = forms.CharField(max_length=200, strip=True)
    display_name = forms.CharField(max_length=120, required=False, strip=True)
    # Filled in by the browser (its own time zone); "today" and streaks use it.
    time_zone = forms.CharField(max_length=64, required=False, strip=True)

    def clean_time_zone(self):
        return valid_time_zone(self.cleaned_data.get("time_zone", ""))

    def clean_passkey(self):
        try:
            self.locked_passkey = passkey_lock_for_redemption(raw_key=self.cleaned_data["passkey"])
        except PasskeyRefused as refusal:
            if context.request is not None:
                passkey_failure_count(context.request)
            raise forms.ValidationError(refusal.messages[0], code=f"passkey_{refusal.code}") from None
        return self.cleaned_data["passkey"]

    def signup(self, request, user):
        from afterresume.accounts.services import signup_complete

        signup_complete(
            user=user,
            passkey=self.locked_passkey,
            display_name=self.cleaned_data.get("display_name", ""),
            time_zone=self.cleaned_data.get("time_zone", ""),
        )
