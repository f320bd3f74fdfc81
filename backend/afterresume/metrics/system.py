"""The operators' system status (`GET /api/system/metrics/system/`): a probe per subsystem.

Each part is computed on its own and never raises: a probe that fails answers
`{"available": False, "error": "<reason>"}` and the other parts still answer. Every network probe
has a short timeout (PROBE_TIMEOUT_SECONDS), so a dead Redis or S3 costs the page seconds, not
minutes. Everything here only reads."""

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django_celery_results.models import TaskResult
from kombu import Connection
from kombu.transport.redis import PRIORITY_STEPS
from kombu.transport.redis import Channel as RedisChannel

from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.core.selectors import last_worker_ping
from afterresume.jobs.models import Job
from afterresume.metrics.models import MetricRun
from afterresume.reports.models import ReportArtifact
from afterresume.worklogs.models import Evidence

PROBE_TIMEOUT_SECONDS = 1.5
# Celery's control broadcast waits this long for workers to answer a ping.
WORKER_REPLY_SECONDS = 1.0
SLOWEST_QUERIES = 5
QUERY_TEXT_CHARS = 200
FAILED_JOBS = 10
JOB_ERROR_CHARS = 300
METRICS_RUNS = 5
ERROR_CHARS = 300


class BrokerIsNotRedis(Exception):
    pass


def _part(probe: Callable[[], dict], *, uses_database: bool = False) -> dict:
    try:
        if uses_database:
            # A savepoint: a failed query must not break the transaction the other parts read in.
            with transaction.atomic():
                return {"available": True, **probe()}
        return {"available": True, **probe()}
    except Exception as error:  # a status page reports every failure instead of raising
        return {"available": False, "error": f"{type(error).__name__}: {error}"[:ERROR_CHARS]}


def system_status() -> dict:
    return {
        "checked_at": timezone.now(),
        "database": _part(database_status, uses_database=True),
        "redis": _part(redis_status),
        "workers": _part(workers_status),
        "queues": _part(queues_status),
        "storage": _part(storage_status, uses_database=True),
        "beat": _part(beat_status, uses_database=True),
        "failed_jobs": _part(failed_jobs_status, uses_database=True),
        "metrics_runs": _part(metrics_runs_status, uses_database=True),
        "reconciliation": _part(reconciliation_status, uses_database=True),
    }


# --- database ------------------------------------------------------------------------------------


def database_status() -> dict:
    if connection.vendor == "postgresql":
        return _postgresql_status()
    name = str(connection.settings_dict["NAME"])
    is_file = name != ":memory:" and not name.startswith("file:") and os.path.exists(name)
    return {
        "vendor": connection.vendor,
        "size_bytes": os.path.getsize(name) if is_file else None,
        "connections": None,
        "slowest_queries": None,
        "slowest_queries_note": f"Query statistics are not collected on {connection.vendor}.",
    }


def _postgresql_status() -> dict:
    with connection.cursor() as cursor:
        # Within this savepoint's transaction only: a slow catalogue never holds the page.
        cursor.execute("SET LOCAL statement_timeout = %s", [f"{int(PROBE_TIMEOUT_SECONDS * 1000)}ms"])
        cursor.execute(
            "SELECT pg_database_size(current_database()),"
            " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),"
            " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')"
        )
        size_bytes, connections, has_statements = cursor.fetchone()
    slowest, note = None, "The pg_stat_statements extension is not installed."
    if has_statements:
        slowest, note = _slowest_queries()
    return {
        "vendor": connection.vendor,
        "size_bytes": size_bytes,
        "connections": connections,
        "slowest_queries": slowest,
        "slowest_queries_note": note,
    }


def _slowest_queries() -> tuple[list[dict] | None, str]:
    try:
        # Installed is not enough: the view errors unless the library is in shared_preload_libraries.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT left(query, %s), calls, mean_exec_time FROM pg_stat_statements"
                " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " ORDER BY mean_exec_time DESC LIMIT %s",
                [QUERY_TEXT_CHARS, SLOWEST_QUERIES],
            )
            rows = cursor.fetchall()
    except Exception as error:  # reported in the note; the rest of the part still answers
        return None, f"pg_stat_statements cannot be read: {error}"[:ERROR_CHARS]
    queries = [{"query": query, "calls": calls, "mean_ms": round(mean, 3)} for query, calls, mean in rows]
    return queries, ""


