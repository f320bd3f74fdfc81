"""Second factors in the browser: the sign-in's second step (authenticator app code, recovery code
or security key), signing in with a security key alone, and the Security page. The product says
"security key" for WebAuthn credentials, never "passkey" (that word is the invite's)."""

import json
import re
import time
from datetime import UTC, datetime

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.accounts.forms import BackendErrorsMixin
from webapp.accounts.session import safe_next, session_sign_in, session_user, signin_required
from webapp.backend.client import BackendClient
from webapp.backend.errors import BackendError, BackendRateLimited, BackendUnavailable, BackendValidationError
from webapp.backend.security_calls import ReauthenticationRequired, SecondFactorRequired, SecurityCalls

PENDING_TOKEN_KEY = "pending_signin_token"  # noqa: S105 (a session key name, not a secret)
PENDING_TYPES_KEY = "pending_signin_types"
PENDING_NEXT_KEY = "pending_signin_next"
KEY_SIGNIN_TOKEN_KEY = "security_key_signin_token"  # noqa: S105
CONFIRMED_AT_KEY = "security_confirmed_at"
TOTP_OFFER_KEY = "totp_offer"
NEW_CODES_KEY = "new_recovery_codes"
# The backend accepts changes for ACCOUNT_REAUTHENTICATION_TIMEOUT (300 s by default) after the
# password was confirmed; pages that start a change ask again a little before that, and a backend
# that asks anyway is answered with the password form too.
CONFIRM_FRESH_SECONDS = 240
SECOND_FACTOR_NAMES = {
    "totp": "authenticator app",
    "recovery_codes": "recovery code",
    "webauthn": "security key",
}


class CodeForm(BackendErrorsMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class PasswordConfirmForm(BackendErrorsMixin, forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


def _client_with(request, token: str) -> BackendClient:
    return BackendClient(
        request_id=request.backend.request_id,
        session_token=token,
        client_address=request.backend.client_address,
    )


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def _credential_from(request) -> tuple[dict, str]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}, ""
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        return {}, ""
    return body["credential"], str(body.get("name", ""))[:100]


# --- the sign-in's second step -------------------------------------------------------------------
def pending_second_factor(request, refusal: SecondFactorRequired, next_url: str):
    """Called by the sign-in view when the password was right and a second factor is due."""
    request.session[PENDING_TOKEN_KEY] = refusal.pending_token
    request.session[PENDING_TYPES_KEY] = refusal.types
    request.session[PENDING_NEXT_KEY] = next_url
    return redirect("accounts:second_factor")


def _finish_sign_in(request, token: str) -> str:
    next_url = request.session.get(PENDING_NEXT_KEY) or "/"
    session_sign_in(request, session_token=token)
    for key in (PENDING_TOKEN_KEY, PENDING_TYPES_KEY, PENDING_NEXT_KEY):
        request.session.pop(key, None)
    return next_url


@require_http_methods(["GET", "POST"])
def second_factor(request):
    pending = request.session.get(PENDING_TOKEN_KEY)
    if not pending:
        return redirect("accounts:signin")
    types = request.session.get(PENDING_TYPES_KEY) or []
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        calls = SecurityCalls(_client_with(request, pending))
        try:
            token = calls.second_factor_code(code=form.cleaned_data["code"].strip())
            next_url = _finish_sign_in(request, token)
        except BackendValidationError as error:
            form.add_error("code", error.fields.get("code", [error.message])[0])
            status = 400
        except BackendRateLimited:
            form.add_error(None, "Too many attempts. Please wait a few minutes and try again.")
            status = 429
        except BackendError as error:
            # The pending sign-in ended (it lasts a few minutes): start again with the password.
            request.session.pop(PENDING_TOKEN_KEY, None)
            messages.error(
                request, error.message if isinstance(error, BackendUnavailable) else "Please sign in again."
            )
            return redirect("accounts:signin")
        else:
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/second_factor.html",
        {
            "form": form,
            "has_code": bool({"totp", "recovery_codes"} & set(types)),
            "has_key": "webauthn" in types,
        },
        status=status,
    )


