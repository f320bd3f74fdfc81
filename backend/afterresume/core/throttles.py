"""API writes are limited per token (a personal API token, or the session token the
frontend holds for a signed-in browser). Reads are not limited here. Counters live in the shared
cache, so the budget holds across processes (docs/api.md)."""

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiWriteThrottle(SimpleRateThrottle):
    scope = "api-writes"

    def get_rate(self) -> str:
        return settings.RATE_LIMIT_API_WRITES

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS or not getattr(request.user, "is_authenticated", False):
            return None  # reads, and anonymous calls (sign-in, the Stripe webhook) have their own limits
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"token:{token.pk}"
        elif session := request.headers.get("X-Session-Token", ""):
            ident = "session:" + hashlib.sha256(session.encode()).hexdigest()[:32]
        else:
            ident = f"user:{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
