from django import forms

from webapp.backend.errors import BackendError

TOKEN_EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]


def backend_messages(messages) -> list[str]:
    """A field's messages from the backend as a flat list: a list's items, or a nested object's
    fields, come nested (e.g. `{"items": [{"price_micros": ["…"]}]}`)."""
    if isinstance(messages, dict):
        return [message for nested in messages.values() for message in backend_messages(nested)]
    if isinstance(messages, list):
        return [message for nested in messages for message in backend_messages(nested)]
    return [str(messages)]


class BackendErrorsMixin:
    """Bootstrap classes on every widget, and the backend's own messages on the form's fields
    (the same words the API gives)."""

    backend_field_names: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] += " is-invalid"
                    widget.attrs["aria-invalid"] = "true"

    def add_backend_errors(self, error: BackendError) -> None:
        placed = False
        for field, messages in (error.fields or {}).items():
            name = self.backend_field_names.get(field, field)
            for message in backend_messages(messages):
                self.add_error(name if name in self.fields else None, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class SignInForm(BackendErrorsMixin, forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        max_length=256, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SignUpForm(BackendErrorsMixin, forms.Form):
    passkey = forms.CharField(
        label="Invite passkey",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}),
        help_text="The key from your invitation, e.g. arinv_…",
    )
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(
        label="Your name",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Filled in from the browser by app.js: "today" and streaks follow the person's own clock.
    time_zone = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""})
    )
    password = forms.CharField(
        max_length=256,
        strip=False,
        help_text="At least 8 characters, not a common one.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordResetRequestForm(BackendErrorsMixin, forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class NewPasswordForm(BackendErrorsMixin, forms.Form):
    backend_field_names = {"password": "new_password", "key": None}

    new_password = forms.CharField(
        label="New password",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    new_password_again = forms.CharField(
        label="New password, again",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password") and cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", "The two passwords are not the same.")
        return cleaned


class PasswordChangeForm(NewPasswordForm):
    backend_field_names = {"current_password": "current_password", "new_password": "new_password"}

    current_password = forms.CharField(
        label="Current password",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "new_password", "new_password_again"]


class TokenCreateForm(BackendErrorsMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “laptop script”.")
    expiry = forms.ChoiceField(choices=TOKEN_EXPIRY_CHOICES, initial="90", label="Expires after")

    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expiry"]
        return None if value == "never" else int(value)


def time_zone_choices():
    from zoneinfo import available_timezones

    return [
        (name, name.replace("_", " "))
        for name in sorted(available_timezones())
        if "/" in name or name == "UTC"
    ]


class ProfileForm(BackendErrorsMixin, forms.Form):
    display_name = forms.CharField(label="Your name", max_length=120, required=False)
    time_zone = forms.ChoiceField(label="Time zone", help_text="“Today”, the streak and dates use it.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
