"""What Prometheus scrapes from the frontend (runbook, "Monitoring: Prometheus and Sentry"):
django-prometheus's request series, from its middlewares (settings). `/metrics` answers only a
scraper (`is_scraper`); the backend has the same rule in its own afterresume.core.prometheus."""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 peer seen on a dual-stack socket (::ffff:10.0.0.1) is that IPv4 address.
    return getattr(address, "ipv4_mapped", None) or address


def is_scraper(request: HttpRequest) -> bool:
    """The connecting peer is in METRICS_ALLOWED_NETWORKS (its own address: forwarded headers are
    not believed here), or the request carries `Authorization: Bearer <METRICS_TOKEN>`."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    address = _address(request.META.get("REMOTE_ADDR", ""))
    return address is not None and any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format to a scraper; a 404 to anyone else (the page does not exist)."""
    if not is_scraper(request):
        raise Http404
    return ExportToDjangoView(request)
