"""The one way the backend tells who is calling: rate limits (ours, django-ratelimit's and, through
the account adapter, allauth's) and the audit log all use `client_ip`."""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 peer seen on a dual-stack socket (::ffff:10.0.0.1) is that IPv4 address.
    return getattr(address, "ipv4_mapped", None) or address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _is_trusted_proxy(address: Address) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """The caller's address, or "" when not even the connecting peer's is one.

    X-Forwarded-For is believed only from a peer in TRUSTED_PROXIES (the frontend, a TLS proxy):
    walking it from the right, each trusted proxy vouches for the entry left of it, and the first
    address that is no trusted proxy is the client. A caller that is no proxy is known by the
    address it connects from, whatever it forwards. An entry that is no address ("unknown") ends
    the walk at the last proxy: what stands further left was written by someone unvouched for."""
    client = _address(request.META.get("REMOTE_ADDR", ""))
    if client is None:
        return ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    while forwarded and _is_trusted_proxy(client):
        hop = _address(forwarded.pop())
        if hop is None:
            break
        client = hop
    return str(client)


def client_ip_for_ratelimit(group, request) -> str:
    """django-ratelimit key function (`key="afterresume.core.client_ip.client_ip_for_ratelimit"`)."""
    return client_ip(request)
