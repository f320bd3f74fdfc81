from django.conf import settings


def client_ip(request) -> str:
    """The caller's real address. Exactly TRUSTED_PROXY_HOPS proxies stand in front of this
    service (the frontend is one), each appending the address it saw to X-Forwarded-For; the
    entry that many places from the right is the client. Anything further left was written by
    the client itself and is ignored, so a forged header cannot pick the address."""
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain.append(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_HOPS
    return chain[-(hops + 1)] if len(chain) > hops else chain[0]


def client_ip_for_ratelimit(group, request) -> str:
    """django-ratelimit key function (`key="afterresume.core.client_ip.client_ip_for_ratelimit"`)."""
    return client_ip(request)
