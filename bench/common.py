"""What every benchmark in bench/ does the same way: Django in this process on a throwaway durable
PostgreSQL and Redis (bench/services.py) with the production settings, migrated; gunicorn as the
backend image runs it; the JSON report in bench/results/; and a run that SIGTERM, SIGHUP and Ctrl-C
end cleanly, stopping and deleting everything it started."""

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from services import Services, bench_services, stop_process

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BACKEND = ROOT / "backend"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent


def say(message: str = "") -> None:
    print(message, flush=True)


# --- the report ---------------------------------------------------------------------------------
def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    total_kb = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(total_kb / 2**20, 1),
        "cpu": model or platform.processor(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        # Other work on the machine shows here: the figures are only as quiet as the machine.
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def code_version() -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "backend_changed": bool(git("status", "--porcelain", "backend")),
    }


def report_start(benchmark: str) -> dict:
    """The head of a run's report: what ran, when, on which machine and code."""
    return {
        "benchmark": benchmark,
        "started_at": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "code": code_version(),
    }


def report_end(report: dict, began: float) -> None:
    """The whole run's seconds since `began` (time.monotonic()) and the load average now."""
    report["seconds"] = round(time.monotonic() - began, 1)
    report["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]


def write_report(report: dict) -> Path:
    """bench/results/<benchmark>-<UTC start time>.json"""
    stamp = datetime.fromisoformat(report["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{report['benchmark']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    say(f"\nWritten: {path.relative_to(ROOT)} (whole run {report['seconds']:.0f} s)")
    return path


# --- Django in this process ---------------------------------------------------------------------
def configure(services: Services, run_dir: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "AFTERRESUME_IGNORE_DOTENV": "1",
            "AFTERRESUME_RUN_DIR": str(run_dir),
            "LOG_LEVEL": "WARNING",
            # Benchmarks write far faster than a person (the API allows 120 writes a minute per token).
            "RATE_LIMIT_API_WRITES": "1000000/m",
        }
    )
    os.chdir(BACKEND)
    sys.path.insert(0, str(BACKEND))
    import django

    django.setup()


def postgres_facts() -> dict:
    from django.db import connection

    facts = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        facts["server_version"] = cursor.fetchone()[0]
        for name in ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "work_mem"):
            cursor.execute(f"SHOW {name}")
            facts[name] = cursor.fetchone()[0]
    if facts["fsync"] != "on" or facts["synchronous_commit"] != "on":
        raise RuntimeError(f"Benchmark cluster is not durable: {facts}")
    return facts


@contextlib.contextmanager
def migrated_backend(report: dict) -> Iterator[tuple[Services, Path]]:
    """A throwaway durable PostgreSQL and Redis, and this process's Django configured on them and
    migrated; yields the services and a scratch folder (the run dir, for logs). Sets
    report["postgresql"], and raises if the cluster is not durable. When the block ends, Django's
    connections are closed, then the services stopped and the folders deleted."""
    with contextlib.ExitStack() as stack:
        run_dir = Path(tempfile.mkdtemp(prefix="afterresume-bench-run-"))
        stack.callback(shutil.rmtree, run_dir, True)
        say("Starting PostgreSQL (durable settings) and Redis …")
        services = stack.enter_context(bench_services())
        configure(services, run_dir)

        from django.core.management import call_command
        from django.db import connections

        stack.callback(connections.close_all)  # before PostgreSQL stops
        call_command("migrate", interactive=False, verbosity=0)
        report["postgresql"] = postgres_facts()
        yield services, run_dir


def user_with_token(*, email: str, display_name: str, label: str, is_staff: bool = False):
    """A user with a random password and an API token named `label` that never expires; returns
    (user, the token's key)."""
    from afterresume.accounts.models import User
    from afterresume.accounts.tokens import api_token_create

    user = User.objects.create_user(
        email, password=secrets.token_urlsafe(24), display_name=display_name, is_staff=is_staff
    )
    _token, key = api_token_create(user=user, name=label, expires_at=None)
    return user, key


def workspaces_with_accounts(count: int, *, name: str) -> list[int]:
    """`count` workspaces ("<name> 0", "<name> 1", …), each with its reserve account, in bulk and
    without ledger entries; returns the accounts' ids in creation order."""
    from afterresume.billing.models import ReserveAccount
    from afterresume.tenants.models import Tenant

    tenants = Tenant.objects.bulk_create([Tenant(name=f"{name} {i}") for i in range(count)])
    accounts = ReserveAccount.objects.bulk_create([ReserveAccount(tenant=tenant) for tenant in tenants])
    return [account.id for account in accounts]


# --- the server ---------------------------------------------------------------------------------
def wait_healthy(base_url: str, server: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/api/healthz/", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not healthy within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


@contextlib.contextmanager
def gunicorn(
    port: int, log_path: Path, *, database_url: str = "", access_log_format: str = ""
) -> Iterator[subprocess.Popen]:
    """gunicorn on 127.0.0.1:`port` as the backend image runs it (`config.wsgi:application`, 2 sync
    workers, the default 30 s timeout, an access log, this process's environment), answering
    /api/healthz/ when the block starts and stopped when it ends. Its output goes to `log_path`."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
    ]
    if access_log_format:
        command += ["--access-logformat", access_log_format]
    if Path("/dev/shm").is_dir():
        command += ["--worker-tmp-dir", "/dev/shm"]  # as the backend image runs it
    env = os.environ.copy()
    if database_url:
        env["DATABASE_URL"] = database_url
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            cwd=BACKEND,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, after the measurement, also on Ctrl-C
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, log_path)
        yield server
    finally:
        stop_process(server, 20)


# --- the run ------------------------------------------------------------------------------------
def run_benchmark(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """`run(args)`, ended by SIGTERM, SIGHUP or Ctrl-C as by a KeyboardInterrupt, so that every
    `with` block stops what it started; then 130."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)
    # Also when started in the background by a shell, which would have SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\nbench: interrupted; everything started was stopped.", file=sys.stderr)
        return 130
