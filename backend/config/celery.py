import os
import sys
import tempfile

from celery import Celery
from celery.signals import celeryd_init, worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# A worker serving its metrics (serve_worker_metrics below) counts in prometheus-client's
# multiprocess mode, which is fixed when prometheus-client is first imported: the folder is set
# here, before Django loads the apps that import it.
if os.environ.get("CELERY_METRICS_PORT", "").strip() and "worker" in sys.argv[1:]:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="afterresume-worker-metrics-")

app = Celery("afterresume")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def serve_worker_metrics(**_kwargs) -> None:
    """With CELERY_METRICS_PORT set, the worker serves its metrics (the jobs' and the ledger's
    counters, counted where its tasks run) on that port of CELERY_METRICS_ADDR (default: loopback)
    for Prometheus. Off by default (runbook, "Monitoring: Prometheus and Sentry").

    The pool's processes are forked from this one and each counts on its own: each writes its
    counters to files in a folder made for this run, which the server here adds up."""
    port = os.environ.get("CELERY_METRICS_PORT", "").strip()
    if not port:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        worker_process_shutdown.connect(_forget_pool_process, weak=False)
    else:
        registry = REGISTRY  # a worker started otherwise than `celery worker`: this process only
    start_http_server(int(port), addr=os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1"), registry=registry)


def _forget_pool_process(pid=None, **_kwargs) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid or os.getpid())
