"""Ledger export benchmark (issue 5): `GET /api/billing/admin/ledger/export.csv` streamed over HTTP
at 10,000 and at 1,000,000 ledger rows. The server's memory must not grow with the number of rows:
the peak RSS growth of the gunicorn worker that serves a 1,000,000-row export, as a ratio to the
same at 10,000 rows in the same run, must be at most 1.5. Growths under 1 MiB are
allocator noise, so the baseline counts as at least 1 MiB in that ratio; the raw figures, the peak
RSS ratio and the worker's growth after the first quarter of each large export are printed too.

    .venv/bin/python bench/export.py            # or: ./dev bench:export
    .venv/bin/python bench/export.py --large-rows 200000 --repeats 1   # a quicker look

What one run does, all on 127.0.0.1 and all torn down at the end (also on Ctrl-C or an error):

1. starts its own PostgreSQL cluster with durable settings (fsync, synchronous_commit on: the
   defaults) and a Redis (bench/services.py);
2. migrates with the production settings and creates an operator (a staff user) with an API token
   and three workspaces with their reserve accounts;
3. inserts 10,000 ledger rows with one INSERT … SELECT generate_series (psycopg): a top-up, then
   usage, on each account in turn, with a running balance_after, a unique idempotency key and a
   memo with commas (quoted in the CSV); sets each account's balance to its newest balance_after
   and checks ledger sum = balance. Then copies that database (CREATE DATABASE … TEMPLATE) and
   tops the copy up to 1,000,000 rows the same way, so that both sizes can be measured side by
   side, in alternating order;
4. for each export, starts gunicorn on one of the two databases (2 sync workers, production
   settings, as the backend image runs it), warms both workers up with a small operator request,
   resets their peak RSS (/proc/<pid>/clear_refs), downloads the export with httpx in 64 KiB
   chunks that are counted and dropped, then reads the worker's peak RSS (VmHWM). The worker that
   served the export is the one the access log names. A fresh server for every export: memory
   that an earlier export left to the allocator would hide a later export's growth;
5. checks that every export has exactly one header and one line per inserted row, ending with the
   newest id (an export that gunicorn's 30 s sync-worker timeout cuts off fails here); prints the
   medians and the ratio, and writes everything as JSON to bench/results/export-<timestamp>.json.
   Exits 1 if a row count is wrong or the ratio is over the target.
"""

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from common import (
    gunicorn,
    migrated_backend,
    report_end,
    report_start,
    run_benchmark,
    say,
    user_with_token,
    workspaces_with_accounts,
    write_report,
)
from services import free_port

EXPORT_PATH = "/api/billing/admin/ledger/export.csv"
WARMUP_PATH = "/api/billing/admin/rate-cards/"  # a small operator request: auth, DRF, the database
TARGET_MEMORY_RATIO = 1.5  # peak RSS growth at the large size / at the baseline size, medians
ACCOUNTS = 3
CREDIT_MICROS = 10**12  # each account's one top-up ($1,000,000): a million usages never reach zero
USAGE_MICROS = 1_250
ROW_SPACING = timedelta(seconds=30)  # between consecutive entries' created_at
CHUNK_BYTES = 64 * 1024
SAMPLE_SECONDS = 0.02
# The worker's pid (%(p)s) in every access-log line tells which worker served a request.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(p)s %(D)sus'
HEADER = (
    "id,created_at,tenant_id,kind,amount_micros,balance_after_micros,idempotency_key,actor_id,"
    "stripe_event_id,memo"
)