@require_GET
def second_factor_key_options(request):
    pending = request.session.get(PENDING_TOKEN_KEY)
    if not pending:
        return _json_error("Please sign in again.", 401)
    try:
        options = SecurityCalls(_client_with(request, pending)).second_factor_key_options()
    except BackendError as error:
        return _json_error(error.message, 400)
    return JsonResponse({"options": options})


@require_POST
def second_factor_key(request):
    pending = request.session.get(PENDING_TOKEN_KEY)
    credential, _ = _credential_from(request)
    if not pending:
        return _json_error("Please sign in again.", 401)
    if not credential:
        return _json_error("The security key gave no answer.")
    try:
        token = SecurityCalls(_client_with(request, pending)).second_factor_key(credential=credential)
        next_url = _finish_sign_in(request, token)
    except BackendError:
        return _json_error("That security key was not accepted. Try again, or use a code.")
    return JsonResponse({"redirect": next_url})


# --- signing in with a security key alone -----------------------------------------------------------
@require_GET
def key_signin_options(request):
    try:
        options, token = SecurityCalls(_client_with(request, "")).key_sign_in_options()
    except BackendRateLimited:
        return _json_error("Too many attempts. Please wait a minute and try again.", 429)
    except BackendError as error:
        return _json_error(error.message, 400)
    request.session[KEY_SIGNIN_TOKEN_KEY] = token
    return JsonResponse({"options": options})


@require_POST
def key_signin(request):
    token = request.session.pop(KEY_SIGNIN_TOKEN_KEY, None)
    credential, _ = _credential_from(request)
    if not token or not credential:
        return _json_error("Please try again.")
    try:
        session_token = SecurityCalls(_client_with(request, token)).key_sign_in(credential=credential)
        session_sign_in(request, session_token=session_token)
    except BackendError:
        return _json_error("That security key is not registered here. Sign in with your password instead.")
    next_url = safe_next(request, request.GET.get("next"))
    return JsonResponse({"redirect": next_url})


# --- the Security page --------------------------------------------------------------------------------
def _confirm_url(next_path: str) -> str:
    return f"{reverse('accounts:security_confirm')}?{urlencode({'next': next_path})}"


def _recently_confirmed(request) -> bool:
    return time.time() - request.session.get(CONFIRMED_AT_KEY, 0) < CONFIRM_FRESH_SECONDS


def _ask_password(request, next_path: str):
    messages.info(request, "Please confirm your password to change your sign-in security.")
    if request.htmx:
        response = JsonResponse({})
        response["HX-Redirect"] = _confirm_url(next_path)
        return response
    return redirect(_confirm_url(next_path))


@require_GET
@signin_required
def security(request):
    authenticators = SecurityCalls(request.backend).authenticators()
    keys = [
        {**item, "added_at": datetime.fromtimestamp(item["created_at"], tz=UTC)}
        for item in authenticators
        if item["type"] == "webauthn"
    ]
    totp = next((item for item in authenticators if item["type"] == "totp"), None)
    codes = next((item for item in authenticators if item["type"] == "recovery_codes"), None)
    return render(
        request,
        "accounts/security.html",
        {
            "user": session_user(request),
            "keys": keys,
            "totp": totp,
            "recovery": codes,
            "new_codes": request.session.pop(NEW_CODES_KEY, None),
        },
    )


@require_http_methods(["GET", "POST"])
@signin_required
def security_confirm(request):
    next_url = safe_next(
        request, request.POST.get("next") or request.GET.get("next"), reverse("accounts:security")
    )
    form = PasswordConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            SecurityCalls(request.backend).reauthenticate(password=form.cleaned_data["password"])
        except (BackendValidationError, BackendRateLimited) as error:
            form.add_error("password", error.fields.get("password", [error.message])[0])
            status = 400
        else:
            request.session[CONFIRMED_AT_KEY] = time.time()
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/security_confirm.html", {"form": form, "next": next_url}, status=status)


