from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.headless.internal.restkit.response import APIResponse
from django.conf import settings
from django.core.exceptions import PermissionDenied

from afterresume.audit.services import audit_record
from afterresume.core.client_ip import client_ip

PRODUCT_NAME = "AfterResume"


class ProductSite:
    """What allauth's e-mails call the site: the product and the frontend's address. Without it they
    name the host the request came to — the backend's internal address the frontend calls."""

    name = PRODUCT_NAME

    @property
    def domain(self) -> str:
        return urlsplit(settings.FRONTEND_URL).netloc


# allauth's notification templates for second-factor changes → the audit log's actions.
MFA_AUDIT_ACTIONS = {
    "mfa/email/totp_activated": "mfa.authenticator_app_enabled",
    "mfa/email/totp_deactivated": "mfa.authenticator_app_disabled",
    "mfa/email/recovery_codes_generated": "mfa.recovery_codes_generated",
    "mfa/email/webauthn_added": "mfa.security_key_added",
    "mfa/email/webauthn_removed": "mfa.security_key_removed",
}


def _signin_methods(request, user) -> list[str]:
    """How this sign-in proved who it is, in the product's words: "password", "authenticator app",
    "recovery code", "security key"."""
    names = {"totp": "authenticator app", "recovery_codes": "recovery code", "webauthn": "security key"}
    methods = []
    for record in get_authentication_records(request, user):
        name = "password" if record.get("method") == "password" else names.get(record.get("type", ""))
        if name and name not in methods:
            methods.append(name)
    return methods


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        return f"[{PRODUCT_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": ProductSite()})

    def get_client_ip(self, request):
        # allauth's rate limits know the caller the way the rest of the backend does: its own
        # setting counts proxies whoever sends the header, so a direct client could pick any address.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def respond_user_inactive(self, request, user):
        # allauth answers a bare 401 by default; say why instead.
        raise ImmediateHttpResponse(
            APIResponse(
                request,
                errors=[{"message": "This account is deactivated.", "code": "account_inactive"}],
                status=400,
            )
        )

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        if not kwargs.get("signup"):
            methods = _signin_methods(request, user)
            audit_record(
                category="auth",
                action="signin.succeeded",
                actor=user,
                summary=f"{user.email} signed in" + (f" with {' and '.join(methods)}" if methods else ""),
                data={"methods": methods},
            )
        return response

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:
        # allauth calls this after each change to a person's second factors (whether or not it then
        # sends mail): the one place they all pass through, so the audit log records them here.
        action = MFA_AUDIT_ACTIONS.get(template_prefix)
        if action:
            audit_record(
                category="auth",
                action=action,
                actor=user,
                target=f"user:{user.pk}",
                summary=f"{user.email}: {action}",
            )
        super().send_notification_mail(template_prefix, user, context=context, email=email)

    def authentication_failed(self, request, **credentials):
        # `credentials` holds the plain password: only the e-mail is recorded.
        super().authentication_failed(request, **credentials)
        audit_record(
            category="auth",
            action="signin.failed",
            actor_email=str(credentials.get("email", ""))[:254],
            summary=f"Failed sign-in for {credentials.get('email', '')}"[:300],
        )