# Row n (0-based) of the whole ledger goes to account n % k as that account's (n / k)-th entry:
# a top-up first, then usage of USAGE_MICROS each, so balance_after follows in closed form and
# the baseline database and the large copy hold the same first rows.
SQL_LOAD = """
INSERT INTO billing_ledgerentry (account_id, kind, amount_micros, balance_after_micros,
  idempotency_key, actor_id, hold_id, stripe_event_id, memo, created_at)
SELECT
  (%(accounts)s::bigint[])[1 + n %% %(k)s],
  CASE WHEN n / %(k)s = 0 THEN 'topup' ELSE 'usage' END,
  CASE WHEN n / %(k)s = 0 THEN %(credit)s ELSE -%(usage)s END,
  %(credit)s - %(usage)s * (n / %(k)s),
  'bench:export:' || n,
  NULL,
  NULL,
  CASE WHEN n / %(k)s = 0 THEN 'evt_bench_' || n ELSE '' END,
  CASE WHEN n / %(k)s = 0 THEN 'card top-up'
       ELSE 'report generation, job ' || n || ', ' || (n %% 5000) || ' tokens in' END,
  %(first_at)s::timestamptz + %(spacing)s::interval * n
FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS n
ORDER BY n
"""
SQL_BALANCES = """
UPDATE billing_reserveaccount AS account SET balance_micros = newest.balance_after_micros, updated_at = now()
FROM (SELECT DISTINCT ON (account_id) account_id, balance_after_micros FROM billing_ledgerentry
      ORDER BY account_id, id DESC) AS newest
WHERE newest.account_id = account.id
"""
# Accounts whose ledger sum or newest balance_after disagrees with the balance: must be none.
SQL_BOOKS = """
SELECT account.id FROM billing_reserveaccount AS account
JOIN (SELECT account_id, sum(amount_micros) AS total, max(id) AS newest_id FROM billing_ledgerentry
      GROUP BY account_id) AS ledger ON ledger.account_id = account.id
JOIN billing_ledgerentry AS newest ON newest.id = ledger.newest_id
WHERE ledger.total <> account.balance_micros OR newest.balance_after_micros <> account.balance_micros
"""


# --- data -------------------------------------------------------------------------------------
def create_operator_and_accounts() -> tuple[str, list[int]]:
    _operator, key = user_with_token(
        email="operator@example.com", display_name="Bench Operator", label="bench export", is_staff=True
    )
    return key, workspaces_with_accounts(ACCOUNTS, name="Export workspace")


def database_url(services, name: str) -> str:
    return services.database_url.rsplit("/", 1)[0] + f"/{name}"


def load_ledger(dsn: str, *, account_ids: list[int], start: int, stop: int, first_at: datetime) -> dict:
    """Rows start..stop-1 of the ledger in one transaction, then the balances, the books check,
    VACUUM (ANALYZE) and a CHECKPOINT, so that no maintenance lands in a measurement."""
    import psycopg

    began = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as connection:
        with connection.transaction():
            connection.execute(
                SQL_LOAD,
                {
                    "accounts": account_ids,
                    "k": len(account_ids),
                    "credit": CREDIT_MICROS,
                    "usage": USAGE_MICROS,
                    "first_at": first_at,
                    "spacing": ROW_SPACING,
                    "start": start,
                    "stop": stop,
                },
            )
            connection.execute(SQL_BALANCES)
        inserted_seconds = time.monotonic() - began
        off = connection.execute(SQL_BOOKS).fetchall()
        if off:
            raise RuntimeError(f"ledger sum or newest balance_after differs from the balance: accounts {off}")
        connection.execute("VACUUM (ANALYZE) billing_ledgerentry")
        connection.execute("VACUUM (ANALYZE) billing_reserveaccount")
        connection.execute("CHECKPOINT")
        rows, newest_id = connection.execute("SELECT count(*), max(id) FROM billing_ledgerentry").fetchone()
        table_bytes = connection.execute("SELECT pg_total_relation_size('billing_ledgerentry')").fetchone()[0]
    return {
        "rows": rows,
        "newest_id": newest_id,
        "inserted": stop - start,
        "insert_seconds": round(inserted_seconds, 1),
        "seconds": round(time.monotonic() - began, 1),
        "table_mib_with_indexes": round(table_bytes / 2**20, 1),
    }


