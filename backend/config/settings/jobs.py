"""Background work, split from base.py along its seam (base.py takes all of it): the job engine's
limits (docs/jobs.md), Celery's broker, queues and results, beat's schedule, and what the
scheduled tasks read (metrics.compute, the backups)."""

from datetime import timedelta

from celery.schedules import crontab
from environs import validate
from kombu import Queue

from .environment import REDIS_URL, RUN_DIR, env

# A step's time limit (soft: the step is told and may clean up; hard, JOBS_STEP_GRACE_SECONDS later:
# its process is killed), its deliveries before it fails for good, and the back-off between
# attempts after a transient error (doubling from the base, capped).
JOBS_STEP_TIME_LIMIT_SECONDS = env.int("JOBS_STEP_TIME_LIMIT_SECONDS", 600, validate=validate.Range(min=1))
JOBS_STEP_GRACE_SECONDS = 5
JOBS_STEP_HARD_LIMIT_SECONDS = JOBS_STEP_TIME_LIMIT_SECONDS + JOBS_STEP_GRACE_SECONDS
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", 5, validate=validate.Range(min=1))
JOBS_RETRY_BASE_SECONDS = env.float("JOBS_RETRY_BASE_SECONDS", 2.0, validate=validate.Range(min=0))
JOBS_RETRY_MAX_SECONDS = env.float("JOBS_RETRY_MAX_SECONDS", 300.0, validate=validate.Range(min=0))

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: in and out must be the same existing folder.
    BROKER_FOLDER = RUN_DIR / "broker"
    BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER),
        "data_folder_out": str(BROKER_FOLDER),
        "control_folder": str(BROKER_FOLDER / "control"),
        "polling_interval": 0.1,
    }
else:
    # A message taken but not acknowledged (its worker died) goes back to the queue after this
    # long: above the longest step and the longest retry delay, or a slow step would run twice at
    # once (docs/jobs.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 2 * JOBS_STEP_HARD_LIMIT_SECONDS + JOBS_RETRY_MAX_SECONDS
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Queues (docs/jobs.md): a worker without -Q consumes them all; an operator runs more workers
# where the load is (`celery worker -Q llm`).
CELERY_TASK_QUEUES = (Queue("celery"), Queue("llm"), Queue("billing"))
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"afterresume.billing.tasks.*": {"queue": "billing"}}
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True  # stores the task name, so the health endpoint can show the last ping
CELERY_RESULT_EXPIRES = timedelta(days=1)  # beat's built-in cleanup prunes older results daily
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Periodic runs are declared here and run by plain `celery beat` (docs/decisions.md).
CELERY_BEAT_SCHEDULE = {
    "worker-ping": {"task": "afterresume.core.tasks.ping", "schedule": timedelta(seconds=30)},
    "reserve-auto-topup-sweep": {
        "task": "afterresume.billing.tasks.auto_topup_sweep",
        "schedule": timedelta(minutes=5),
    },
    "reserve-retry-stripe-events": {
        "task": "afterresume.billing.tasks.retry_stripe_events",
        "schedule": timedelta(minutes=5),
    },
    "reserve-expire-holds": {
        "task": "afterresume.billing.tasks.expire_holds",
        "schedule": timedelta(minutes=10),
    },
    "reserve-reconcile": {
        "task": "afterresume.billing.tasks.reconcile",
        "schedule": crontab(hour=3, minute=17),
    },
    # metrics.compute (docs/metrics.md): today so far every hour, yesterday final after midnight UTC.
    "metrics-today": {"task": "afterresume.metrics.tasks.compute_today", "schedule": crontab(minute=7)},
    "metrics-yesterday": {
        "task": "afterresume.metrics.tasks.compute_yesterday",
        "schedule": crontab(hour=0, minute=23),
    },
    # A PostgreSQL dump, a listing of the stored files and a manifest (ADMIN_GUIDE_RUNBOOK.md, 7).
    "backup": {"task": "afterresume.ops.tasks.backup", "schedule": crontab(hour=2, minute=41)},
    # Exports past their time and import files never written (docs/exports.md).
    "exports-expire": {"task": "afterresume.exports.tasks.expire", "schedule": crontab(minute=37)},
}
# How long a data export can be downloaded, and an import file whose job did not write it is kept.
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", 72, validate=validate.Range(min=1))
IMPORT_FILE_KEEP_HOURS = env.int("IMPORT_FILE_KEEP_HOURS", 168, validate=validate.Range(min=1))
BACKUP_DIR = env.path("BACKUP_DIR", str(RUN_DIR / "backups"))
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", 14)
# How many workspaces one step of metrics.compute takes (read with grouped queries, stored together).
METRICS_TENANTS_PER_STEP = env.int("METRICS_TENANTS_PER_STEP", 50)
