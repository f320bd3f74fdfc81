"""Worklog benchmark (issue 4): list and create latency at 100,000 entries, through the real HTTP
stack, each as a ratio to a trivial authenticated endpoint of the same server.

    .venv/bin/python bench/worklogs.py            # or: ./dev bench
    .venv/bin/python bench/worklogs.py --entries 20000 --rounds 100   # a quicker look

What one run does, all on 127.0.0.1 and all torn down at the end (also on Ctrl-C or an error):

1. starts its own PostgreSQL cluster with durable settings (fsync, synchronous_commit on: the
   defaults) and a Redis (bench/services.py);
2. migrates with the production settings, creates a user, their workspace and an API token;
3. loads 100,000 worklog entries for that person (bulk_create in batches of 5,000; varied content
   from fixed word lists and a seeded RNG, so that the search term matches ~5 % of them; dates over
   three years; employers, projects and tags from small sets), checks that the PostgreSQL trigger
   filled every search_vector, then VACUUM ANALYZE;
4. starts gunicorn (2 sync workers, production settings, as the backend image runs it) and measures
   sequentially with one httpx client (keep-alive, although gunicorn's sync workers close every
   connection), interleaved in rounds in shuffled order so that every kind of request sees the same
   noise: GET /api/me/ (the baseline), the first page of GET /api/worklogs/ with and without a
   search term, POST /api/worklogs/, and two extra searches: a rare term (~0.2 %) and a term found
   only in the oldest third of the entries (the worst case of the timeline-walk plan);
5. prints p50/p95 and the ratios to the baseline, whether the target is met (first page with search
   under 50 ms p95), the first page's SQL timed alone, EXPLAIN (ANALYZE, BUFFERS) of the ORM's search
   queries, and writes everything as JSON to bench/results/worklogs-<timestamp>.json.
"""

import argparse
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
from services import free_port

TARGET_SEARCH_P95_MS = 50.0
PAGE_SIZE = 25  # WorkLogPagination.page_size: the first page fetches PAGE_SIZE + 1 rows
BATCH = 5_000

# --- data -------------------------------------------------------------------------------------
# Fixed word lists; no word here stems to the search terms' stems ("migrat", "postmortem",
# "storefront"), so the share of matching entries is what SEARCH_SHARE / RARE_SHARE and the project
# choice make it (counted after the load and reported).
VERBS = [
    "Fixed",
    "Reviewed",
    "Refactored",
    "Shipped",
    "Debugged",
    "Wrote",
    "Paired on",
    "Planned",
    "Documented",
    "Tested",
    "Deployed",
    "Investigated",
    "Prototyped",
    "Optimised",
    "Cleaned up",
    "Designed",
    "Presented",
    "Estimated",
]
OBJECTS = [
    "the billing webhook handler",
    "flaky end-to-end tests",
    "the onboarding flow",
    "search relevance for the help centre",
    "the CI pipeline",
    "the revenue dashboard charts",
    "the nightly export job",
    "API rate limiting",
    "the invoice PDF renderer",
    "login error messages",
    "the caching layer in front of the catalogue",
    "internal support tooling",
    "the mobile release candidate",
    "feature flag clean-up",
    "error monitoring alerts",
    "the data warehouse sync",
    "the permissions model for shared folders",
    "the notification service",
    "accessibility of the settings page",
    "the release checklist",
    "the password reset e-mails",
    "queue back-pressure in the worker pool",
    "the pricing page experiment",
    "TLS certificate renewal",
]
DETAILS = [
    "with the platform team",
    "after a customer report",
    "to cut page load time",
    "ahead of the quarterly review",
    "and wrote a short design note",
    "and added regression tests",
    "for the enterprise plan",
    "during the on-call week",
    "together with a new hire",
    "to unblock the mobile team",
    "and shared the results at stand-up",
    "behind a feature flag",
    "following the incident review",
    "to reduce cloud costs",
    "",
    "",
]
OUTCOMES = [
    "Latency dropped by {n}%.",
    "Closed {n} tickets.",
    "Saves support about {n} hours a week.",
    "Coverage went up {n} points.",
    "{n} customers were affected; all were notified.",
    "Took {n} hours, longer than estimated.",
    "",
    "",
    "",
]
SEARCH_TERM = "migration"
SEARCH_SHARE = 0.05
SEARCH_PHRASES = [
    "Planned the database migration for the orders table",
    "Ran the schema migration on staging and fixed a lock timeout",
    "Wrote the data migration that backfills customer regions",
    "Reviewed the migration plan for moving logs to the new cluster",
    "Rolled back a failed migration and documented the cause",
    "Finished migrating the reports service to the new queue",
]
RARE_TERM = "postmortem"
RARE_SHARE = 0.002
RARE_PHRASES = [
    "Wrote the postmortem for the checkout outage",
    "Ran the postmortem meeting for the failed deploy",
]
# A project of the first employer: its name is only in the oldest third of the entries.
OLD_TERM = "storefront"
# A career: one employer after another, each with its own projects.
EMPLOYERS = [
    ("Northwind Traders", ["Storefront", "Warehouse API", "Loyalty", "Internal tools"]),
    ("Globex", ["Payments", "Risk engine", "Partner portal", "Data platform"]),
    ("Initech", ["Reporting", "Mobile app", "Identity", "Growth"]),
]
TAGS = [
    "backend",
    "frontend",
    "infra",
    "testing",
    "docs",
    "mentoring",
    "incident",
    "performance",
    "security",
    "hiring",
    "planning",
    "review",
    "release",
    "data",
    "oncall",
    "design",
    "api",
    "mobile",
    "billing",
    "support",
]
TAGGED_SHARE = 0.6
YEARS = 3


