from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
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
            audit_record(
                category="auth",
                action="signin.succeeded",
                actor=user,
                summary=f"{user.email} signed in",
            )
        return response

    def authentication_failed(self, request, **credentials):
        # `credentials` holds the plain password: only the e-mail is recorded.
        super().authentication_failed(request, **credentials)
        audit_record(
            category="auth",
            action="signin.failed",
            actor_email=str(credentials.get("email", ""))[:254],
            summary=f"Failed sign-in for {credentials.get('email', '')}"[:300],
        )
