"""Jobs benchmark (docs/jobs.md): the costing throughput of `billing.cost_usage` through the real
job DAG and a real Celery worker, as a ratio to one SQL aggregate of the same events in the same
run; and the latency of the status bar (`GET /api/status/bar/`) with 0 and with 1,000,000 usage
events in the database.

    .venv/bin/python bench/jobs.py            # or: ./dev bench:jobs
    .venv/bin/python bench/jobs.py --events 10000 --repeat 2 --rounds 200   # a quicker look

What one run does, all on 127.0.0.1 and all torn down at the end (also on Ctrl-C or an error):

1. starts its own PostgreSQL cluster with durable settings (fsync, synchronous_commit on: the
   defaults) and a Redis (bench/services.py); migrates with the production settings (the migrations
   seed the standard rate card);
2. status bar: creates a person, their workspace and an API token, starts gunicorn (2 sync workers,
   production settings, as the backend image runs it) and measures sequentially with one httpx
   client, in rounds in shuffled order: GET /api/status/bar/, GET /api/me/ (the baseline of the
   other HTTP benchmarks: token authentication, tenant and membership) and GET /api/healthz/ (no
   authentication; it checks the database, the cache and the broker). Then inserts 1,000,000
   usage events with INSERT … SELECT generate_series (a fifth for that workspace, the rest over
   20 others, every one with a job reference), moves the workspaces' token counters as
   `usage_record` would, runs VACUUM (ANALYZE), and measures the same requests again on the same
   server. The status bar must answer the counters that match the inserted events;
3. costing: starts one Celery worker as operators run it (`celery -A config worker --pool prefork
   --concurrency 2 -Q celery,llm,billing`, the same environment), and, for each size (`--events`)
   and repetition (`--repeat`), outside the timing: a fresh job (`job_create_queued`), its hold
   (`hold_place`) on a funded workspace, N usage events for it (`bulk_create`, priced with the
   standard rate card's version), the job marked running, and one untimed read of its events (so
   that both measurements find the same warm pages). Then, timed: (A) `compile_dag(COSTING)`
   `.apply_async()` until the job's `cost.capture` step row is `succeeded` (the database polled
   every 2 ms), and (B) the same sum as one SQL aggregate (`SELECT sum(cost_micros), count(*) …
   WHERE job_reference = …`). A and B alternate in order between repetitions. Checks that the
   captured sum, the job's actual cost and the ledger's charge equal the SQL aggregate;
4. prints the table (events per second, medians over the repetitions, and the ratios) and whether
   the targets are met (≥ 1,000 events/s through the DAG; status bar p50 at 1,000,000 events ≤ 1.2 x
   at 0), and writes everything as JSON to bench/results/jobs-<timestamp>.json. Exits 1 when a
   sum is wrong.
"""

import argparse
import contextlib
import os
import random
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from common import (
    BACKEND,
    VENV_BIN,
    gunicorn,
    migrated_backend,
    report_end,
    report_start,
    run_benchmark,
    say,
    user_with_token,
    write_report,
)
from services import free_port, stop_process

TARGET_EVENTS_PER_SECOND = 1_000  # through the DAG, on 2 cores
TARGET_STATUS_RATIO = 1.2  # status bar p50 at 1,000,000 events / at 0
CREDIT_MICROS = 10**13  # the costing workspace's top-up ($10,000,000): no run gets near zero
OTHER_WORKSPACES = 20
JOB_KIND = "worklog.enhance"  # the engine runs steps only for a kind it knows; COSTING is every kind's tail
POLL_SECONDS = 0.002
CAPTURE_TIMEOUT = 600.0
BULK_BATCH = 100_000
BULK_JOB_BASE = 10**9  # the bulk events' job references ("job:1000000000" …) name no real job
WORKER_QUEUES = "celery,llm,billing"

