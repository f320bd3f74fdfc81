"""Metrics benchmark (docs/metrics.md): a full daily run of `metrics.compute` through a real Celery
worker for 100, 1,000 and 10,000 workspaces with 1,000,000 entries in all, and the executive
dashboard's API (`GET /api/system/metrics/daily/`, 30 days) at each size.

    .venv/bin/python bench/metrics.py              # or: ./dev bench:metrics
    .venv/bin/python bench/metrics.py --entries 100000 --sizes 100,1000 --rounds 100   # a quicker look

What one run does, all on 127.0.0.1 and torn down at the end (also on Ctrl-C or an error):

1. starts its own durable PostgreSQL and Redis (bench/services.py), migrates with the production
   settings, creates an operator with an API token, starts gunicorn (2 sync workers) and one Celery
   worker as operators run it (prefork, concurrency 2, every queue);
2. for each size N (workspaces): N workspaces, each with its reserve account and one person; the
   entries (`--entries`, 1,000,000) spread evenly over the workspaces and over the 30 days before
   today (INSERT … SELECT generate_series; the search trigger runs), then VACUUM (ANALYZE);
3. timed, alternating in order between repetitions (`--repeat`): (A) the full daily run —
   `metrics_run_start` for yesterday until its run has ended (polled every 10 ms) — and (B) the
   baseline: one SQL aggregate of yesterday's entries per workspace. Checks that the run
   succeeded and that its platform row counts exactly the entries the SQL counts;
4. the dashboard's API with 30 days of platform rows (yesterday's computed one and 29 copies),
   `--rounds` sequential requests in shuffled order with GET /api/me/ (the baseline);
5. removes the size's data and goes on; at the end prints the table: run seconds (median), its
   ratio to the SQL baseline, the growth between sizes against the growth of N (at most linear:
   growth ≤ N's growth), whether 1,000 workspaces finish under 60 s, and the API's p95 at each size
   (flat: its ratio to /api/me/'s p95 in the same rounds varies by at most 1.5 x between sizes);
   writes bench/results/metrics-<timestamp>.json.
   Exits 1 when a run failed or miscounted.
"""

import argparse
import itertools
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
from common import (
    gunicorn,
    migrated_backend,
    report_end,
    report_start,
    run_benchmark,
    say,
    user_with_token,
    write_report,
)
from jobs import WORKER_QUEUES, celery_worker, summary
from services import free_port

TARGET_SECONDS_AT_1000 = 60.0
TARGET_PAGE_SPREAD = 1.5
POLL_SECONDS = 0.01
RUN_TIMEOUT = 900.0
SQL_ENTRIES = """
INSERT INTO worklogs_worklog (tenant_id, author_id, date, content, source, employer, project, metadata,
  created_at, updated_at)
SELECT
  (%(tenants)s::bigint[])[1 + n %% %(k)s],
  (%(authors)s::bigint[])[1 + n %% %(k)s],
  (%(first)s::timestamptz + interval '1 second' * ((n * 2591) %% 2592000))::date,
  'Bench entry ' || n || ': migrated a service, reviewed a change, wrote the runbook',
  'api', 'Acme', 'Bench', '{}'::jsonb,
  %(first)s::timestamptz + interval '1 second' * ((n * 2591) %% 2592000),
  now()
FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS n
"""
SQL_BASELINE = """
SELECT tenant_id, count(*) FROM worklogs_worklog
WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY tenant_id
"""
BATCH = 200_000


def seed(workspaces: int, entries: int, day_start: datetime) -> dict:
    """`workspaces` workspaces with a person each and their `entries`; returns facts."""
    from django.contrib.auth.hashers import make_password  # None: unusable, nobody signs in as them
    from django.db import connection

    from afterresume.accounts.models import User
    from afterresume.billing.models import ReserveAccount
    from afterresume.tenants.models import Membership, Tenant

    began = time.monotonic()
    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Bench {i}") for i in range(workspaces)], batch_size=5_000
    )
    ReserveAccount.objects.bulk_create([ReserveAccount(tenant=t) for t in tenants], batch_size=5_000)
    users = User.objects.bulk_create(
        [User(email=f"bench-{i}@example.com", password=make_password(None)) for i in range(workspaces)],
        batch_size=5_000,
    )
    Membership.objects.bulk_create(
        [
            Membership(tenant=t, user=u, role=Membership.Role.OWNER)
            for t, u in zip(tenants, users, strict=True)
        ],
        batch_size=5_000,
    )
    first = day_start - timedelta(days=29)  # the 30 days up to and including yesterday
    with connection.cursor() as cursor:
        for start in range(0, entries, BATCH):
            cursor.execute(
                SQL_ENTRIES,
                {
                    "tenants": [t.pk for t in tenants],
                    "authors": [u.pk for u in users],
                    "k": workspaces,
                    "first": first,
                    "start": start,
                    "stop": min(start + BATCH, entries),
                },
            )
            say(f"    {min(start + BATCH, entries):,} entries ({time.monotonic() - began:5.1f} s)")
        cursor.execute("VACUUM (ANALYZE) worklogs_worklog")
    return {"workspaces": workspaces, "entries": entries, "seed_seconds": round(time.monotonic() - began, 1)}


