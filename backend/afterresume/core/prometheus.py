"""What Prometheus scrapes from the backend (runbook, "Monitoring: Prometheus and Sentry"):
django-prometheus's request series (its middlewares, settings), the counters below, incremented by
the one place each thing happens (the jobs' `job_finish`, the ledger's `ledger_post`), and the
broker's queue depths, read at scrape time. `/metrics` answers only a scraper (`is_scraper`)."""

import hmac
import ipaddress
import logging

import redis
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

JOBS_FINISHED = Counter(
    "afterresume_jobs_finished_total",
    "Jobs that reached their final status, by kind and status.",
    ["kind", "status"],
)
LEDGER_POSTINGS = Counter(
    "afterresume_ledger_postings_total",
    "Ledger entries posted (replays of an idempotency key not counted), by kind.",
    ["kind"],
)


# Counted at once, inside the caller's transaction, rather than on commit: on-commit callbacks
# are how the services queue Celery tasks, and the billing tests count those. A transaction rolled
# back after its posting or finish (rare: both are their callers' last writes) is counted anyway.
def job_finished_count(*, kind: str, status: str) -> None:
    JOBS_FINISHED.labels(kind=str(kind), status=str(status)).inc()


def ledger_posting_count(*, kind: str) -> None:
    LEDGER_POSTINGS.labels(kind=str(kind)).inc()


# kombu's Redis transport keeps a queue's messages of priority p > 0 in the list "<queue>\x06\x16<p>"
# (its default priority steps); a queue's depth is the sum of its lists.
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
QUEUE_DEPTH_TIMEOUT_SECONDS = 1


def _priority_lists(queue: str) -> list[str]:
    return [
        queue if step == 0 else f"{queue}{KOMBU_PRIORITY_SEPARATOR}{step}" for step in KOMBU_PRIORITY_STEPS
    ]


class QueueDepthCollector:
    """afterresume_queue_depth{queue}: messages waiting in each Celery queue, asked of the Redis
    broker at scrape time. Absent when the broker is not Redis or does not answer within a second
    (a scrape never hangs on the broker)."""

    def describe(self):
        return []  # no series at registration time: collect() asks the broker only when scraped

    def collect(self):
        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://")):
            return
        queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
        try:
            client = redis.Redis.from_url(
                url,
                socket_timeout=QUEUE_DEPTH_TIMEOUT_SECONDS,
                socket_connect_timeout=QUEUE_DEPTH_TIMEOUT_SECONDS,
            )
            with client.pipeline(transaction=False) as pipeline:
                for queue in queues:
                    for name in _priority_lists(queue):
                        pipeline.llen(name)
                lengths = pipeline.execute()
            client.close()
        except redis.RedisError as error:
            logger.warning("Queue depths not scraped: the broker did not answer (%s).", error)
            return
        depth = GaugeMetricFamily(
            "afterresume_queue_depth", "Messages waiting in a Celery queue on the broker.", labels=["queue"]
        )
        steps = len(KOMBU_PRIORITY_STEPS)
        for index, queue in enumerate(queues):
            depth.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
        yield depth


QUEUE_DEPTH = QueueDepthCollector()
REGISTRY.register(QUEUE_DEPTH)


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
