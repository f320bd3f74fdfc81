import contextlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from webapp.accounts.forms import (
    NewPasswordForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
    TokenCreateForm,
)
from webapp.accounts.security_views import pending_second_factor
from webapp.accounts.session import (
    safe_next,
    session_refresh_user,
    session_replace_token,
    session_sign_in,
    session_sign_out,
    session_user,
    signin_required,
)
from webapp.backend.errors import BackendError, BackendRateLimited, BackendUnavailable, BackendValidationError
from webapp.backend.security_calls import SecondFactorRequired, SecurityCalls

RATE_LIMITED = "Too many attempts. Please wait a few minutes and try again."


# Backend answers a form can show next to its fields; anything else (session ended, backend down,
# not allowed, server error) goes to the middleware, which answers the same way on every page.
FORM_ERRORS = (BackendValidationError, BackendRateLimited)


def _status_for(error: BackendError) -> int:
    if isinstance(error, BackendUnavailable):
        return 503
    return 429 if isinstance(error, BackendRateLimited) else 400


@require_http_methods(["GET", "POST"])
def signin(request):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if session_user(request) is not None:
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            token = SecurityCalls(request.backend).sign_in(**form.cleaned_data)
            session_sign_in(request, session_token=token)
        except SecondFactorRequired as pending:
            return pending_second_factor(request, pending, next_url)
        except BackendUnavailable:
            form.add_error(None, "The server cannot be reached right now. Please try again in a moment.")
            status = 503
        except BackendError as error:
            form.add_error(None, RATE_LIMITED if isinstance(error, BackendRateLimited) else error.message)
            status = _status_for(error)
        else:
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/signin.html", {"form": form, "next": next_url}, status=status)


@require_http_methods(["GET", "POST"])
def signup(request):
    if session_user(request) is not None:
        return redirect("dashboard:home")
    form = SignUpForm(request.POST or None, initial={"passkey": request.GET.get("passkey", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            token = request.backend.sign_up(**form.cleaned_data)
            user = session_sign_in(request, session_token=token)
        except BackendUnavailable:
            form.add_error(
                None, "The server cannot be reached right now. Nothing was created; please try again."
            )
            status = 503
        except BackendError as error:
            if isinstance(error, BackendRateLimited):
                form.add_error(None, error.message if "passkey" in error.message else RATE_LIMITED)
            else:
                form.add_backend_errors(error)
            status = _status_for(error)
        else:
            messages.success(request, f"Welcome to AfterResume, {user['display_name'] or user['email']}!")
            return redirect("dashboard:home")
    elif request.method == "POST":
        status = 400
    # The password is never sent back into the page.
    if form.is_bound:
        form.data = form.data.copy()
        form.data["password"] = ""
    return render(request, "accounts/signup.html", {"form": form}, status=status)


@require_POST
def signout(request):
    if session_user(request) is not None:
        # The browser session ends anyway; a backend session we could not end expires on its own.
        with contextlib.suppress(BackendError):
            request.backend.sign_out()
    session_sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:signin")


@require_http_methods(["GET", "POST"])
def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            request.backend.password_reset_request(email=form.cleaned_data["email"])
        except BackendUnavailable:
            form.add_error(None, "The server cannot be reached right now. Please try again in a moment.")
            status = 503
        except BackendError as error:
            form.add_error(None, RATE_LIMITED if isinstance(error, BackendRateLimited) else error.message)
            status = _status_for(error)
        else:
            return render(request, "accounts/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, key: str):
    if request.method == "GET" and not request.backend.password_reset_key_is_valid(key=key):
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            request.backend.password_reset(key=key, password=form.cleaned_data["new_password"])
        except BackendError as error:
            form.add_backend_errors(error)
            status = _status_for(error)
        else:
            messages.success(request, "Your password is set. Sign in with it now.")
            return redirect("accounts:signin")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/password_reset_confirm.html", {"form": form}, status=status)


@require_GET
@signin_required
def profile(request):
    return render(request, "accounts/profile.html", _profile_context(request))


def _profile_context(request) -> dict:
    user = session_user(request)
    return {
        "user": user,
        "profile_form": ProfileForm(
            initial={"display_name": user["display_name"], "time_zone": user.get("time_zone", "UTC")}
        ),
        "password_form": PasswordChangeForm(),
        "token_form": TokenCreateForm(),
        "tokens": request.backend.tokens(),
    }


@require_POST
@signin_required
def profile_update(request):
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            request.backend.profile_update(**form.cleaned_data)
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            session_refresh_user(request)
            messages.success(request, "Your details are saved.")
            return redirect("accounts:profile")
    return render(
        request, "accounts/profile.html", {**_profile_context(request), "profile_form": form}, status=422
    )


@require_POST
@signin_required
def password_change(request):
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            new_token = request.backend.password_change(
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            if new_token:
                session_replace_token(request, session_token=new_token)
            if not request.htmx:
                messages.success(request, "Your password is changed.")
                return redirect("accounts:profile")
            response = render(
                request,
                "accounts/profile.html#password",
                {"password_form": PasswordChangeForm(), "password_changed": True},
            )
            return trigger_client_event(response, "toast", {"text": "Password changed."})
    if request.htmx:
        return render(request, "accounts/profile.html#password", {"password_form": form}, status=422)
    return render(
        request, "accounts/profile.html", {**_profile_context(request), "password_form": form}, status=422
    )


@require_POST
@signin_required
def token_create(request):
    form = TokenCreateForm(request.POST)
    new_token = None
    status = 200
    if form.is_valid():
        try:
            new_token = request.backend.token_create(
                name=form.cleaned_data["name"], expires_in_days=form.expires_in_days()
            )
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
            status = 429 if isinstance(error, BackendRateLimited) else 422
        else:
            form = TokenCreateForm()
    else:
        status = 422
    context = {"token_form": form, "tokens": request.backend.tokens(), "new_token": new_token}
    if not request.htmx:
        return render(
            request, "accounts/profile.html", {**_profile_context(request), **context}, status=status
        )
    response = render(
        request, "accounts/profile.html#tokens", context, status=status if status != 429 else 422
    )
    return (
        trigger_client_event(response, "toast", {"text": "Token created. Copy it now."})
        if new_token
        else response
    )


@require_POST
@signin_required
def token_revoke(request, token_id: int):
    request.backend.token_revoke(token_id=token_id)
    if not request.htmx:
        messages.success(request, "Token revoked.")
        return redirect("accounts:profile")
    response = render(
        request,
        "accounts/profile.html#tokens",
        {"token_form": TokenCreateForm(), "tokens": request.backend.tokens()},
    )
    return trigger_client_event(response, "toast", {"text": "Token revoked."})