def copy_database(services, *, source: str, target: str) -> None:
    import psycopg

    with psycopg.connect(database_url(services, "postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


# --- the server ---------------------------------------------------------------------------------
def workers_of(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def served_by(log_path: Path, path: str) -> list[int]:
    """The worker pid of every access-log line for `path`, in order."""
    pattern = re.compile(rf'"GET {re.escape(path)}\S* HTTP/[\d.]+" (\d+) \S+ <(\d+)>')
    return [int(match.group(2)) for match in pattern.finditer(log_path.read_text(errors="replace"))]


def memory_kib(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def reset_peak(pid: int) -> bool:
    """Set the process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return memory_kib(pid)["VmHWM"] <= memory_kib(pid)["VmRSS"] + 64


def temp_bytes(pgdata: Path) -> int:
    """PostgreSQL's temporary files (a WITH HOLD cursor's result is written there)."""
    total = 0
    for folder in pgdata.glob("base/pgsql_tmp"):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    total += entry.stat().st_size
    return total


class Sampler:
    """Every SAMPLE_SECONDS, the workers' RSS and the size of PostgreSQL's temporary files."""

    def __init__(self, pids: list[int], pgdata: Path) -> None:
        self.pids = pids
        self.pgdata = pgdata
        self.max_rss_kib = dict.fromkeys(pids, 0)
        self.max_temp_bytes = 0
        self.samples = 0
        self.timeline: list[tuple[float, dict]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        began = time.perf_counter()
        while not self.stopping.is_set():
            rss = {}
            for pid in self.pids:
                with contextlib.suppress(OSError, KeyError):
                    rss[pid] = memory_kib(pid)["VmRSS"]
                    self.max_rss_kib[pid] = max(self.max_rss_kib[pid], rss[pid])
            self.max_temp_bytes = max(self.max_temp_bytes, temp_bytes(self.pgdata))
            self.samples += 1
            if self.samples % 5 == 1:  # every 0.1 s: enough to see the shape
                self.timeline.append((round(time.perf_counter() - began, 2), rss))
            self.stopping.wait(SAMPLE_SECONDS)

    def __enter__(self) -> "Sampler":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)


def download(base_url: str, key: str) -> dict:
    """Streams the export, counting lines and dropping the bytes; keeps only the first and last line."""
    lines = 0
    size = 0
    first_line = b""
    tail = b""
    chunks = 0
    began = time.perf_counter()
    first_byte = None
    with (
        httpx.Client(base_url=base_url, headers={"Authorization": f"Token {key}"}, timeout=120) as client,
        client.stream("GET", EXPORT_PATH) as response,
    ):
        if response.status_code != 200:
            response.read()
            raise RuntimeError(f"export answered {response.status_code}: {response.text[:300]}")
        headers = {name: response.headers.get(name, "") for name in ("content-type", "transfer-encoding")}
        headers["content-length"] = response.headers.get("content-length")
        try:
            for chunk in response.iter_raw(CHUNK_BYTES):
                if first_byte is None:
                    first_byte = time.perf_counter() - began
                if not first_line:
                    first_line = chunk.split(b"\n", 1)[0]
                lines += chunk.count(b"\n")
                size += len(chunk)
                chunks += 1
                tail = (tail + chunk)[-4096:]
        except httpx.HTTPError as error:  # e.g. the server closed the connection mid-body
            broken = f"{type(error).__name__}: {error}"
        else:
            broken = ""
    seconds = time.perf_counter() - began
    last_line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    return {
        "broken": broken,
        "lines": lines,
        "bytes": size,
        "chunks": chunks,
        "seconds": seconds,
        "first_byte_seconds": first_byte or seconds,
        "headers": headers,
        "first_line": first_line.decode(errors="replace").rstrip("\r"),
        "last_line": last_line.decode(errors="replace").rstrip("\r"),
    }


def raw_get(connection: socket.socket, port: int, path: str, key: str) -> int:
    """Sends a GET on an open connection and reads the answer to the end; returns the status."""
    connection.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {key}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return int(answer.split(b" ", 2)[1])


def warm_up(port: int, key: str, *, rounds: int) -> None:
    """Each round warms both sync workers: one worker takes a connection that has not sent its
    request yet and waits for it, so a request sent meanwhile goes to the other worker. (Sent one
    after another, nearly every request goes to the same worker.)"""
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Token {key}"}, timeout=30
    ) as client:
        for _ in range(rounds):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as held:
                time.sleep(0.05)  # accepted by a worker, which now waits for the request line
                response = client.get(WARMUP_PATH)
                held_status = raw_get(held, port, WARMUP_PATH, key)
            if response.status_code != 200 or held_status != 200:
                raise RuntimeError(f"{WARMUP_PATH} answered {response.status_code} and {held_status}")


def measure_export(
    *, label: str, dsn: str, expected: dict, key: str, pgdata: Path, run_dir: Path, warmups: int
) -> dict:
    """One export from a fresh gunicorn; the memory figures are the serving worker's."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = run_dir / f"gunicorn-{label}-{time.monotonic_ns()}.log"
    with gunicorn(port, log_path, database_url=dsn, access_log_format=ACCESS_LOG_FORMAT) as server:
        pids = workers_of(server)
        if len(pids) != 2:
            raise RuntimeError(f"expected 2 gunicorn workers, found {pids}")
        # Both workers answer operator requests before the measurement (either may take the
        # export): URLs, DRF, the token check and the database connection are loaded, as in a
        # server that has been up for a while.
        warm_up(port, key, rounds=warmups)
        served = served_by(log_path, WARMUP_PATH)
        if not all(served.count(pid) >= warmups for pid in pids):
            raise RuntimeError(f"could not warm up both workers: {served}, workers {pids}")
        time.sleep(0.2)
        before = {pid: memory_kib(pid) for pid in pids}
        peak_reset = all(reset_peak(pid) for pid in pids)
        with Sampler(pids, pgdata) as sampler:
            fetched = download(base_url, key)
        time.sleep(0.2)  # the access log is written after the last byte
        after = {}
        for pid in pids:
            with contextlib.suppress(OSError):  # a worker killed mid-export is gone
                after[pid] = memory_kib(pid)
        log_text = log_path.read_text(errors="replace")
        exporters = served_by(log_path, EXPORT_PATH)
        if not exporters and len(after) == 1:
            exporters = [pid for pid in pids if pid not in after]  # the one that died
        if len(exporters) != 1 or exporters[0] not in pids:
            raise RuntimeError(f"cannot tell which worker served the export: {exporters}, workers {pids}")

    def peak_growth(pid: int) -> tuple[int, str]:
        if peak_reset and pid in after:
            return after[pid]["VmHWM"] - before[pid]["VmRSS"], "VmHWM after clear_refs"
        return sampler.max_rss_kib[pid] - before[pid]["VmRSS"], "sampled VmRSS"

    pid = exporters[0]
    other = next(p for p in pids if p != pid)
    growth, peak_from = peak_growth(pid)
    # Memory that still grows with the rows would show as growth after the export's first quarter.
    timeline = [rss[pid] for _t, rss in sampler.timeline if pid in rss]
    quarter = len(timeline) // 4
    late_growth = max(timeline[quarter:]) - timeline[quarter] if len(timeline) >= 8 else None
    rows = max(fetched["lines"] - 1, 0)
    newest_id = fetched["last_line"].split(",", 1)[0]
    worker_timeout = "WORKER TIMEOUT" in log_text
    problems = []
    if fetched["broken"]:
        problems.append(f"download broken off: {fetched['broken']}")
    if worker_timeout:
        problems.append("gunicorn killed the worker (WORKER TIMEOUT: a sync worker's request took > 30 s)")
    if fetched["first_line"] != HEADER:
        problems.append(f"header is {fetched['first_line']!r}")
    if rows != expected["rows"]:
        problems.append(f"{rows:,} rows, expected {expected['rows']:,}")
    if newest_id != str(expected["newest_id"]):
        problems.append(f"last line's id is {newest_id!r}, expected {expected['newest_id']}")
    return {
        "size": label,
        "rows": rows,
        "rows_ok": not problems,
        "problems": problems,
        "worker_timeout": worker_timeout,
        "bytes": fetched["bytes"],
        "chunks_received": fetched["chunks"],
        "headers": fetched["headers"],
        "seconds": round(fetched["seconds"], 3),
        "first_byte_seconds": round(fetched["first_byte_seconds"], 3),
        "rows_per_second": round(rows / fetched["seconds"]),
        "worker": {
            "rss_before_kib": before[pid]["VmRSS"],
            "peak_kib": before[pid]["VmRSS"] + growth,
            "peak_growth_kib": growth,
            "rss_after_kib": after[pid]["VmRSS"] if pid in after else None,
            "sampled_max_rss_kib": sampler.max_rss_kib[pid],
            "peak_from": peak_from,
            "growth_after_first_quarter_kib": late_growth,
        },
        "idle_worker_peak_growth_kib": peak_growth(other)[0],
        "postgres_temp_files_max_mib": round(sampler.max_temp_bytes / 2**20, 1),
        "samples": sampler.samples,
        "rss_timeline": [(t, rss.get(pid)) for t, rss in sampler.timeline],
        "server_log_tail": log_text[-2000:] if problems else "",
    }


# --- the run -------------------------------------------------------------------------------------
def mib(kib: float) -> float:
    return kib / 1024


def summarise(measurements: list[dict], rows: int) -> dict:
    """Medians per size. Memory over every export (one cut short still shows its growth so far);
    times over the complete ones, when there are any."""
    median = statistics.median
    complete = [m for m in measurements if m["rows_ok"]]
    timed = complete or measurements
    return {
        "exports": len(measurements),
        "complete_exports": len(complete),
        "rows": rows,
        "rows_ok": len(complete) == len(measurements),
        "bytes": max(m["bytes"] for m in measurements),
        "peak_growth_kib_median": median([m["worker"]["peak_growth_kib"] for m in measurements]),
        "peak_growth_kib_each": [m["worker"]["peak_growth_kib"] for m in measurements],
        "peak_kib_median": median([m["worker"]["peak_kib"] for m in measurements]),
        "growth_after_first_quarter_kib_each": [
            m["worker"]["growth_after_first_quarter_kib"] for m in measurements
        ],
        "rss_before_kib_median": median([m["worker"]["rss_before_kib"] for m in measurements]),
        "seconds_median": round(median([m["seconds"] for m in timed]), 3),
        "seconds_each": [m["seconds"] for m in measurements],
        "first_byte_seconds_median": round(median([m["first_byte_seconds"] for m in timed]), 3),
        "rows_per_second_median": round(median([m["rows_per_second"] for m in timed])),
        "postgres_temp_files_max_mib": max(m["postgres_temp_files_max_mib"] for m in measurements),
    }


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    report = report_start("export")
    sizes = {"baseline": args.baseline_rows, "large": args.large_rows}
    with migrated_backend(report) as (services, run_dir):
        pgdata = services.workdir / "pgdata"

        from django.db import connections

        key, account_ids = create_operator_and_accounts()
        connections.close_all()  # CREATE DATABASE … TEMPLATE needs the source database unused

        first_at = datetime.now(UTC) - ROW_SPACING * args.large_rows
        load = {"accounts": len(account_ids), "account_ids": account_ids}
        databases = {"baseline": "afterresume", "large": "afterresume_large"}
        say(f"Inserting {args.baseline_rows:,} ledger rows …")
        load["baseline"] = load_ledger(
            database_url(services, databases["baseline"]),
            account_ids=account_ids,
            start=0,
            stop=args.baseline_rows,
            first_at=first_at,
        )
        say(f"  {load['baseline']['seconds']:.1f} s; copying the database and topping it up …")
        copy_database(services, source=databases["baseline"], target=databases["large"])
        load["large"] = load_ledger(
            database_url(services, databases["large"]),
            account_ids=account_ids,
            start=args.baseline_rows,
            stop=args.large_rows,
            first_at=first_at,
        )
        say(
            f"  {load['large']['rows']:,} rows in {load['large']['seconds']:.1f} s "
            f"(insert {load['large']['insert_seconds']:.1f} s; table with indexes "
            f"{load['large']['table_mib_with_indexes']:.0f} MiB); books balance on every account"
        )
        report["data"] = load
        for size, rows in sizes.items():
            if load[size]["rows"] != rows:
                raise RuntimeError(f"{size} database holds {load[size]['rows']:,} rows, expected {rows:,}")

        say(
            f"\nMeasuring {args.repeats} exports of each size, alternating, each from a fresh gunicorn "
            "(2 sync workers, production settings) …"
        )
        measurements: dict[str, list[dict]] = {size: [] for size in sizes}
        for repeat in range(args.repeats):
            order = list(sizes) if repeat % 2 == 0 else list(sizes)[::-1]
            for size in order:
                measured = measure_export(
                    label=size,
                    dsn=database_url(services, databases[size]),
                    expected=load[size],
                    key=key,
                    pgdata=pgdata,
                    run_dir=run_dir,
                    warmups=args.warmups,
                )
                measurements[size].append(measured)
                worker = measured["worker"]
                say(
                    f"  {repeat + 1}/{args.repeats} {size:<8} {measured['rows']:>9,} rows "
                    f"{'ok' if measured['rows_ok'] else 'WRONG: ' + '; '.join(measured['problems'])}, "
                    f"{measured['seconds']:6.2f} s (first byte {measured['first_byte_seconds']:.2f} s), "
                    f"worker RSS {mib(worker['rss_before_kib']):.1f} MiB, peak +{mib(worker['peak_growth_kib']):.2f} MiB, "
                    f"PostgreSQL temp files ≤ {measured['postgres_temp_files_max_mib']:.0f} MiB"
                )

    results = {size: summarise(values, sizes[size]) for size, values in measurements.items()}
    base, large = results["baseline"], results["large"]
    # A growth under 1 MiB is allocator noise: the ratio is taken over at least 1 MiB at the baseline.
    growth_ratio = large["peak_growth_kib_median"] / max(base["peak_growth_kib_median"], 1024)
    peak_ratio = large["peak_kib_median"] / base["peak_kib_median"]
    raw_ratio = large["peak_growth_kib_median"] / max(base["peak_growth_kib_median"], 1)
    rows_ok = base["rows_ok"] and large["rows_ok"]
    memory_ok = growth_ratio <= TARGET_MEMORY_RATIO
    report["http"] = {
        "server": "gunicorn, 2 sync workers, production settings, a fresh server per export",
        "client": f"httpx streaming, {CHUNK_BYTES // 1024} KiB reads, counted and dropped",
        "measurements": measurements,
        "results": results,
    }
    report["target"] = {
        "what": f"peak RSS growth of the serving worker at {args.large_rows:,} rows <= "
        f"{TARGET_MEMORY_RATIO} x the growth at {args.baseline_rows:,} rows (medians; the baseline "
        "counted as at least 1 MiB)",
        "growth_ratio": round(growth_ratio, 3),
        "peak_rss_ratio": round(peak_ratio, 3),
        "growth_ratio_without_floor": round(raw_ratio, 3),
        "rows_ok": rows_ok,
        "met": memory_ok and rows_ok,
    }
    report_end(report, began)

    say(
        f"\nResults ({report['machine']['nproc']} CPUs, PostgreSQL {report['postgresql']['server_version']}, "
        f"fsync {report['postgresql']['fsync']}, medians of {args.repeats} exports per size):\n"
    )
    say(
        f"{'size':<10} {'rows':>10} {'MiB sent':>9} {'RSS before':>11} {'peak growth':>12} {'peak RSS':>9} "
        f"{'seconds':>8} {'1st byte':>9} {'rows/s':>9} {'PG temp':>8}  complete"
    )
    for size, figures in results.items():
        say(
            f"{size:<10} {figures['rows']:>10,} {figures['bytes'] / 2**20:>9.1f} "
            f"{mib(figures['rss_before_kib_median']):>7.1f} MiB {mib(figures['peak_growth_kib_median']):>8.2f} MiB "
            f"{mib(figures['peak_kib_median']):>5.1f} MiB {figures['seconds_median']:>8.2f} "
            f"{figures['first_byte_seconds_median']:>9.2f} {figures['rows_per_second_median']:>9,} "
            f"{figures['postgres_temp_files_max_mib']:>4.0f} MiB  {figures['complete_exports']}/{figures['exports']}"
        )
    say(
        f"\nPeak growth per export (MiB): baseline "
        f"{', '.join(f'{mib(v):.2f}' for v in base['peak_growth_kib_each'])}; large "
        f"{', '.join(f'{mib(v):.2f}' for v in large['peak_growth_kib_each'])}"
    )
    late = [value for value in large["growth_after_first_quarter_kib_each"] if value is not None]
    if late:
        say(
            f"Growth of the worker's RSS after the first quarter of each large export (MiB): "
            f"{', '.join(f'{mib(v):.2f}' for v in late)}"
        )
    say(
        f"Memory: peak growth {args.large_rows:,} / {args.baseline_rows:,} rows = {growth_ratio:.2f} "
        f"(baseline counted as ≥ 1 MiB; target ≤ {TARGET_MEMORY_RATIO}; without that floor "
        f"{raw_ratio:.2f}); peak RSS ratio {peak_ratio:.2f}: "
        f"{'MET' if memory_ok else 'NOT MET'}"
    )
    say(f"Row counts: {'every export complete' if rows_ok else 'WRONG, see above'}")

    write_report(report)
    return 0 if report["target"]["met"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--baseline-rows", type=int, default=10_000, help="ledger rows of the baseline (default 10,000)"
    )
    parser.add_argument(
        "--large-rows", type=int, default=1_000_000, help="ledger rows of the large size (default 1,000,000)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="exports of each size (default 3)")
    parser.add_argument(
        "--warmups", type=int, default=3, help="warm-up requests per worker before each export (default 3)"
    )
    args = parser.parse_args()
    if not 1_000 <= args.baseline_rows < args.large_rows <= 5_000_000:
        parser.error("need 1,000 <= --baseline-rows < --large-rows <= 5,000,000")
    if not 1 <= args.repeats <= 10 or not 1 <= args.warmups <= 50:
        parser.error("--repeats must be 1..10 and --warmups 1..50")
    return run_benchmark(run, args)


if __name__ == "__main__":
    raise SystemExit(main())