def clear(operator_tenant_id: int, operator_id: int) -> None:
    """Everything but the operator: the next size starts from an empty platform."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM metrics_metricsnapshot")
        cursor.execute("DELETE FROM metrics_metricrun")
        cursor.execute("DELETE FROM worklogs_worklog WHERE author_id <> %s", [operator_id])
        cursor.execute("DELETE FROM tenants_membership WHERE user_id <> %s", [operator_id])
        cursor.execute("DELETE FROM billing_reserveaccount WHERE tenant_id <> %s", [operator_tenant_id])
        cursor.execute("DELETE FROM tenants_tenant WHERE id <> %s", [operator_tenant_id])
        cursor.execute("DELETE FROM accounts_user WHERE id <> %s", [operator_id])
        cursor.execute("VACUUM (ANALYZE) worklogs_worklog")


def daily_run(day) -> tuple[float, object]:
    from afterresume.metrics.models import MetricRun, MetricSnapshot
    from afterresume.metrics.services import metrics_run_start

    began = time.monotonic()
    run = metrics_run_start(day=day, trigger=MetricRun.Trigger.BACKFILL)
    deadline = began + RUN_TIMEOUT
    while MetricRun.objects.filter(pk=run.pk, status=MetricRun.Status.RUNNING).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the run for {day} did not end within {RUN_TIMEOUT:.0f} s")
        time.sleep(POLL_SECONDS)
    seconds = time.monotonic() - began
    run.refresh_from_db()
    return seconds, (run, MetricSnapshot.objects.get(day=day, tenant__isnull=True))


def baseline(day_start: datetime) -> tuple[float, int]:
    from django.db import connection

    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(SQL_BASELINE, {"start": day_start, "end": day_start + timedelta(days=1)})
        rows = cursor.fetchall()
    return time.monotonic() - began, sum(count for _, count in rows)


def dashboard_api(base_url: str, key: str, day, rounds: int) -> dict:
    """30 platform rows (copies of the computed one), then the API and /api/me/ in shuffled rounds."""
    from afterresume.metrics.models import MetricSnapshot

    computed = MetricSnapshot.objects.get(day=day, tenant__isnull=True)
    MetricSnapshot.objects.filter(tenant__isnull=True).exclude(pk=computed.pk).delete()
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(
                day=day - timedelta(days=n),
                figures=computed.figures,
                is_final=True,
                computed_at=computed.computed_at,
            )
            for n in range(1, 30)
        ]
    )
    paths = {
        "daily": f"/api/system/metrics/daily/?date_from={day - timedelta(days=29)}&date_to={day}",
        "me": "/api/me/",
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        for _ in range(10):  # warm-up
            for path in paths.values():
                client.get(path).raise_for_status()
        for _ in range(rounds):
            order = list(paths.items())
            random.shuffle(order)
            for name, path in order:
                began = time.perf_counter()
                answer = client.get(path)
                times[name].append((time.perf_counter() - began) * 1000)
                answer.raise_for_status()
        assert len(client.get(paths["daily"]).json()) == 30
    return {name: summary(values) for name, values in times.items()}


def run(args: argparse.Namespace) -> int:
    report = report_start("metrics")
    began = time.monotonic()
    sizes = [int(size) for size in args.sizes.split(",")]
    report["parameters"] = {
        "entries": args.entries,
        "sizes": sizes,
        "repeat": args.repeat,
        "rounds": args.rounds,
    }
    report["sizes"] = []
    ok = True
    with migrated_backend(report) as (_services, run_dir):
        from afterresume.tenants.services import tenant_create_with_owner

        operator, key = user_with_token(
            email="operator@example.com", display_name="Operator", label="bench", is_staff=True
        )
        operator_tenant = tenant_create_with_owner(owner=operator, name="Operators")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        say(
            f"Starting gunicorn on {base_url} and a Celery worker (prefork, concurrency 2, -Q {WORKER_QUEUES}) …"
        )
        with gunicorn(port, run_dir / "gunicorn.log"), celery_worker(run_dir / "celery.log"):
            today = datetime.now(UTC).date()
            day = today - timedelta(days=1)
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            for size in sizes:
                say(f"{size:,} workspaces, {args.entries:,} entries: seeding …")
                facts = seed(size, args.entries, day_start)
                runs, sqls = [], []
                for repetition in range(args.repeat):
                    order = ["run", "sql"] if repetition % 2 == 0 else ["sql", "run"]
                    for step in order:
                        if step == "sql":
                            seconds, expected = baseline(day_start)
                            sqls.append(seconds)
                        else:
                            seconds, (metric_run, platform) = daily_run(day)
                            runs.append(seconds)
                    counted = platform.figures["entries"]
                    if metric_run.status != "succeeded" or counted != expected:
                        say(
                            f"  WRONG: run {metric_run.status} {metric_run.error!r}, entries {counted} vs SQL {expected}"
                        )
                        ok = False
                    say(
                        f"  run {runs[-1]:6.2f} s   SQL {sqls[-1] * 1000:7.1f} ms   entries that day {counted:,}"
                    )
                api = dashboard_api(base_url, key, day, args.rounds)
                say(
                    f"  API daily p50 {api['daily']['p50_ms']:.2f} ms p95 {api['daily']['p95_ms']:.2f} ms; "
                    f"/api/me/ p95 {api['me']['p95_ms']:.2f} ms"
                )
                report["sizes"].append(
                    {
                        **facts,
                        "run_seconds": [round(value, 3) for value in runs],
                        "run_median_seconds": round(statistics.median(runs), 3),
                        "sql_median_ms": round(statistics.median(sqls) * 1000, 3),
                        "run_to_sql_ratio": round(statistics.median(runs) / statistics.median(sqls), 1),
                        "api": api,
                        "api_p95_to_me_p95": round(api["daily"]["p95_ms"] / api["me"]["p95_ms"], 2),
                    }
                )
                clear(operator_tenant.pk, operator.pk)
    figures = report["sizes"]
    growth = []
    for smaller, larger in itertools.pairwise(figures):
        growth.append(
            {
                "from": smaller["workspaces"],
                "to": larger["workspaces"],
                "workspaces_growth": larger["workspaces"] / smaller["workspaces"],
                "time_growth": round(larger["run_median_seconds"] / smaller["run_median_seconds"], 2),
            }
        )
    report["growth"] = growth
    at_1000 = next((size["run_median_seconds"] for size in figures if size["workspaces"] == 1000), None)
    p95s = [size["api"]["daily"]["p95_ms"] for size in figures]
    # Flat is judged on the ratio to /api/me/ measured alongside: the machine's load moves both.
    ratios = [size["api_p95_to_me_p95"] for size in figures]
    report["targets"] = {
        "at_most_linear": all(step["time_growth"] <= step["workspaces_growth"] for step in growth),
        "under_60_s_at_1000": at_1000 is not None and at_1000 < TARGET_SECONDS_AT_1000,
        "api_p95_spread": round(max(p95s) / min(p95s), 2),
        "api_ratio_spread": round(max(ratios) / min(ratios), 2),
        "api_flat": max(ratios) / min(ratios) <= TARGET_PAGE_SPREAD,
    }
    report_end(report, began)
    say()
    say(f"{'workspaces':>10} {'run s':>8} {'x SQL':>7} {'API p95 ms':>11} {'x /me':>6}")
    for size in figures:
        say(
            f"{size['workspaces']:>10,} {size['run_median_seconds']:>8.2f} {size['run_to_sql_ratio']:>7.1f} "
            f"{size['api']['daily']['p95_ms']:>11.2f} {size['api_p95_to_me_p95']:>6.2f}"
        )
    for step in growth:
        say(
            f"  {step['from']:,} → {step['to']:,}: time x{step['time_growth']} for workspaces x{step['workspaces_growth']:.0f}"
        )
    say(f"targets: {report['targets']}")
    write_report(report)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="100,1000,10000", help="workspace counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=200)
    return run_benchmark(run, parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