# Event i of a job costs 1 + (i * 7919) % 5000 µ$: varied, positive, and the same in both loaders.
SQL_BULK = """
INSERT INTO billing_usageevent (tenant_id, idempotency_key, job_reference, model, tokens_in, tokens_out,
  tokens_counted_locally, duration_ms, cost_micros, rate_card_version_id, occurred_at)
SELECT
  CASE WHEN n %% 5 = 0 THEN %(measured)s ELSE (%(others)s::bigint[])[1 + (n / 5) %% %(k)s] END,
  'bench:bulk:' || n,
  'job:' || (%(job_base)s + n / 20),
  %(model)s,
  100 + n %% 900,
  20 + n %% 180,
  false,
  50 + n %% 1000,
  1 + (n * 7919) %% 5000,
  %(version)s,
  %(first_at)s::timestamptz + interval '3 seconds' * n
FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS n
"""
# What usage_record moves for each event: the status bar's token counters.
SQL_COUNTERS = """
UPDATE billing_reserveaccount AS account
SET tokens_in_total = account.tokens_in_total + usage.tokens_in,
    tokens_out_total = account.tokens_out_total + usage.tokens_out, updated_at = now()
FROM (SELECT tenant_id, sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out
      FROM billing_usageevent WHERE idempotency_key LIKE 'bench:bulk:%%' GROUP BY tenant_id) AS usage
WHERE usage.tenant_id = account.tenant_id
"""
SQL_AGGREGATE = (
    "SELECT coalesce(sum(cost_micros), 0), count(*) FROM billing_usageevent WHERE job_reference = %s"
)


def event_cost(i: int) -> int:
    return 1 + (i * 7919) % 5000


# --- figures ----------------------------------------------------------------------------------
def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "mean_ms": round(statistics.fmean(values), 3),
        "min_ms": round(min(values), 3),
        "max_ms": round(max(values), 3),
    }


# --- data -------------------------------------------------------------------------------------
def rate_card_version_id() -> int:
    from afterresume.billing.models import RateCardVersion

    version = RateCardVersion.objects.filter(card__plan="standard").order_by("-effective_from").first()
    if version is None:
        raise RuntimeError("the standard rate card (migration billing/0004) is missing")
    return version.pk


def person_with_workspace(email: str, name: str):
    """A person with an API token and their own workspace (with its reserve account)."""
    from afterresume.tenants.services import tenant_create_with_owner

    user, key = user_with_token(email=email, display_name=name, label="bench jobs")
    tenant = tenant_create_with_owner(owner=user, name=f"{name}'s workspace")
    return user, tenant, key


def load_bulk_events(*, measured_tenant_id: int, count: int, version_id: int) -> dict:
    """`count` usage events, a fifth of them for the measured workspace and the rest over
    OTHER_WORKSPACES others, in batches of BULK_BATCH (each its own transaction); then the token
    counters moved as usage_record moves them, and VACUUM (ANALYZE)."""
    from django.db import connection

    from afterresume.billing.models import ReserveAccount
    from afterresume.llm.local import MODEL
    from afterresume.tenants.models import Tenant

    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Usage workspace {i}") for i in range(OTHER_WORKSPACES)]
    )
    ReserveAccount.objects.bulk_create([ReserveAccount(tenant=tenant) for tenant in tenants])
    others = [tenant.pk for tenant in tenants]
    first_at = datetime.now(UTC) - timedelta(seconds=3 * count)
    began = time.monotonic()
    with connection.cursor() as cursor:
        for start in range(0, count, BULK_BATCH):
            cursor.execute(
                SQL_BULK,
                {
                    "measured": measured_tenant_id,
                    "others": others,
                    "k": len(others),
                    "job_base": BULK_JOB_BASE,
                    "model": MODEL,
                    "version": version_id,
                    "first_at": first_at,
                    "start": start,
                    "stop": min(start + BULK_BATCH, count),
                },
            )
            say(f"  {min(start + BULK_BATCH, count):,} events ({time.monotonic() - began:5.1f} s)")
        insert_seconds = time.monotonic() - began
        cursor.execute(SQL_COUNTERS)
        vacuum_began = time.monotonic()
        cursor.execute("VACUUM (ANALYZE) billing_usageevent")
        cursor.execute("VACUUM (ANALYZE) billing_reserveaccount")
        vacuum_seconds = time.monotonic() - vacuum_began
        cursor.execute(
            "SELECT count(*), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0) "
            "FROM billing_usageevent WHERE tenant_id = %s",
            [measured_tenant_id],
        )
        measured_events, tokens_in, tokens_out = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), pg_total_relation_size('billing_usageevent') FROM billing_usageevent"
        )
        total, table_bytes = cursor.fetchone()
    return {
        "events_inserted": count,
        "events_in_table": total,
        "events_of_measured_workspace": measured_events,
        "other_workspaces": OTHER_WORKSPACES,
        "measured_tokens_in": int(tokens_in),
        "measured_tokens_out": int(tokens_out),
        "table_with_indexes_mib": round(table_bytes / 2**20, 1),
        "insert_seconds": round(insert_seconds, 1),
        "vacuum_analyze_seconds": round(vacuum_seconds, 1),
    }