def entry_text(rng: random.Random) -> str:
    first = rng.random()
    if first < SEARCH_SHARE:
        opening = rng.choice(SEARCH_PHRASES)
    elif first < SEARCH_SHARE + RARE_SHARE:
        opening = rng.choice(RARE_PHRASES)
    else:
        opening = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    detail = rng.choice(DETAILS)
    text = f"{opening} {detail}".strip() + "."
    outcome = rng.choice(OUTCOMES).format(n=rng.randint(2, 60))
    if outcome:
        text += " " + outcome
    if rng.random() < 0.3:
        text += f" Next: {rng.choice(VERBS).lower()} {rng.choice(OBJECTS)}."
    return text


def employer_for(day_index: int, span_days: int) -> tuple[str, list[str]]:
    return EMPLOYERS[min(len(EMPLOYERS) - 1, day_index * len(EMPLOYERS) // (span_days + 1))]


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


# --- Django in this process (loading, EXPLAIN) --------------------------------------------------
def create_owner():
    from afterresume.tenants.services import tenant_create_with_owner

    user, key = user_with_token(email="bench@example.com", display_name="Bench Person", label="bench")
    tenant = tenant_create_with_owner(owner=user, name="Bench workspace")
    return user, tenant, key


def load_entries(*, user, tenant, count: int, seed: int) -> dict:
    from django.db import connection, transaction

    from afterresume.worklogs.models import Tag, WorkLog

    rng = random.Random(seed)
    tags = Tag.objects.bulk_create([Tag(tenant=tenant, author=user, name=name) for name in TAGS])
    tag_ids = {tag.name: tag.id for tag in tags}
    Link = WorkLog.tags.through

    span = YEARS * 365
    today = datetime.now(UTC).date()
    # Chronological, as entries accumulate: the heap's order follows the date, as in real use.
    day_offsets = sorted(rng.randrange(span + 1) for _ in range(count))
    sources = [WorkLog.Source.MANUAL] * 17 + [WorkLog.Source.API] * 2 + [WorkLog.Source.IMPORT]
    started = time.monotonic()
    links_total = 0
    for start in range(0, count, BATCH):
        rows, row_tags = [], []
        for offset in day_offsets[start : start + BATCH]:
            employer, projects = employer_for(offset, span)
            rows.append(
                WorkLog(
                    tenant=tenant,
                    author=user,
                    date=today - timedelta(days=span - offset),
                    content=entry_text(rng),
                    source=rng.choice(sources),
                    employer=employer,
                    project="" if rng.random() < 0.1 else rng.choice(projects),
                    metadata={"ticket": f"ENG-{rng.randint(100, 9999)}"} if rng.random() < 0.1 else {},
                )
            )
            row_tags.append(rng.sample(TAGS, rng.randint(1, 3)) if rng.random() < TAGGED_SHARE else [])
        with transaction.atomic():
            created = WorkLog.objects.bulk_create(rows)
            links = [
                Link(worklog_id=entry.id, tag_id=tag_ids[name])
                for entry, names in zip(created, row_tags, strict=True)
                for name in names
            ]
            Link.objects.bulk_create(links)
        links_total += len(links)
        done = start + len(rows)
        if done % 20_000 == 0 or done == count:
            say(f"  loaded {done:>7,} entries ({time.monotonic() - started:5.1f} s)")
    load_seconds = time.monotonic() - started

    missing = WorkLog.objects.filter(search_vector__isnull=True).count()
    if missing:
        raise RuntimeError(f"{missing} entries have no search_vector: is the trigger of worklogs/0002 there?")
    with connection.cursor() as cursor:
        # Steady state, as autovacuum would leave it, and no autovacuum run in the middle of a
        # measurement: statistics for the planner and a current visibility map.
        for table in ("worklogs_worklog", "worklogs_worklog_tags", "worklogs_tag"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")
        matches = {}
        for term in (SEARCH_TERM, RARE_TERM, OLD_TERM):
            cursor.execute(
                "SELECT count(*) FROM worklogs_worklog "
                "WHERE search_vector @@ websearch_to_tsquery('english'::regconfig, %s)",
                [term],
            )
            matches[term] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_total_relation_size('worklogs_worklog')")
        table_bytes = cursor.fetchone()[0]
    return {
        "entries": count,
        "tag_links": links_total,
        "load_seconds": round(load_seconds, 1),
        "matches": {term: {"rows": n, "share": round(n / count, 4)} for term, n in matches.items()},
        "worklog_table_mib_with_indexes": round(table_bytes / 2**20, 1),
    }


def first_page_sql_timings(*, user, tenant, term: str, repeat: int) -> dict:
    """The first page's main query (the ORM's SQL) executed directly: the database's share of
    the request, without HTTP, authentication, serialisation or the tags prefetch."""
    from django.db import connection

    from afterresume.worklogs.selectors import worklog_list

    query = worklog_list(tenant=tenant, author=user, search=term).order_by("-date", "-id")[: PAGE_SIZE + 1]
    sql, params = query.query.sql_with_params()
    timings = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            began = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append((time.perf_counter() - began) * 1000)
    return summary(timings)


def explain_first_page(*, user, tenant, term: str) -> dict:
    from afterresume.worklogs.selectors import worklog_list

    # What WorkLogPagination (DRF's CursorPagination) runs for the first page.
    query = worklog_list(tenant=tenant, author=user, search=term).order_by("-date", "-id")[: PAGE_SIZE + 1]
    plan = query.explain(analyze=True, buffers=True)
    indexes = [name for name in ("worklog_search_gin", "worklog_timeline") if name in plan]
    execution = next(
        (line.split(":", 1)[1].strip() for line in plan.splitlines() if line.startswith("Execution Time")), ""
    )
    return {"term": term, "indexes": indexes, "execution_time": execution, "plan": plan}


# --- the measurement ----------------------------------------------------------------------------
KINDS = {
    "baseline": ("GET /api/me/ (baseline)", 200),
    "search": (f"GET /api/worklogs/?search={SEARCH_TERM} (first page)", 200),
    "list": ("GET /api/worklogs/ (first page)", 200),
    "create": ("POST /api/worklogs/", 201),
    "search_rare": (f"GET /api/worklogs/?search={RARE_TERM} (first page, extra)", 200),
    "search_old": (f"GET /api/worklogs/?search={OLD_TERM} (first page, extra)", 200),
}


def measure(base_url: str, key: str, *, rounds: int, warmup: int, max_seconds: float, seed: int) -> dict:
    rng = random.Random(seed + 1)
    _employer, projects = EMPLOYERS[-1]

    def create_body() -> dict:
        return {
            "date": datetime.now(UTC).date().isoformat(),
            "content": entry_text(rng),
            "employer": EMPLOYERS[-1][0],
            "project": rng.choice(projects),
            "tags": rng.sample(TAGS, 2),
        }

    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Token {key}"}, timeout=10) as client:
        requests = {
            "baseline": lambda: client.get("/api/me/"),
            "search": lambda: client.get("/api/worklogs/", params={"search": SEARCH_TERM}),
            "list": lambda: client.get("/api/worklogs/"),
            "create": lambda: client.post("/api/worklogs/", json=create_body()),
            "search_rare": lambda: client.get("/api/worklogs/", params={"search": RARE_TERM}),
            "search_old": lambda: client.get("/api/worklogs/", params={"search": OLD_TERM}),
        }

        # Sanity: the pages are what the benchmark claims to measure.
        first = requests["search"]()
        connection_header = first.headers.get("connection", "")
        page = first.json()
        if len(page["results"]) != PAGE_SIZE or not page["next"]:
            raise RuntimeError(f"search first page is not a full page: {str(page)[:300]}")
        if not requests["search_rare"]().json()["results"]:
            raise RuntimeError(f"no entry matches {RARE_TERM!r}")

        order = list(KINDS)
        started = time.monotonic()
        done = 0
        for round_number in range(warmup + rounds):
            if round_number >= warmup and time.monotonic() - started > max_seconds:
                say(f"  time budget of {max_seconds:.0f} s reached after {done} rounds")
                break
            rng.shuffle(order)  # no kind always runs right after another
            for kind in order:
                began = time.perf_counter()
                response = requests[kind]()
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != KINDS[kind][1]:
                    raise RuntimeError(
                        f"{KINDS[kind][0]} answered {response.status_code}: {response.text[:300]}"
                    )
                if round_number >= warmup:
                    timings[kind].append(elapsed)
            if round_number >= warmup:
                done += 1
                if done % 100 == 0:
                    say(f"  {done} rounds ({time.monotonic() - started:5.1f} s)")
    if done < 20:
        raise RuntimeError(f"only {done} rounds measured: too few for a p95")
    return {
        "connection_header": connection_header,  # "close": gunicorn's sync workers end each connection
        "results": {kind: summary(values) for kind, values in timings.items()},
    }


def ratios(results: dict) -> dict:
    base = results["baseline"]
    return {
        kind: {
            "p50_ratio": round(figures["p50_ms"] / base["p50_ms"], 2),
            "p95_ratio": round(figures["p95_ms"] / base["p95_ms"], 2),
        }
        for kind, figures in results.items()
    }


def print_table(results: dict, ratio: dict) -> None:
    say(f"{'request':<58} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 /base':>10} {'p95 /base':>10}")
    for kind, (label, _status) in KINDS.items():
        figures = results[kind]
        say(
            f"{label:<58} {figures['n']:>5} {figures['p50_ms']:>8.2f} {figures['p95_ms']:>8.2f} "
            f"{ratio[kind]['p50_ratio']:>10.2f} {ratio[kind]['p95_ratio']:>10.2f}"
        )


# --- the run -------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    report = report_start("worklogs")
    with migrated_backend(report) as (_services, run_dir):
        from django.db import connections

        user, tenant, key = create_owner()

        say(f"Loading {args.entries:,} entries …")
        report["data"] = load_entries(user=user, tenant=tenant, count=args.entries, seed=args.seed)
        for term, found in report["data"]["matches"].items():
            say(f"  “{term}” matches {found['rows']:,} entries ({found['share']:.2%})")

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = run_dir / "gunicorn.log"
        connections.close_all()
        say(f"Starting gunicorn (2 sync workers, production settings) on {base_url} …")
        with gunicorn(port, log_path):
            say(
                f"Measuring: {args.warmup} warm-up rounds, then up to {args.rounds} rounds ({args.max_seconds:.0f} s at most) …"
            )
            measured = measure(
                base_url,
                key,
                rounds=args.rounds,
                warmup=args.warmup,
                max_seconds=args.max_seconds,
                seed=args.seed,
            )
        results = measured["results"]
        ratio = ratios(results)
        report["http"] = {
            "server": "gunicorn, 2 sync workers, production settings",
            "client": "httpx.Client, sequential, one request of each kind per round in shuffled order",
            "connection_header": measured["connection_header"],
            "terms": {"search": SEARCH_TERM, "search_rare": RARE_TERM, "search_old": OLD_TERM},
            "results": results,
            "ratios": ratio,
        }

        say("\nFirst-page SQL alone (the ORM's query, executed directly, 100 times):")
        report["sql_direct"] = {}
        for kind, term in (
            ("search", SEARCH_TERM),
            ("list", ""),
            ("search_rare", RARE_TERM),
            ("search_old", OLD_TERM),
        ):
            figures = first_page_sql_timings(user=user, tenant=tenant, term=term, repeat=100)
            report["sql_direct"][kind] = figures
            say(f"  {KINDS[kind][0]:<58} p50 {figures['p50_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms")

        report["explain"] = [
            explain_first_page(user=user, tenant=tenant, term=term)
            for term in (SEARCH_TERM, RARE_TERM, OLD_TERM)
        ]

    target_met = results["search"]["p95_ms"] < TARGET_SEARCH_P95_MS
    report["target"] = {
        "what": f"first page with search p95 < {TARGET_SEARCH_P95_MS:.0f} ms at {args.entries:,} entries",
        "search_p95_ms": results["search"]["p95_ms"],
        "met": target_met,
    }
    report_end(report, began)

    say(
        f"\nResults ({args.entries:,} entries, {report['machine']['nproc']} CPUs, PostgreSQL "
        f"{report['postgresql']['server_version']}, fsync {report['postgresql']['fsync']}):\n"
    )
    print_table(results, ratio)
    say(
        f"\nTarget {report['target']['what']}: {'MET' if target_met else 'NOT MET'} "
        f"(p95 {results['search']['p95_ms']:.2f} ms)"
    )
    for explained in report["explain"]:
        say(
            f"\nEXPLAIN (ANALYZE, BUFFERS) of the first page for “{explained['term']}”: indexes used: "
            f"{', '.join(explained['indexes']) or 'none'}; execution {explained['execution_time']}"
        )
        say("  " + explained["plan"].replace("\n", "\n  "))

    write_report(report)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="entries to load (default 100,000)")
    parser.add_argument("--rounds", type=int, default=1000, help="measured rounds, one request of each kind")
    parser.add_argument("--warmup", type=int, default=30, help="rounds before measuring (default 30)")
    parser.add_argument(
        "--max-seconds", type=float, default=240, help="time budget of the measured rounds (default 240)"
    )
    parser.add_argument("--seed", type=int, default=4, help="RNG seed of the generated data")
    args = parser.parse_args()
    if not 1_000 <= args.entries <= 1_000_000 or not 20 <= args.rounds <= 10_000:
        parser.error("--entries must be 1,000..1,000,000 and --rounds 20..10,000")
    return run_benchmark(run, args)


if __name__ == "__main__":
    raise SystemExit(main())