# --- redis, workers, queues ------------------------------------------------------------------------


def _broker_url() -> str:
    return settings.CELERY_BROKER_URL


def _broker_redis() -> redis.Redis:
    url = _broker_url()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise BrokerIsNotRedis(f"The broker is not Redis ({url.split(':', 1)[0]}).")
    return redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
    )


def redis_status() -> dict:
    with _broker_redis() as client:
        info = client.info()
    return {
        "version": info["redis_version"],
        "used_memory_bytes": info["used_memory"],
        "connected_clients": info["connected_clients"],
        "uptime_seconds": info["uptime_in_seconds"],
    }


def _broker_connection() -> Connection:
    """A broker connection of our own, made from the settings now in force, that gives up fast."""
    broker = Connection(
        _broker_url(),
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        connect_timeout=PROBE_TIMEOUT_SECONDS,
    )
    broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT_SECONDS)
    return broker


def workers_status() -> dict:
    """The workers that answer a ping now, their queues and how many tasks each is running, and
    the newest ping result a worker recorded (the health endpoint's proof of life)."""
    from config.celery import app as celery_app

    with _broker_connection() as broker:
        replies = celery_app.control.inspect(timeout=WORKER_REPLY_SECONDS, connection=broker).ping() or {}
        names = sorted(replies)
        queues, active = {}, {}
        if names:
            # Addressed to the workers that answered and ended by their count: no second full wait.
            inspect = celery_app.control.inspect(
                destination=names, limit=len(names), timeout=WORKER_REPLY_SECONDS, connection=broker
            )
            queues = inspect.active_queues() or {}
            active = inspect.active() or {}
    workers = [
        {
            "name": name,
            "queues": sorted(queue["name"] for queue in queues.get(name) or []),
            "active": len(active.get(name) or []),
        }
        for name in names
    ]
    return {"alive": len(workers), "workers": workers, "last_ping": last_worker_ping()}


def _queue_names() -> list[str]:
    return [queue.name for queue in settings.CELERY_TASK_QUEUES]


def queues_status() -> dict:
    """How many messages wait in each queue.

    Redis: the lengths of the queue's lists (kombu keeps one list per priority step), and the
    oldest message's task, peeked at the list's tail (kombu pushes on the left and takes from the
    right). `oldest_waiting_seconds` is null on Redis: a Celery message carries no sent-at time
    (its headers hold id, task, eta, expires, retries…; an `eta` is when it may run, not when it
    was sent, and kombu's properties add none), so its age cannot be read from it.

    The filesystem broker (`./dev up`): one file per message, `<n>_<uuid>.<queue>.msg`, in its
    folder; the depth is the count of those files and the age of the oldest is its file's age."""
    url = _broker_url()
    if url.startswith("filesystem://"):
        return {"broker": "filesystem", "queues": _filesystem_queues()}
    with _broker_redis() as client:
        return {"broker": "redis", "queues": [_redis_queue(client, name) for name in _queue_names()]}


def _redis_queue(client: redis.Redis, name: str) -> dict:
    keys = [name if step == 0 else f"{name}{RedisChannel.sep}{step}" for step in PRIORITY_STEPS]
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.llen(key)
        for key in keys:
            pipe.lindex(key, -1)
        answers = pipe.execute()
    depth = sum(answers[: len(keys)])
    # The highest priority's oldest message is the one a worker takes next.
    next_message = next((message for message in answers[len(keys) :] if message), None)
    return {
        "name": name,
        "depth": depth,
        "oldest_waiting_seconds": None,
        "next_task": _task_name(next_message),
    }


