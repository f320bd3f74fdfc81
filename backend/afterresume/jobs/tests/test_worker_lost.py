"""Workers as separate processes, the way they run in production: a worker killed with SIGKILL in
the middle of a step, a message that kills every worker it reaches, and the same DAG (a chord
included) on the embedded filesystem broker the run command uses."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import Hold, LedgerEntry, UsageEvent
from afterresume.jobs.models import Job, JobEvent, JobStep
from afterresume.jobs.tests.conftest import REMOTE_MODEL, chat_answer, fund, is_skills_request
from afterresume.jobs.tests.test_engine import FUNDS, priced, start_enhance, usage_entries, wait_for_end
from conftest import token_client

BACKEND = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).parent / "celery"
STEP_LIMIT = 1  # second
# The broker's visibility timeout under these settings: 2 x (1 + 5) + 1 s. A lost message goes back
# to its queue once it is older than that, when a worker next looks (one does at start-up).
VISIBILITY_TIMEOUT = 13


def database_url_of_tests() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_env(**extra: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_of_tests(),
        "JOBS_STEP_TIME_LIMIT_SECONDS": str(STEP_LIMIT),
        "JOBS_RETRY_BASE_SECONDS": "0.2",
        "JOBS_RETRY_MAX_SECONDS": "1",
        **extra,
    }


def start_worker_process(env: dict, name: str) -> subprocess.Popen:
    """A prefork worker (one child) in its own process group, consuming every queue."""
    return subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--hostname",
            name,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        cwd=BACKEND,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


@pytest.fixture
def remote_llm(openai_server):
    """The worker processes reach the local chat-completions server through their environment."""
    return {
        "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": openai_server.url_for("/v1"),
        "LLM_API_KEY": "sk-test",
        "LLM_MODEL": REMOTE_MODEL,
        "LLM_TIMEOUT_SECONDS": "30",
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_step_leaves_the_step_to_another_worker_and_nothing_is_charged_twice(
    owner, entry, openai_server, remote_llm
):
    account = fund(owner, FUNDS)
    in_call, killed = threading.Event(), threading.Event()
    rewrites = []

    def answer(request):
        if is_skills_request(request):
            return chat_answer("Kubernetes, PostgreSQL")
        rewrites.append(time.monotonic())
        if len(rewrites) == 1:  # the first worker is in the middle of this call when it dies
            in_call.set()
            killed.wait(30)
        return chat_answer("Cut deploys from 40 to 6 minutes by moving billing to Kubernetes.")

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(answer)
    first = start_worker_process(worker_env(**remote_llm), "first@%h")
    second = None
    try:
        job_id = start_enhance(token_client(owner), entry).json()["id"]
        assert in_call.wait(60), "the rewrite never reached the server"
        stop(first, signal.SIGKILL)  # the whole worker, its pool child included: no goodbye
        killed.set()
        assert JobStep.objects.get(job_id=job_id, name="rewrite").status == "running"
        time.sleep(VISIBILITY_TIMEOUT + 1)

        second = start_worker_process(worker_env(**remote_llm), "second@%h")
        job = wait_for_end(job_id, timeout=120)
    finally:
        killed.set()
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)

    assert job.status == "succeeded", job.error
    rewrite = JobStep.objects.get(job=job, name="rewrite")
    assert (rewrite.status, rewrite.attempts) == ("succeeded", 2)
    assert JobEvent.objects.filter(job=job, kind="step_retried", message="rewrite").count() == 1
    events = list(UsageEvent.objects.filter(job_reference=f"job:{job.pk}"))
    assert sorted(event.idempotency_key for event in events) == [
        f"job:{job.pk}:rewrite:0",
        f"job:{job.pk}:skills:0",
    ]  # one per call that was recorded: the killed attempt recorded nothing
    cost = priced(owner, events)
    [charge] = usage_entries(account)  # exactly one capture
    assert charge.amount_micros == -cost
    assert Hold.objects.get(pk=job.hold_id).captured_micros == cost
    account.refresh_from_db()
    assert (account.balance_micros, account.held_micros, account.jobs_running) == (FUNDS - cost, 0, 0)
    assert reserve_reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_a_message_that_kills_every_worker_stops_at_the_delivery_cap(owner, entry, openai_server, remote_llm):
    """A poison message: each delivery of the rewrite kills its worker. Past JOBS_MAX_ATTEMPTS
    deliveries (here 1) the step fails for good instead of looping, and the job settles its hold."""
    account = fund(owner, FUNDS)
    arrived, done = threading.Semaphore(0), threading.Event()

    def answer(request):
        if is_skills_request(request):
            return chat_answer("Kubernetes")
        arrived.release()
        done.wait(60)  # never answers in time: the test kills the worker meanwhile
        return chat_answer("never seen")

    openai_server.expect_request("/v1/chat/completions").respond_with_handler(answer)
    env = worker_env(**remote_llm, JOBS_MAX_ATTEMPTS="1")
    job_id = start_enhance(token_client(owner), entry).json()["id"]
    workers = []
    try:
        workers.append(start_worker_process(env, "victim@%h"))
        assert arrived.acquire(timeout=60), "the rewrite never reached the server"
        stop(workers[-1], signal.SIGKILL)
        time.sleep(VISIBILITY_TIMEOUT + 1)
        workers.append(start_worker_process(env, "survivor@%h"))
        job = wait_for_end(job_id, timeout=120)
    finally:
        done.set()
        for worker in workers:
            stop(worker, signal.SIGKILL)

    assert job.status == "failed"
    assert "rewrite: Gave up after 1 delivery of this step" in job.error
    rewrite = JobStep.objects.get(job=job, name="rewrite")
    assert (rewrite.status, rewrite.attempts) == ("failed", 2)
    assert not UsageEvent.objects.filter(idempotency_key__startswith=f"job:{job.pk}:rewrite").exists()
    skills_cost = priced(owner, UsageEvent.objects.filter(job_reference=f"job:{job.pk}"))
    assert sum(-entry.amount_micros for entry in usage_entries(account)) == skills_cost
    account.refresh_from_db()
    assert account.held_micros == 0
    assert reserve_reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_the_dag_and_its_chords_run_on_the_embedded_filesystem_broker(owner, entry, tmp_path):
    """The run command's default: kombu's filesystem broker, no Redis. The job is started by one
    process and run by a worker process, both configured by their environment alone."""
    fund(owner, FUNDS)
    env = worker_env(CELERY_BROKER_URL="filesystem://localhost//", AFTERRESUME_RUN_DIR=str(tmp_path))
    worker = start_worker_process(env, "embedded@%h")
    try:
        started = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from afterresume.accounts.models import User; from afterresume.jobs.engine import job_start; "
                "from afterresume.worklogs.models import WorkLog; "
                f"user = User.objects.get(pk={owner.pk}); "
                "job = job_start(tenant=user.membership.tenant, author=user, kind='worklog.enhance', "
                f"params={{'worklog_id': {entry.pk}}}); print(job.pk)",
            ],
            cwd=BACKEND,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        job = wait_for_end(int(started.stdout.split()[-1]), timeout=90)
    finally:
        stop(worker)

    assert job.status == "succeeded", job.error
    assert set(JobStep.objects.filter(job=job).values_list("status", flat=True)) == {"succeeded"}
    assert LedgerEntry.objects.filter(kind="usage", hold_id=job.hold_id).count() == 1
    assert list((tmp_path / "broker").glob("*.msg")) == []  # every message was consumed
    assert Job.objects.get(pk=job.pk).result["skills"]
