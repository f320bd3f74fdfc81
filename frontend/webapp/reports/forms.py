from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone

from webapp.accounts.forms import BackendErrorsMixin

# The backend's kinds (ReportKindEnum), in the product's words; the first is the default.
KIND_LABELS = {
    "brag": "Brag document",
    "self_assessment": "Self-assessment",
    "resume_bullets": "Resume bullets",
    "weekly_status": "Weekly status",
}
DEFAULT_RANGE_DAYS = 30


def today_for(user: dict | None) -> date:
    """Today where the person lives (their profile's time zone), else the server's today."""
    try:
        zone = ZoneInfo((user or {}).get("time_zone") or "")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.localdate()
    return timezone.now().astimezone(zone).date()


class ReportForm(BackendErrorsMixin, forms.Form):
    """What a report covers: the same body for the estimate and for the start."""

    kind = forms.ChoiceField(choices=list(KIND_LABELS.items()), label="Kind")
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    employer = forms.CharField(max_length=200, required=False)
    project = forms.CharField(max_length=200, required=False)
    tag = forms.CharField(max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("employer", "project", "tag"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    @classmethod
    def for_last_days(cls, *, user: dict | None, **kwargs) -> "ReportForm":
        today = today_for(user)
        initial = {"kind": "brag", "date_from": today - timedelta(days=DEFAULT_RANGE_DAYS), "date_to": today}
        return cls(initial=initial, **kwargs)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end of the range comes before its start.")
        return cleaned

    def body(self) -> dict:
        """The backend's request body (empty filters left out: the API refuses them)."""
        data = self.cleaned_data
        body = {
            "kind": data["kind"],
            "date_from": data["date_from"].isoformat(),
            "date_to": data["date_to"].isoformat(),
        }
        body |= {name: data[name].strip() for name in ("employer", "project", "tag") if data[name].strip()}
        return body


SHARE_EXPIRY_CHOICES = [("never", "Never"), ("7", "In 7 days"), ("30", "In 30 days")]


class ShareForm(BackendErrorsMixin, forms.Form):
    """A read-only link to a ready report, until revoked or for a number of days."""

    expiry = forms.ChoiceField(choices=SHARE_EXPIRY_CHOICES, initial="never", label="Expires")
    backend_field_names = {"expires_at": "expiry"}

    def expires_at(self) -> str | None:
        value = self.cleaned_data["expiry"]
        return None if value == "never" else (timezone.now() + timedelta(days=int(value))).isoformat()