def _task_name(message: bytes | None) -> str | None:
    if not message:
        return None
    try:
        return json.loads(message)["headers"]["task"]
    except (ValueError, KeyError, TypeError):  # not a Celery message: say nothing rather than guess
        return None


def _filesystem_queues() -> list[dict]:
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
    now = time.time()
    found: dict[str, list[float]] = {name: [] for name in _queue_names()}
    with os.scandir(folder) as entries:
        for entry in entries:
            queue = entry.name.partition(".")[2].removesuffix(".msg")
            if entry.name.endswith(".msg") and queue in found and entry.is_file():
                found[queue].append(entry.stat().st_mtime)
    return [
        {
            "name": name,
            "depth": len(times),
            "oldest_waiting_seconds": round(now - min(times), 1) if times else None,
            "next_task": None,
        }
        for name, times in found.items()
    ]


# --- storage --------------------------------------------------------------------------------------


def storage_status() -> dict:
    """The default storage. On S3: its bucket and whether a HEAD of it answers. On local disk: the
    folder, its free bytes, and `stored_bytes`, the sizes of the evidence files and report
    artifacts as recorded in the database (not a walk of the folder, which grows without bound)."""
    storage = storages["default"]
    backend = type(storage).__name__
    if hasattr(storage, "bucket_name"):
        _head_bucket(storage)
        return {"backend": backend, "bucket": storage.bucket_name, "bucket_reachable": True}
    root = Path(settings.MEDIA_ROOT)
    stored = Evidence.objects.aggregate(total=Sum("size", default=0))["total"]
    stored += ReportArtifact.objects.aggregate(total=Sum("size", default=0))["total"]
    return {
        "backend": backend,
        "media_root": str(root),
        # Before the first upload the folder does not exist yet: the disk it will be on is measured.
        "free_bytes": shutil.disk_usage(_existing(root)).free,
        "stored_bytes": stored,
    }


def _existing(path: Path) -> Path:
    """The path, or its nearest parent that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _head_bucket(storage) -> None:
    """A client of its own with short timeouts and no retries (the storage's own waits a minute)."""
    from botocore.config import Config

    config = storage.client_config.merge(
        Config(
            connect_timeout=PROBE_TIMEOUT_SECONDS,
            read_timeout=PROBE_TIMEOUT_SECONDS,
            retries={"total_max_attempts": 1},
        )
    )
    client = storage._create_session().client(
        "s3",
        region_name=storage.region_name,
        use_ssl=storage.use_ssl,
        endpoint_url=storage.endpoint_url,
        config=config,
        verify=storage.verify,
    )
    client.head_bucket(Bucket=storage.bucket_name)


# --- beat, jobs, metrics runs, reconciliation -----------------------------------------------------


def beat_status() -> dict:
    """The newest recorded result of each periodic task (results are kept CELERY_RESULT_EXPIRES:
    a task whose last run is older shows as never run)."""
    tasks = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        last = (
            TaskResult.objects.filter(task_name=entry["task"])
            .order_by("-date_done")
            .values("date_done", "status")
            .first()
        )
        tasks.append(
            {
                "name": name,
                "task": entry["task"],
                "last_run_at": last["date_done"] if last else None,
                "last_status": last["status"] if last else None,
            }
        )
    return {"tasks": tasks}


def failed_jobs_status() -> dict:
    jobs = (
        # A failed job has always ended; the order is the partial index job_failed_newest's.
        Job.objects.filter(status=Job.Status.FAILED)
        .order_by("-finished_at", "-id")
        .values("id", "tenant_id", "kind", "error", "finished_at")[:FAILED_JOBS]
    )
    return {"jobs": [{**job, "error": job["error"][:JOB_ERROR_CHARS]} for job in jobs]}


def metrics_runs_status() -> dict:
    return {"runs": list(MetricRun.objects.order_by("-started_at", "-id")[:METRICS_RUNS])}


def reconciliation_status() -> dict:
    """The ledger's reconciliation (the nightly task's and the admin API's), read only: one pass
    over every reserve account."""
    mismatches = reserve_reconcile()
    return {"clean": not mismatches, "mismatches": len(mismatches)}
