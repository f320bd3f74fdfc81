"""Reads for the health endpoint: each check answers quickly and never raises."""

import time
import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django_celery_results.models import TaskResult
from kombu import Connection

PING_TASK_NAME = "afterresume.core.tasks.ping"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    milliseconds: float
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def _timed(check) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as error:  # a health check reports every failure instead of raising
        detail = f"{type(error).__name__}: {error}"[:300]
        ok = False
    return CheckResult(ok=ok, milliseconds=round((time.perf_counter() - started) * 1000, 1), detail=detail)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str:
    cache = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("value written to the cache could not be read back")
    return type(cache).__name__


def _broker() -> str:
    url = settings.CELERY_BROKER_URL
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with Connection(url, transport_options=options, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        return broker.transport_cls if isinstance(broker.transport_cls, str) else "connected"


def health_checks() -> dict[str, CheckResult]:
    return {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}


def last_worker_ping() -> dict | None:
    """The newest result of the demo `ping` task, proof that a worker consumes the queue."""
    try:
        result = (
            TaskResult.objects.filter(task_name=PING_TASK_NAME, status="SUCCESS")
            .order_by("-date_done")
            .values("date_done", "worker", "result")
            .first()
        )
    except Exception:  # the database check already reports a broken database
        return None
    if result is None:
        return None
    return {"finished_at": result["date_done"].isoformat(), "worker": result["worker"]}
