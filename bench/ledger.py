"""Ledger benchmark (issue 5): posting throughput of `ledger_post` on one hot account and on
1,000 accounts, each as a ratio to the same SQL transaction issued directly with psycopg in the
same run (docs/money.md, docs/decisions.md).

    .venv/bin/python bench/ledger.py            # or: ./dev bench:ledger
    .venv/bin/python bench/ledger.py --seconds 4 --rounds 2 --threads 4   # a quicker look

What one run does, all on 127.0.0.1 and all torn down at the end (also on Ctrl-C or an error):

1. starts its own PostgreSQL cluster with durable settings (fsync, synchronous_commit on: the
   defaults) and a Redis (bench/services.py);
2. migrates with the production settings, creates 1,000 workspaces (bulk: Tenant and
   ReserveAccount rows) plus one hot one, and credits each with a `topup` through `ledger_post`;
3. measures throughput (committed transactions per second) with N worker threads in this process
   for a fixed time, on one hot account and on random accounts among 1,000:
   (A) `ledger_post(kind="usage", amount_micros=-1, idempotency_key=<unique>)` through Django
       (each thread has its own database connection);
   (B) the same transaction with psycopg directly (one connection per thread): BEGIN; SELECT …
       FOR UPDATE the account; look the key up; UPDATE the balance; INSERT the entry; COMMIT.
   A and B alternate in rounds (A B, then B A, …) so that both share the machine's noise; the
   figures are medians over the rounds;
4. counts the queries of one `ledger_post` (CaptureQueriesContext), times one thread's calls
   sequentially (A and B), and checks the books: `reserve_reconcile()` must return [];
5. prints the table and whether the targets are met (A/B ≥ 0.5 over 1,000 accounts, ≥ 0.8 on the
   hot account), and writes everything as JSON to bench/results/ledger-<timestamp>.json.
"""

import argparse
import contextlib
import random
import statistics
import threading
import time

from common import (
    migrated_backend,
    report_end,
    report_start,
    run_benchmark,
    say,
    workspaces_with_accounts,
    write_report,
)

ACCOUNTS = 1_000
CREDIT_MICROS = 10**12  # $1,000,000 per account: no run gets near zero at -1 µ$ per post
TARGETS = {"hot": 0.8, "spread": 0.5}  # A/B, median over rounds
CASES = {"hot": "one hot account", "spread": f"random accounts among {ACCOUNTS:,}"}
VARIANTS = {
    "A": "ledger_post via Django",
    "B": "same SQL via psycopg",
    "C": "candidate: one statement via Django",
}
MAX_POSTS_PER_THREAD = 2_000_000  # a bound on every loop besides the time limit

# The transaction `ledger_post` runs, issued directly (B).
SQL_LOCK = "SELECT balance_micros, held_micros FROM billing_reserveaccount WHERE id = %s FOR UPDATE"
SQL_KEY = "SELECT 1 FROM billing_ledgerentry WHERE idempotency_key = %s"
SQL_UPDATE = "UPDATE billing_reserveaccount SET balance_micros = %s, updated_at = now() WHERE id = %s"
SQL_INSERT = (
    "INSERT INTO billing_ledgerentry (account_id, kind, amount_micros, balance_after_micros, "
    "idempotency_key, actor_id, hold_id, stripe_event_id, memo, created_at) "
    "VALUES (%s, 'usage', %s, %s, %s, NULL, NULL, '', '', now()) RETURNING id"
)
# --candidate (C): a prototype of the change this benchmark suggests for `ledger_post`, sent through
# Django's connection: one statement, committed on its own in autocommit mode. The UPDATE takes the
# row lock, checks the funds and the key, and the INSERT uses its RETURNING; a key posted
# concurrently still meets the unique constraint (IntegrityError, the existing fallback). Not
# application code: measured here only to size the gain.
SQL_CANDIDATE = """
WITH account AS (
  UPDATE billing_reserveaccount SET balance_micros = balance_micros + %(amount)s, updated_at = now()
  WHERE id = %(account)s
    AND (balance_micros + %(amount)s >= 0 OR %(amount)s > 0 OR %(allow_negative)s)
    AND NOT EXISTS (SELECT 1 FROM billing_ledgerentry WHERE idempotency_key = %(key)s)
  RETURNING id, balance_micros
)
INSERT INTO billing_ledgerentry (account_id, kind, amount_micros, balance_after_micros,
  idempotency_key, actor_id, hold_id, stripe_event_id, memo, created_at)
SELECT id, %(kind)s, %(amount)s, balance_micros, %(key)s, NULL, NULL, '', '', now() FROM account
RETURNING id, balance_after_micros, created_at
"""


