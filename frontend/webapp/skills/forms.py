from django import forms

from webapp.accounts.forms import BackendErrorsMixin


class SkillNameForm(BackendErrorsMixin, forms.Form):
    """Adding a skill by hand, and renaming one: the backend decides whether the name is free."""

    name = forms.CharField(max_length=200)

    def __init__(self, *args, label: str = "Name", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = label
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class SkillMergeForm(BackendErrorsMixin, forms.Form):
    into = forms.TypedChoiceField(coerce=int, label="Merge into")

    def __init__(self, *args, choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "Choose a skill…"), *choices]