# --- status bar -------------------------------------------------------------------------------
KINDS = {
    "status_bar": ("GET /api/status/bar/", "/api/status/bar/"),
    "me": ("GET /api/me/ (baseline)", "/api/me/"),
    "healthz": ("GET /api/healthz/ (no auth; db, cache, broker)", "/api/healthz/"),
}


def measure_http(base_url: str, key: str, *, rounds: int, warmup: int, seed: int) -> dict:
    rng = random.Random(seed)
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Token {key}"}, timeout=10) as client:
        order = list(KINDS)
        started = time.monotonic()
        for round_number in range(warmup + rounds):
            rng.shuffle(order)
            for kind in order:
                began = time.perf_counter()
                response = client.get(KINDS[kind][1])
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200:
                    raise RuntimeError(
                        f"{KINDS[kind][0]} answered {response.status_code}: {response.text[:300]}"
                    )
                if round_number >= warmup:
                    timings[kind].append(elapsed)
        bar = client.get("/api/status/bar/").json()
    return {
        "seconds": round(time.monotonic() - started, 1),
        "status_bar_body": bar,
        "results": {kind: summary(values) for kind, values in timings.items()},
    }


# --- costing ----------------------------------------------------------------------------------
@contextlib.contextmanager
def celery_worker(log_path: Path):
    """One worker as operators run it, on all three queues, with this process's environment; ready
    (it answers a control ping) when the block starts, stopped when it ends."""
    from config.celery import app

    command = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "-Q",
        WORKER_QUEUES,
        "--hostname",
        "bench@%h",
    ]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            command,
            cwd=BACKEND,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, after the measurement, also on Ctrl-C
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if worker.poll() is not None:
                raise RuntimeError(
                    f"the Celery worker exited ({worker.returncode}):\n{log_path.read_text()[-3000:]}"
                )
            if app.control.ping(timeout=1.0):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the Celery worker did not answer within 90 s:\n{log_path.read_text()[-3000:]}"
                )
        yield worker
    finally:
        stop_process(worker, 30)


def costing_setup(*, tenant, author, account_id: int, version_id: int, events: int):
    """A running job with its hold and `events` priced usage events; returns (job, expected µ$).
    Nothing here is timed."""
    from django.db import transaction
    from django.utils import timezone

    from afterresume.billing.ledger.holds import hold_place
    from afterresume.billing.models import UsageEvent
    from afterresume.jobs.definitions import job_reference
    from afterresume.jobs.models import Job
    from afterresume.jobs.services import job_create_queued, job_mark_running
    from afterresume.llm.local import MODEL

    expected = sum(event_cost(i) for i in range(events))
    job = job_create_queued(tenant=tenant, author=author, kind=JOB_KIND, params={}, estimate_micros=expected)
    reference = job_reference(job.pk)
    with transaction.atomic():
        placed = hold_place(
            account_id=account_id,
            estimate_micros=expected + 1_000,  # a little over: the capture releases the rest
            idempotency_key=f"{reference}:hold",
            job_reference=reference,
        )
        Job.objects.filter(pk=job.pk).update(hold=placed.hold)
    now = timezone.now()
    UsageEvent.objects.bulk_create(
        (
            UsageEvent(
                tenant_id=tenant.pk,
                idempotency_key=f"{reference}:bench:{i}",
                job_reference=reference,
                model=MODEL,
                tokens_in=100 + i % 900,
                tokens_out=20 + i % 180,
                duration_ms=50 + i % 1000,
                cost_micros=event_cost(i),
                rate_card_version_id=version_id,
                occurred_at=now,
            )
            for i in range(events)
        ),
        batch_size=5_000,
    )
    job.refresh_from_db()
    job = job_mark_running(job=job)
    return job, expected


def sql_aggregate(reference: str) -> tuple[float, int, int]:
    """(seconds, µ$, events) of one SQL aggregate over the job's events."""
    from django.db import connection

    with connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.execute(SQL_AGGREGATE, [reference])
        total, count = cursor.fetchone()
        seconds = time.perf_counter() - began
    return seconds, int(total), count


