from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.headless.internal.restkit.response import APIResponse

from afterresume.audit.services import audit_record


class AccountAdapter(DefaultAccountAdapter):
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
                request=request,
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
            request=request,
            actor_email=str(credentials.get("email", ""))[:254],
            summary=f"Failed sign-in for {credentials.get('email', '')}"[:300],
        )
