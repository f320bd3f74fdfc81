"""Closing one's account (Profile → Close account): the backend's statement of what would happen,
in plain words, then the password and the typed phrase. Once closed, the browser session ends too
and the person lands on the sign-in page."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from webapp.accounts.forms import BackendErrorsMixin
from webapp.accounts.session import session_sign_out, signin_required
from webapp.backend.errors import BackendConflict, BackendRateLimited, BackendValidationError

CLOSED_MESSAGE = "Your account is closed."


class CloseAccountForm(BackendErrorsMixin, forms.Form):
    password = forms.CharField(
        label="Your password",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.CharField(
        label="Type the phrase to confirm",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, phrase: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.phrase = phrase
        self.fields["confirm"].help_text = f"Type “{phrase}”."

    def clean_confirm(self) -> str:
        # The backend checks it too, the same way; asking here first spares a round trip.
        value = self.cleaned_data["confirm"]
        if " ".join(value.split()).lower() != self.phrase:
            raise forms.ValidationError(f"Type “{self.phrase}” to confirm.")
        return value


@require_http_methods(["GET", "POST"])
@signin_required
def close_account(request):
    statement = request.backend.account_closing_statement()
    form = CloseAccountForm(request.POST or None, phrase=statement["confirmation_phrase"])
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                request.backend.account_close(**form.cleaned_data)
            except (BackendValidationError, BackendRateLimited) as error:
                form.add_backend_errors(error)
                status = 429 if isinstance(error, BackendRateLimited) else 422
            except BackendConflict as error:
                # Something changed since the page was shown (a role, a job): the page says what.
                statement = request.backend.account_closing_statement()
                form.add_error(None, error.message)
                status = 409
            else:
                # The backend ended its session with the account; the browser's ends here.
                session_sign_out(request)
                messages.success(request, CLOSED_MESSAGE)
                return redirect("accounts:signin")
    return render(request, "accounts/close.html", {"statement": statement, "form": form}, status=status)