PHASES = {
    "send_to_first_chunk_start": "to 1st chunk",
    "first_chunk_start_to_last_chunk_end": "chunks",
    "last_chunk_end_to_capture_start": "join",
    "capture_duration": "capture",
}


def phase_line(phases: dict) -> str:
    return ", ".join(f"{label} {phases[phase] * 1000:.1f}" for phase, label in PHASES.items())


def costing_through_dag(job, worker: subprocess.Popen, log_path: Path) -> dict:
    """apply_async of the costing chord until the job's cost.capture row is `succeeded`."""
    from afterresume.jobs.dag import compile_dag
    from afterresume.jobs.engine import CAPTURE, COSTING
    from afterresume.jobs.models import JobStep

    ended = (JobStep.Status.SUCCEEDED, JobStep.Status.FAILED, JobStep.Status.SKIPPED)
    canvas = compile_dag(COSTING, job_id=job.pk)
    wall_at_send = datetime.now(UTC)
    began = time.perf_counter()
    canvas.apply_async()
    sent = time.perf_counter()
    while True:
        row = (
            JobStep.objects.filter(job_id=job.pk, name=CAPTURE, status__in=ended)
            .values("status", "error", "result", "finished_at")
            .first()
        )
        if row is not None:
            seconds = time.perf_counter() - began
            break
        if time.perf_counter() - began > CAPTURE_TIMEOUT:
            raise RuntimeError(f"job {job.pk}: no cost.capture within {CAPTURE_TIMEOUT:.0f} s")
        if worker.poll() is not None:
            raise RuntimeError(
                f"the Celery worker exited ({worker.returncode}):\n{log_path.read_text()[-3000:]}"
            )
        time.sleep(POLL_SECONDS)
    if row["status"] != JobStep.Status.SUCCEEDED:
        steps = list(JobStep.objects.filter(job_id=job.pk).values("name", "status", "attempts", "error"))
        raise RuntimeError(
            f"job {job.pk}: cost.capture ended {row['status']}: {row['error']}; steps: {steps}"
        )
    steps = {
        step["name"]: step
        for step in JobStep.objects.filter(job_id=job.pk).values("name", "started_at", "finished_at")
    }
    chunks = [step for name, step in steps.items() if name.startswith("cost.chunk.")]
    capture = steps[CAPTURE]

    def between(earlier: datetime, later: datetime) -> float:
        return round((later - earlier).total_seconds(), 4)

    phases = {
        # The worker's own clock (steps' started_at/finished_at), from the send in this process.
        "send_to_first_chunk_start": between(wall_at_send, min(c["started_at"] for c in chunks)),
        "first_chunk_start_to_last_chunk_end": between(
            min(c["started_at"] for c in chunks), max(c["finished_at"] for c in chunks)
        ),
        "chunk_durations": sorted(between(c["started_at"], c["finished_at"]) for c in chunks),
        "last_chunk_end_to_capture_start": between(
            max(c["finished_at"] for c in chunks), capture["started_at"]
        ),
        "capture_duration": between(capture["started_at"], capture["finished_at"]),
    }
    return {
        "seconds": seconds,
        "phases": phases,
        "send_seconds": sent - began,
        # The worker's own clock when it finished the step (before its commit): no polling in it.
        "seconds_to_finished_at": (row["finished_at"] - wall_at_send).total_seconds(),
        "result": row["result"],
    }


def check_capture(job, *, expected: int, aggregate: int, events: int, step_result: dict) -> dict:
    """The captured sum equals the SQL aggregate, on the step, the job, the hold and the ledger."""
    from afterresume.billing.models import Hold, LedgerEntry
    from afterresume.jobs.models import Job

    job = Job.objects.get(pk=job.pk)
    hold = Hold.objects.get(pk=job.hold_id)
    charged = LedgerEntry.objects.filter(hold_id=hold.pk, kind=LedgerEntry.Kind.USAGE).values_list(
        "amount_micros", flat=True
    )
    figures = {
        "expected_micros": expected,
        "sql_aggregate_micros": aggregate,
        "step_cost_micros": step_result.get("cost_micros"),
        "step_events": step_result.get("events"),
        "job_actual_cost_micros": job.actual_cost_micros,
        "hold_status": hold.status,
        "hold_captured_micros": hold.captured_micros,
        "ledger_charged_micros": -sum(charged),
        "ledger_entries": len(charged),
    }
    wrong = [
        name
        for name in (
            "sql_aggregate_micros",
            "step_cost_micros",
            "job_actual_cost_micros",
            "hold_captured_micros",
            "ledger_charged_micros",
        )
        if figures[name] != expected
    ]
    if wrong or figures["step_events"] != events or hold.status != Hold.Status.CAPTURED or len(charged) != 1:
        raise RuntimeError(
            f"job {job.pk}: the captured sum is wrong ({', '.join(wrong) or 'count'}): {figures}"
        )
    return figures