# --- data -------------------------------------------------------------------------------------
def create_accounts(count: int) -> tuple[int, list[int]]:
    """`count` workspaces for the spread case and one more for the hot case, each credited once."""
    from afterresume.billing.ledger.posting import ledger_post
    from afterresume.billing.models import LedgerEntry

    ids = workspaces_with_accounts(count + 1, name="Bench workspace")
    for account_id in ids:
        ledger_post(
            account_id=account_id,
            kind=LedgerEntry.Kind.TOPUP,
            amount_micros=CREDIT_MICROS,
            idempotency_key=f"bench:topup:{account_id}",
            memo="benchmark credit",
        )
    return ids[0], ids[1:]


# --- the two ways of posting --------------------------------------------------------------------
class DjangoPoster:
    """(A) The real service function; Django gives each thread its own connection."""

    def __init__(self) -> None:
        from afterresume.billing.ledger.posting import ledger_post

        self.post_function = ledger_post

    def post(self, account_id: int, key: str) -> None:
        self.post_function(account_id=account_id, kind="usage", amount_micros=-1, idempotency_key=key)

    def close(self) -> None:
        from django.db import connections

        connections.close_all()  # this thread's connections


class PsycopgPoster:
    """(B) The same transaction, sent with psycopg on a connection of its own."""

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.connection = psycopg.connect(dsn, autocommit=False)

    def post(self, account_id: int, key: str) -> None:
        connection = self.connection
        with connection.cursor() as cursor:  # psycopg begins the transaction on the first statement
            cursor.execute(SQL_LOCK, (account_id,))
            balance, _held = cursor.fetchone()
            cursor.execute(SQL_KEY, (key,))
            if cursor.fetchone() is not None:
                connection.rollback()
                return
            new_balance = balance - 1
            if new_balance < 0:
                raise RuntimeError("benchmark account ran dry")
            cursor.execute(SQL_UPDATE, (new_balance, account_id))
            cursor.execute(SQL_INSERT, (account_id, -1, new_balance, key))
            cursor.fetchone()
        connection.commit()

    def close(self) -> None:
        self.connection.close()


class CandidatePoster:
    """(C) The suggested `ledger_post` body, through Django's connection and a model instance."""

    def __init__(self) -> None:
        from django.db import connection

        from afterresume.billing.models import LedgerEntry

        self.connection = connection
        self.model = LedgerEntry

    def post(self, account_id: int, key: str) -> None:
        params = {"amount": -1, "account": account_id, "allow_negative": False, "key": key, "kind": "usage"}
        with self.connection.cursor() as cursor:
            cursor.execute(SQL_CANDIDATE, params)
            row = cursor.fetchone()
        if row is None:  # the slow path (key seen, funds short) is not exercised here
            raise RuntimeError("candidate post found the key or the funds short")
        entry = self.model(
            id=row[0],
            account_id=account_id,
            kind="usage",
            amount_micros=-1,
            balance_after_micros=row[1],
            idempotency_key=key,
            created_at=row[2],
        )
        entry._state.adding = False

    def close(self) -> None:
        from django.db import connections

        connections.close_all()


def make_poster(variant: str, dsn: str):
    if variant == "A":
        return DjangoPoster()
    if variant == "C":
        return CandidatePoster()
    return PsycopgPoster(dsn)