def _qr_svg(address: str) -> str:
    image = qrcode.make(address, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    # Drawn in millimetres by default: a fixed 200 px square is easy to scan and fits 390 px.
    return re.sub(r'^<svg width="[^"]+" height="[^"]+"', '<svg width="200" height="200"', svg)


@require_http_methods(["GET", "POST"])
@signin_required
def totp_setup(request):
    here = reverse("accounts:totp_setup")
    if not _recently_confirmed(request):
        return _ask_password(request, here)
    calls = SecurityCalls(request.backend)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
    status = 200
    offer = request.session.get(TOTP_OFFER_KEY)
    if request.method == "GET" or not offer:
        offer = calls.totp_offer()
        if not offer.get("secret"):
            messages.info(request, "An authenticator app is already set up.")
            return redirect("accounts:security")
        request.session[TOTP_OFFER_KEY] = offer
    if request.method == "POST" and form.is_valid():
        try:
            calls.totp_enable(code=form.cleaned_data["code"].strip())
        except ReauthenticationRequired:
            return _ask_password(request, here)
        except BackendValidationError as error:
            form.add_error("code", error.fields.get("code", [error.message])[0])
            status = 400
        else:
            request.session.pop(TOTP_OFFER_KEY, None)
            request.session[NEW_CODES_KEY] = calls.recovery_codes()
            messages.success(
                request, "Your authenticator app is set up. Keep your recovery codes somewhere safe."
            )
            return redirect("accounts:security")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "secret": offer["secret"], "qr_svg": mark_safe(_qr_svg(offer["totp_url"]))},  # noqa: S308 (our own SVG)
        status=status,
    )


@require_POST
@signin_required
def totp_disable(request):
    try:
        SecurityCalls(request.backend).totp_disable()
    except ReauthenticationRequired:
        return _ask_password(request, reverse("accounts:security"))
    messages.success(request, "Your authenticator app is removed.")
    return redirect("accounts:security")


@require_POST
@signin_required
def recovery_codes_regenerate(request):
    try:
        request.session[NEW_CODES_KEY] = SecurityCalls(request.backend).recovery_codes_regenerate()
    except ReauthenticationRequired:
        return _ask_password(request, reverse("accounts:security"))
    messages.success(request, "New recovery codes are made; the old ones no longer work.")
    return redirect("accounts:security")


@require_GET
@signin_required
def key_add_page(request):
    if not _recently_confirmed(request):
        return _ask_password(request, reverse("accounts:key_add"))
    return render(request, "accounts/security_key_add.html", {})


@require_GET
@signin_required
def key_add_options(request):
    try:
        options = SecurityCalls(request.backend).key_creation_options()
    except ReauthenticationRequired:
        return JsonResponse({"redirect": _confirm_url(reverse("accounts:key_add"))}, status=401)
    except BackendError as error:
        # e.g. 409: this account may not add a second factor yet (an e-mail address to verify).
        return _json_error(error.message, 400)
    return JsonResponse({"options": options})


@require_POST
@signin_required
def key_add(request):
    credential, name = _credential_from(request)
    if not credential:
        return _json_error("The security key gave no answer.")
    calls = SecurityCalls(request.backend)
    try:
        added = calls.key_add(name=name.strip() or "Security key", credential=credential)
        if (added.get("meta") or {}).get("recovery_codes_generated"):
            request.session[NEW_CODES_KEY] = calls.recovery_codes()
    except ReauthenticationRequired:
        return JsonResponse({"redirect": _confirm_url(reverse("accounts:key_add"))}, status=401)
    except BackendError as error:
        return _json_error(error.message)
    messages.success(request, f"Security key “{name.strip() or 'Security key'}” added.")
    return JsonResponse({"redirect": reverse("accounts:security")})


@require_POST
@signin_required
def key_remove(request, key_id: int):
    try:
        SecurityCalls(request.backend).key_remove(key_id=key_id)
    except ReauthenticationRequired:
        return _ask_password(request, reverse("accounts:security"))
    messages.success(request, "Security key removed.")
    return redirect("accounts:security")