def explain_chunk(reference: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one costing chunk's query, as the ORM sends it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from afterresume.billing.pricing.usage import usage_of_job_chunk
    from afterresume.jobs.engine import COST_CHUNKS

    with CaptureQueriesContext(connection) as captured:
        usage_of_job_chunk(job_reference=reference, chunk=0, chunks=COST_CHUNKS)
    sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_costing(
    *, sizes: list[int], repeat: int, warmup_events: int, run_dir: Path, version_id: int
) -> dict:
    from django.db import connections

    from afterresume.billing.ledger.posting import ledger_post
    from afterresume.billing.ledger.selectors import reserve_account_get
    from afterresume.billing.models import LedgerEntry

    author, tenant, _key = person_with_workspace("costing@example.com", "Costing Person")
    account = reserve_account_get(tenant=tenant)
    ledger_post(
        account_id=account.pk,
        kind=LedgerEntry.Kind.TOPUP,
        amount_micros=CREDIT_MICROS,
        idempotency_key="bench:jobs:topup",
    )
    setup = {"tenant": tenant, "author": author, "account_id": account.pk, "version_id": version_id}
    log_path = run_dir / "celery.log"
    connections.close_all()
    say(f"Starting a Celery worker (prefork, concurrency 2, -Q {WORKER_QUEUES}) …")
    runs: dict[int, list[dict]] = {size: [] for size in sizes}
    with celery_worker(log_path) as worker:
        # A first job warms the worker's processes up (imports, connections); not measured.
        job, expected = costing_setup(events=warmup_events, **setup)
        sql_aggregate(f"job:{job.pk}")
        warm = costing_through_dag(job, worker, log_path)
        check_capture(
            job, expected=expected, aggregate=expected, events=warmup_events, step_result=warm["result"]
        )
        say(f"  warm-up job ({warmup_events:,} events): {warm['seconds'] * 1000:.0f} ms")
        for size in sizes:
            for repetition in range(repeat):
                loading = time.monotonic()
                job, expected = costing_setup(events=size, **setup)
                reference = f"job:{job.pk}"
                sql_aggregate(reference)  # untimed: both measurements find the pages warm, hint bits set
                load_seconds = time.monotonic() - loading
                if repetition % 2 == 0:
                    dag = costing_through_dag(job, worker, log_path)
                    sql_seconds, aggregate, counted = sql_aggregate(reference)
                else:
                    sql_seconds, aggregate, counted = sql_aggregate(reference)
                    dag = costing_through_dag(job, worker, log_path)
                if counted != size:
                    raise RuntimeError(
                        f"job {job.pk}: the SQL aggregate counted {counted} events, not {size}"
                    )
                checked = check_capture(
                    job, expected=expected, aggregate=aggregate, events=size, step_result=dag["result"]
                )
                figures = {
                    "job_id": job.pk,
                    "order": "dag first" if repetition % 2 == 0 else "sql first",
                    "setup_seconds": round(load_seconds, 2),
                    "dag_seconds": round(dag["seconds"], 4),
                    "dag_seconds_to_finished_at": round(dag["seconds_to_finished_at"], 4),
                    "dag_send_seconds": round(dag["send_seconds"], 4),
                    "dag_phases_seconds": dag["phases"],
                    "sql_seconds": round(sql_seconds, 5),
                    "dag_events_per_second": round(size / dag["seconds"], 1),
                    "sql_events_per_second": round(size / sql_seconds, 1),
                    "check": checked,
                }
                runs[size].append(figures)
                say(
                    f"  {size:>9,} events, repetition {repetition + 1}: DAG {dag['seconds'] * 1000:8.1f} ms "
                    f"({figures['dag_events_per_second']:>11,.0f} ev/s), SQL {sql_seconds * 1000:7.2f} ms "
                    f"({figures['sql_events_per_second']:>13,.0f} ev/s); sum {expected:,} µ$ checked"
                )
                say("      DAG phases (ms): " + phase_line(dag["phases"]))
                connections.close_all()
        plan = explain_chunk(f"job:{runs[sizes[-1]][-1]['job_id']}")
    results = {}
    for size in sizes:
        dag_rates = [figures["dag_events_per_second"] for figures in runs[size]]
        sql_rates = [figures["sql_events_per_second"] for figures in runs[size]]
        results[size] = {
            "events": size,
            "repetitions": repeat,
            "dag_seconds_median": round(statistics.median(f["dag_seconds"] for f in runs[size]), 4),
            "sql_seconds_median": round(statistics.median(f["sql_seconds"] for f in runs[size]), 5),
            "dag_events_per_second_median": round(statistics.median(dag_rates), 1),
            "sql_events_per_second_median": round(statistics.median(sql_rates), 1),
            "dag_phases_seconds_median": {
                phase: round(statistics.median(f["dag_phases_seconds"][phase] for f in runs[size]), 4)
                for phase in PHASES
            },
            "ratio_dag_to_sql": round(statistics.median(dag_rates) / statistics.median(sql_rates), 5),
            "target_events_per_second": TARGET_EVENTS_PER_SECOND,
            "met": statistics.median(dag_rates) >= TARGET_EVENTS_PER_SECOND,
        }
    return {
        "worker": f"celery -A config worker --pool prefork --concurrency 2 -Q {WORKER_QUEUES}",
        "warmup": {"events": warmup_events, "seconds": round(warm["seconds"], 4)},
        "runs": {str(size): figures for size, figures in runs.items()},
        "results": {str(size): figures for size, figures in results.items()},
        "explain_chunk": plan,
    }


# --- the run -------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    report = report_start("jobs")
    with migrated_backend(report) as (_services, run_dir):
        from django.db import connections

        version_id = rate_card_version_id()
        _user, tenant, key = person_with_workspace("bench@example.com", "Bench Person")
        connections.close_all()

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        say(f"Starting gunicorn (2 sync workers, production settings) on {base_url} …")
        status: dict = {}
        with gunicorn(port, run_dir / "gunicorn.log"):
            say(f"Status bar with 0 usage events: {args.warmup} warm-up rounds, then {args.rounds} rounds …")
            status["empty"] = measure_http(base_url, key, rounds=args.rounds, warmup=args.warmup, seed=1)
            say(f"Inserting {args.bulk_events:,} usage events (INSERT … SELECT generate_series) …")
            report["data"] = load_bulk_events(
                measured_tenant_id=tenant.pk, count=args.bulk_events, version_id=version_id
            )
            connections.close_all()
            say(f"Status bar with {args.bulk_events:,} usage events in the table …")
            status["full"] = measure_http(base_url, key, rounds=args.rounds, warmup=args.warmup, seed=2)
        bar = status["full"]["status_bar_body"]
        if (bar["tokens_in"], bar["tokens_out"]) != (
            report["data"]["measured_tokens_in"],
            report["data"]["measured_tokens_out"],
        ):
            raise RuntimeError(f"the status bar's counters do not match the inserted events: {bar}")
        empty, full = status["empty"]["results"], status["full"]["results"]
        status_ratio = {
            "p50_ratio": round(full["status_bar"]["p50_ms"] / empty["status_bar"]["p50_ms"], 3),
            "p95_ratio": round(full["status_bar"]["p95_ms"] / empty["status_bar"]["p95_ms"], 3),
        }
        report["status_bar"] = {
            "server": "gunicorn, 2 sync workers, production settings",
            "client": "httpx.Client, sequential, one request of each kind per round in shuffled order",
            "rounds": args.rounds,
            "warmup": args.warmup,
            "phases": status,
            "ratio_full_to_empty": status_ratio,
            "target": TARGET_STATUS_RATIO,
            "met": status_ratio["p50_ratio"] <= TARGET_STATUS_RATIO,
        }

        say(
            f"\nCosting: sizes {', '.join(f'{size:,}' for size in args.events)}, {args.repeat} repetitions each …"
        )
        report["costing"] = measure_costing(
            sizes=args.events,
            repeat=args.repeat,
            warmup_events=args.warmup_events,
            run_dir=run_dir,
            version_id=version_id,
        )

    report_end(report, began)
    say(
        f"\nResults ({report['machine']['nproc']} CPUs, PostgreSQL {report['postgresql']['server_version']}, "
        f"fsync {report['postgresql']['fsync']}):"
    )
    say(
        f"\nCosting (billing.cost_usage: 4 chunk steps side by side, then cost.capture), medians over "
        f"{args.repeat} repetitions:\n"
    )
    say(
        f"{'events':>9} {'DAG ms':>9} {'DAG ev/s':>10} {'SQL ms':>8} {'SQL ev/s':>12} {'DAG/SQL':>8} "
        f"{'target ev/s':>12}  met"
    )
    for figures in report["costing"]["results"].values():
        say(
            f"{figures['events']:>9,} {figures['dag_seconds_median'] * 1000:>9.1f} "
            f"{figures['dag_events_per_second_median']:>10,.0f} {figures['sql_seconds_median'] * 1000:>8.2f} "
            f"{figures['sql_events_per_second_median']:>12,.0f} {figures['ratio_dag_to_sql']:>8.4f} "
            f"{TARGET_EVENTS_PER_SECOND:>12,}  {'yes' if figures['met'] else 'NO'}"
        )
    say("\nWhere the DAG's time goes (medians, ms, from the steps' own timestamps):")
    for figures in report["costing"]["results"].values():
        say(f"{figures['events']:>9,}: " + phase_line(figures["dag_phases_seconds_median"]))
    say(
        f"\nStatus bar and baselines, {args.rounds} rounds per phase "
        f"(0 events, then {report['data']['events_in_table']:,} in the table):\n"
    )
    say(f"{'request':<50} {'p50 @0':>8} {'p95 @0':>8} {'p50 full':>8} {'p95 full':>8} {'p50 x':>7}")
    for kind, (label, _path) in KINDS.items():
        e, f = empty[kind], full[kind]
        say(
            f"{label:<50} {e['p50_ms']:>8.2f} {e['p95_ms']:>8.2f} {f['p50_ms']:>8.2f} {f['p95_ms']:>8.2f} "
            f"{f['p50_ms'] / e['p50_ms']:>7.2f}"
        )
    say(
        f"\nTarget status bar p50 at {args.bulk_events:,} events ≤ {TARGET_STATUS_RATIO} x at 0: "
        f"{'MET' if report['status_bar']['met'] else 'NOT MET'} ({status_ratio['p50_ratio']:.2f}; "
        f"p95 {status_ratio['p95_ratio']:.2f})"
    )
    met = all(figures["met"] for figures in report["costing"]["results"].values())
    say(f"Target ≥ {TARGET_EVENTS_PER_SECOND:,} events/s through the DAG: {'MET' if met else 'NOT MET'}")
    say("\nEXPLAIN (ANALYZE, BUFFERS) of one costing chunk's query (largest size):")
    say("  " + report["costing"]["explain_chunk"].replace("\n", "\n  "))
    report["targets_met"] = met and report["status_bar"]["met"]
    write_report(report)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="usage events of one costed job, one size or more (default 10000 100000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="repetitions per size, a fresh job each (default 5)"
    )
    parser.add_argument(
        "--warmup-events", type=int, default=1_000, help="events of the unmeasured first job (default 1000)"
    )
    parser.add_argument(
        "--bulk-events",
        type=int,
        default=1_000_000,
        help="usage events inserted before the status bar's second phase (default 1,000,000)",
    )
    parser.add_argument("--rounds", type=int, default=500, help="status-bar rounds per phase (default 500)")
    parser.add_argument(
        "--warmup", type=int, default=30, help="status-bar warm-up rounds per phase (default 30)"
    )
    args = parser.parse_args()
    if not all(1 <= size <= 1_000_000 for size in args.events) or not 1 <= args.repeat <= 20:
        parser.error("--events must be 1..1,000,000 each and --repeat 1..20")
    if not 1 <= args.warmup_events <= 100_000 or not 1_000 <= args.bulk_events <= 10_000_000:
        parser.error("--warmup-events must be 1..100,000 and --bulk-events 1,000..10,000,000")
    if not 20 <= args.rounds <= 10_000 or not 0 <= args.warmup <= 1_000:
        parser.error("--rounds must be 20..10,000 and --warmup 0..1,000")
    return run_benchmark(run, args)


if __name__ == "__main__":
    raise SystemExit(main())