def measure_cell(
    *,
    variant: str,
    case: str,
    threads: int,
    seconds: float,
    hot_id: int,
    spread_ids: list[int],
    dsn: str,
    tag: str,
) -> dict:
    """`threads` workers post for `seconds`; returns committed posts and tx/s."""
    counts = [0] * threads
    errors: list[BaseException] = []
    ready = threading.Barrier(threads + 1)
    start_at: list[float] = []
    ends = [0.0] * threads

    def worker(index: int) -> None:
        rng = random.Random(f"{tag}:{index}")
        poster = None
        try:
            poster = make_poster(variant, dsn)
            # Open Django's connection before the clock starts, as psycopg's is.
            if variant != "B":
                from django.db import connection

                connection.ensure_connection()
            ready.wait(timeout=60)
            deadline = start_at[0] + seconds
            done = 0
            while done < MAX_POSTS_PER_THREAD and time.perf_counter() < deadline:
                account_id = hot_id if case == "hot" else rng.choice(spread_ids)
                poster.post(account_id, f"bench:{tag}:{index}:{done}")
                done += 1
            counts[index] = done
            ends[index] = time.perf_counter()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            with contextlib.suppress(threading.BrokenBarrierError):
                ready.abort()
        finally:
            if poster is not None:
                poster.close()

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    start_at.append(time.perf_counter() + 0.05)
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait(timeout=60)
    for thread in workers:
        thread.join(timeout=seconds + 120)
    if errors:
        raise RuntimeError(f"{variant}/{case}/{threads} threads failed: {errors[0]!r}") from errors[0]
    if any(thread.is_alive() for thread in workers):
        raise RuntimeError(f"{variant}/{case}/{threads} threads: a worker did not finish")
    elapsed = max(ends) - start_at[0]
    total = sum(counts)
    return {"posts": total, "seconds": round(elapsed, 3), "tps": round(total / elapsed, 1)}


