from django import forms

from webapp.accounts.forms import BackendErrorsMixin


def split_tags(value: str) -> list[str]:
    return [tag.strip() for tag in value.replace(";", ",").split(",") if tag.strip()]


class WorkLogForm(BackendErrorsMixin, forms.Form):
    """The quick-add modal and the edit page: the backend's validation is the one that counts;
    this form only keeps what was typed and shows the backend's messages next to the fields."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(
        label="What did you do?",
        max_length=10_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Shipped …, fixed …, led …"}),
    )
    employer = forms.CharField(max_length=200, required=False)
    project = forms.CharField(max_length=200, required=False)
    tags = forms.CharField(max_length=1100, required=False, help_text="Separate tags with commas.")

    def __init__(self, *args, suggestion_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name, datalist in (("employer", "employer"), ("project", "project"), ("tags", "tag")):
            self.fields[name].widget.attrs.update(
                {"list": f"{suggestion_prefix}{datalist}-suggestions", "autocomplete": "off"}
            )

    def payload(self) -> dict:
        data = dict(self.cleaned_data)
        data["date"] = data["date"].isoformat()
        data["tags"] = split_tags(data["tags"])
        return data


class TimelineFilterForm(forms.Form):
    search = forms.CharField(max_length=200, required=False)
    tag = forms.CharField(max_length=50, required=False)
    employer = forms.CharField(max_length=200, required=False)
    project = forms.CharField(max_length=200, required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    source = forms.ChoiceField(
        choices=[("", "Any source"), ("manual", "Manual"), ("api", "API"), ("import", "Import")],
        required=False,
    )


class EvidenceForm(forms.Form):
    file = forms.FileField()
