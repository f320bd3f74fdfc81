from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from afterresume.accounts.models import ApiToken
from afterresume.accounts.tokens import api_token_hash

# last_used_at is refreshed at most this often: no write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
UNSUPPORTED_SCHEME = (
    "Unsupported Authorization header: send a personal API token as 'Authorization: Bearer <key>' "
    "(or 'Token <key>')."
)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` (the common convention) or `Authorization: Token <key>` with a
    personal API token."""

    keyword = "Token"
    schemes = (b"bearer", b"token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() not in self.schemes:
            # Not ours: another authenticator may still succeed, and an endpoint that needs none
            # ignores it; if the call ends unauthenticated, its 401 says what to send instead.
            request.authentication_hint = UNSUPPORTED_SCHEME
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: expected 'Bearer <key>' (or 'Token <key>')."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None

        token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is deactivated.")

        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request.api_token = token
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes `Authorization: Token <key>` in the OpenAPI schema."""

    target_class = ApiTokenAuthentication
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token: `Bearer <key>` (or `Token <key>`).",
        }