# --- profile ------------------------------------------------------------------------------------
def profile_queries(account_id: int) -> dict:
    """The SQL of one `ledger_post`, as Django sends it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from afterresume.billing.ledger.posting import ledger_post

    with CaptureQueriesContext(connection) as captured:
        ledger_post(account_id=account_id, kind="usage", amount_micros=-1, idempotency_key="bench:profile:1")
    return {
        "count": len(captured.captured_queries),
        "sql": [query["sql"] for query in captured.captured_queries],
    }


def sequential_latency(*, account_ids: list[int], dsn: str, posts: int, variants: list[str]) -> dict:
    """One thread, one post after another: the cost of a post without lock waits, A vs B."""
    figures = {}
    for variant in variants * 2:
        poster = make_poster(variant, dsn)
        rng = random.Random(variant)
        timings = []
        try:
            for i in range(posts):
                began = time.perf_counter()
                poster.post(rng.choice(account_ids), f"bench:seq:{variant}:{len(figures)}:{i}:{began}")
                timings.append((time.perf_counter() - began) * 1000)
        finally:
            if variant == "B":
                poster.close()
        figures.setdefault(variant, []).extend(timings)
    return {
        variant: {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 3),
            "mean_ms": round(statistics.fmean(values), 3),
        }
        for variant, values in figures.items()
    }


def python_share_of_post(account_id: int, posts: int) -> dict:
    """Where a Django post spends its time: the database calls (time inside cursor.execute, as seen
    by a wrapper) against the whole call, over `posts` sequential posts."""
    from django.db import connection

    from afterresume.billing.ledger.posting import ledger_post

    in_db = [0.0]
    per_statement: dict[str, float] = {}

    def timer(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - began
            in_db[0] += spent
            words = sql.split()
            name = f"{words[0]} {'FOR UPDATE' if 'FOR UPDATE' in sql else ''}".strip()
            per_statement[name] = per_statement.get(name, 0.0) + spent

    total = 0.0
    with connection.execute_wrapper(timer):
        for i in range(posts):
            began = time.perf_counter()
            ledger_post(
                account_id=account_id, kind="usage", amount_micros=-1, idempotency_key=f"bench:share:{i}"
            )
            total += time.perf_counter() - began
    # COMMIT is not a cursor.execute: the wrapper does not see it; it is part of "outside".
    return {
        "posts": posts,
        "mean_ms": round(total / posts * 1000, 3),
        "mean_ms_in_execute": round(in_db[0] / posts * 1000, 3),
        "mean_ms_outside_execute": round((total - in_db[0]) / posts * 1000, 3),
        "mean_ms_per_statement": {
            name: round(spent / posts * 1000, 3) for name, spent in per_statement.items()
        },
    }


def reconcile() -> list:
    from afterresume.billing.ledger.selectors import reserve_reconcile

    return reserve_reconcile()


# --- the run -------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    report = report_start("ledger")
    with migrated_backend(report) as (services, _run_dir):
        dsn = services.database_url

        from django.db import connection, connections

        say(f"Creating {ACCOUNTS:,} + 1 workspaces and crediting each through ledger_post …")
        loaded = time.monotonic()
        hot_id, spread_ids = create_accounts(ACCOUNTS)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) billing_reserveaccount")
            cursor.execute("VACUUM (ANALYZE) billing_ledgerentry")
        report["data"] = {"accounts": ACCOUNTS + 1, "load_seconds": round(time.monotonic() - loaded, 1)}
        say(f"  done in {report['data']['load_seconds']:.1f} s")

        report["profile"] = {"queries": profile_queries(spread_ids[0])}
        say(
            f"One ledger_post sends {report['profile']['queries']['count']} statements, BEGIN and COMMIT included:"
        )
        for sql in report["profile"]["queries"]["sql"]:
            say(f"  {sql[:160]}{' …' if len(sql) > 160 else ''}")
        connections.close_all()

        cells = [(case, threads) for case in CASES for threads in args.threads]
        variants = ["A", "B", "C"] if args.candidate else ["A", "B"]
        say(
            f"\nWarm-up ({args.warmup_seconds:.0f} s per cell), then {args.rounds} rounds of "
            f"{args.seconds:.0f} s per cell ({len(cells) * len(variants)} cells per round) …"
        )
        runs: dict = {f"{case}/{threads}": {variant: [] for variant in variants} for case, threads in cells}
        accounts_and_dsn = {"hot_id": hot_id, "spread_ids": spread_ids, "dsn": dsn}
        for case, threads in cells:
            for variant in variants:
                measure_cell(
                    variant=variant,
                    case=case,
                    threads=threads,
                    seconds=args.warmup_seconds,
                    tag=f"warm:{variant}:{case}:{threads}",
                    **accounts_and_dsn,
                )
        measuring = time.monotonic()
        for round_number in range(args.rounds):
            order = variants if round_number % 2 == 0 else variants[::-1]
            line = []
            for case, threads in cells:
                for variant in order:
                    figures = measure_cell(
                        variant=variant,
                        case=case,
                        threads=threads,
                        seconds=args.seconds,
                        tag=f"r{round_number}:{variant}:{case}:{threads}",
                        **accounts_and_dsn,
                    )
                    runs[f"{case}/{threads}"][variant].append(figures)
                    line.append(f"{case}/{threads}{variant} {figures['tps']:.0f}")
            say(f"  round {round_number + 1} ({time.monotonic() - measuring:5.1f} s): " + ", ".join(line))

        results = {}
        for case, threads in cells:
            key = f"{case}/{threads}"
            a = [figures["tps"] for figures in runs[key]["A"]]
            b = [figures["tps"] for figures in runs[key]["B"]]
            per_round = [round(x / y, 3) for x, y in zip(a, b, strict=True)]
            results[key] = {
                "case": case,
                "threads": threads,
                "A_tps_median": round(statistics.median(a), 1),
                "B_tps_median": round(statistics.median(b), 1),
                "ratio_median": round(statistics.median(per_round), 3),
                "ratio_per_round": per_round,
                "target": TARGETS[case],
                "met": statistics.median(per_round) >= TARGETS[case],
            }
            if "C" in variants:
                c = [figures["tps"] for figures in runs[key]["C"]]
                results[key]["C_tps_median"] = round(statistics.median(c), 1)
                results[key]["C_ratio_median"] = round(
                    statistics.median([x / y for x, y in zip(c, b, strict=True)]), 3
                )
        report["throughput"] = {
            "seconds_per_cell": args.seconds,
            "rounds": args.rounds,
            "runs": runs,
            "results": results,
        }

        say("\nOne thread, sequential posts on random accounts (no lock waits):")
        report["profile"]["sequential"] = sequential_latency(
            account_ids=spread_ids, dsn=dsn, posts=args.sequential, variants=variants
        )
        for variant, figures in report["profile"]["sequential"].items():
            say(
                f"  {variant} {VARIANTS[variant]:<24} p50 {figures['p50_ms']:.3f} ms, mean {figures['mean_ms']:.3f} ms"
            )
        report["profile"]["django_split"] = python_share_of_post(spread_ids[1], args.sequential)
        split = report["profile"]["django_split"]
        say(
            f"  A split: {split['mean_ms']:.3f} ms per post, {split['mean_ms_in_execute']:.3f} ms inside "
            f"cursor.execute, {split['mean_ms_outside_execute']:.3f} ms outside (Python + COMMIT)"
        )
        say(f"  A per statement (ms): {split['mean_ms_per_statement']}")
        connections.close_all()

        problems = reconcile()
        report["reconciliation"] = problems
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM billing_ledgerentry")
            report["data"]["ledger_entries_at_end"] = cursor.fetchone()[0]
        connections.close_all()
        if problems:
            raise RuntimeError(f"reconciliation found {len(problems)} accounts off: {problems[:3]}")
        say(
            f"\nReconciliation: ledger sum = balance on all {ACCOUNTS + 1:,} accounts "
            f"({report['data']['ledger_entries_at_end']:,} entries)"
        )

    report_end(report, began)

    say(
        f"\nResults ({report['machine']['nproc']} CPUs, PostgreSQL {report['postgresql']['server_version']}, "
        f"fsync {report['postgresql']['fsync']}, medians over {args.rounds} rounds of {args.seconds:.0f} s):\n"
    )
    extra = f" {'C tx/s':>8} {'C/B':>6}" if args.candidate else ""
    say(f"{'case':<34} {'threads':>7} {'A tx/s':>8} {'B tx/s':>8} {'A/B':>6} {'target':>7}  met{extra}")
    for figures in results.values():
        extra = ""
        if args.candidate:
            extra = f"   {figures['C_tps_median']:>8.0f} {figures['C_ratio_median']:>6.2f}"
        say(
            f"{CASES[figures['case']]:<34} {figures['threads']:>7} {figures['A_tps_median']:>8.0f} "
            f"{figures['B_tps_median']:>8.0f} {figures['ratio_median']:>6.2f} {figures['target']:>7.2f}  "
            f"{'yes' if figures['met'] else 'NO ':<3}{extra}"
        )
    report["targets_met"] = all(figures["met"] for figures in results.values())

    write_report(report)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per cell (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each runs every cell once (default 3)")
    parser.add_argument("--threads", type=int, nargs="+", default=[4, 8], help="worker threads (default 4 8)")
    parser.add_argument("--warmup-seconds", type=float, default=2, help="warm-up per cell (default 2)")
    parser.add_argument(
        "--sequential", type=int, default=500, help="posts of the sequential profile (default 500)"
    )
    parser.add_argument(
        "--candidate",
        action="store_true",
        help="also measure (C), a one-statement prototype of the suggested ledger_post (not app code)",
    )
    args = parser.parse_args()
    if not 1 <= args.seconds <= 60 or not 1 <= args.rounds <= 10 or not 0 <= args.warmup_seconds <= 30:
        parser.error("--seconds must be 1..60, --rounds 1..10, --warmup-seconds 0..30")
    if not all(1 <= threads <= 32 for threads in args.threads) or not 10 <= args.sequential <= 10_000:
        parser.error("--threads must be 1..32 each and --sequential 10..10,000")
    return run_benchmark(run, args)


if __name__ == "__main__":
    raise SystemExit(main())
