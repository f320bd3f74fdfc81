"""Rate limits through django-ratelimit where allauth has none. Counters live in the shared
cache, so they hold across processes and survive a rolled-back transaction."""

from django.conf import settings
from django_ratelimit.core import get_usage, is_ratelimited

from afterresume.core.client_ip import client_ip_for_ratelimit


def _exhausted(request, *, group: str, key, rate: str) -> bool:
    """True once a failure budget is used up: failures are counted after they happen, so the
    next attempt is refused as soon as the count reaches the limit."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def _count(request, *, group: str, key, rate: str) -> None:
    get_usage(request, group=group, key=key, rate=rate, increment=True)


def passkey_failures_exhausted(request) -> bool:
    return _exhausted(
        request,
        group="passkey-failures",
        key=client_ip_for_ratelimit,
        rate=settings.RATE_LIMIT_PASSKEY_FAILURES,
    )


def passkey_failure_count(request) -> None:
    _count(
        request,
        group="passkey-failures",
        key=client_ip_for_ratelimit,
        rate=settings.RATE_LIMIT_PASSKEY_FAILURES,
    )


def _signin_budgets(email: str):
    """RATE_LIMIT_SIGNIN_FAILED in allauth's syntax ("20/m/ip,5/300s/key"), as django-ratelimit
    (group, key, rate) triples, so that /api/auth/token/ has the same budgets as allauth's sign-in."""
    budgets = []
    for part in settings.RATE_LIMIT_SIGNIN_FAILED.split(","):
        count, period, scope = part.strip().split("/")
        key = client_ip_for_ratelimit if scope == "ip" else (lambda group, request: email.lower())
        budgets.append((f"signin-failures-{scope}", key, f"{count}/{period}"))
    return budgets


def signin_failures_exhausted(request, *, email: str) -> bool:
    return any(
        _exhausted(request, group=group, key=key, rate=rate) for group, key, rate in _signin_budgets(email)
    )


def signin_failure_count(request, *, email: str) -> None:
    for group, key, rate in _signin_budgets(email):
        _count(request, group=group, key=key, rate=rate)


def signup_exhausted(request) -> bool:
    """Counts this sign-up attempt and says whether it is over the budget per address."""
    count, period, _scope = settings.RATE_LIMIT_SIGNUP.split("/")
    return is_ratelimited(
        request, group="api-signup", key=client_ip_for_ratelimit, rate=f"{count}/{period}", increment=True
    )


def token_creation_exhausted(request, *, user) -> bool:
    """Counts this token creation and says whether it is over the budget per user."""
    return is_ratelimited(
        request,
        group="token-create",
        key=lambda group, request: str(user.pk),
        rate=settings.RATE_LIMIT_TOKEN_CREATE,
        increment=True,
    )
