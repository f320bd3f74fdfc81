"""A throwaway PostgreSQL and Redis on free loopback ports, from the locally installed binaries.

    python scripts/with_services.py -- pytest ...          (the test command; then the ledger tests on SQLite)
    with throwaway_services(durable=True) as services: ... (bench/, durable PostgreSQL)

The command gets DATABASE_URL, REDIS_URL and a private TMPDIR; the servers are stopped and they and
that folder deleted afterwards, whatever the outcome. As root, PostgreSQL runs as the `postgres` OS
user (it refuses to run as root). Test clusters run with fsync off; benchmarks ask for PostgreSQL's
durable defaults."""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 30  # seconds, for each server


class ServiceError(RuntimeError):
    pass


@dataclass
class Services:
    workdir: Path
    pg_bin: Path
    pg_port: int
    redis_port: int

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/afterresume"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    for pg_ctl in reversed(candidates):
        if int(pg_ctl.split("/")[4]) >= 15:
            return Path(pg_ctl).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise ServiceError("PostgreSQL >= 15 server binaries not found (Debian: apt-get install postgresql).")


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_postgres(bindir: Path, workdir: Path, port: int, *, durable: bool) -> None:
    data = workdir / "pgdata"
    subprocess.run(
        as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        # A throwaway test cluster: no flushes to disk. Never for benchmarks (RECIPES.md): a cluster
        # with fsync off makes every write look cheaper than it is in production.
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(workdir / "pg.log"),
                "-w",
                "-t",
                str(START_TIMEOUT),
                "-o",
                options,
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=START_TIMEOUT + 10,
    )
    subprocess.run(
        as_postgres(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "afterresume"]
        ),
        check=True,
        timeout=60,
    )


def stop_postgres(bindir: Path, workdir: Path) -> None:
    # "fast": disconnect clients and shut down cleanly (a checkpoint of a small cluster).
    subprocess.run(
        as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(workdir / "pgdata"), "-m", "fast", "-w", "-t", "60", "stop"]
        ),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=90,
    )


def start_redis(workdir: Path, port: int) -> subprocess.Popen:
    server = shutil.which("redis-server")
    if not server:
        raise ServiceError("redis-server not found (Debian: apt-get install redis-server).")
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # stopped by us, not by a Ctrl-C sent to the terminal's group
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise ServiceError(f"redis-server did not start within {START_TIMEOUT} s.")


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def throwaway_services(*, durable: bool = False) -> Iterator[Services]:
    """PostgreSQL and Redis for the duration of the block; durable=True keeps PostgreSQL's own
    fsync/synchronous_commit/full_page_writes defaults (benchmarks)."""
    workdir = Path(tempfile.mkdtemp(prefix="afterresume-services-"))
    os.chmod(workdir, 0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    pg_port, redis_port = free_port(), free_port()
    redis = None
    try:
        bindir = postgres_bin()
        start_postgres(bindir, workdir, pg_port, durable=durable)
        redis = start_redis(workdir, redis_port)
        yield Services(workdir=workdir, pg_bin=bindir, pg_port=pg_port, redis_port=redis_port)
    finally:
        if redis is not None:
            stop_process(redis)
        if (workdir / "pgdata" / "postmaster.pid").exists():
            stop_postgres(postgres_bin(), workdir)
        shutil.rmtree(workdir, ignore_errors=True)


# pytest's exit code when its selection holds no test (e.g. `-k health -m ledger`): nothing failed.
NO_TESTS_COLLECTED = 5


def ledger_on_sqlite(argv: list[str], env: dict[str, str], workdir: Path) -> int:
    """The posting rule's tests again, on SQLite: the embedded default runs its own path of
    `ledger_post`, which the backend suite must prove as well (tests marked `ledger`, without
    those that need PostgreSQL itself). The same arguments, so that a run of a few tests repeats
    only those of them that are ledger tests."""
    print("with_services: the ledger tests again on SQLite (the embedded default)", flush=True)
    sqlite_env = {**env, "DATABASE_URL": f"sqlite:///{workdir / 'ledger.sqlite3'}"}
    code = subprocess.call([*argv, "-m", "ledger and not postgresql"], env=sqlite_env)
    return 0 if code == NO_TESTS_COLLECTED else code


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("with_services: usage: with_services.py -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    try:
        with throwaway_services() as services:
            # The command's temporary files (the test settings' media folder, pytest's folders,
            # anything made with tempfile) go with the throwaway servers when it ends.
            temporary = services.workdir / "tmp"
            temporary.mkdir()
            env = {
                **os.environ,
                "TMPDIR": str(temporary),
                "DATABASE_URL": services.database_url,
                "REDIS_URL": services.redis_url,
                # Hypothesis (under the API fuzz test) keeps a cache: in the throwaway folder too.
                "HYPOTHESIS_STORAGE_DIRECTORY": str(services.workdir / "hypothesis"),
            }
            print(
                f"with_services: PostgreSQL on :{services.pg_port}, Redis on :{services.redis_port}",
                flush=True,
            )
            code = subprocess.call(argv, env=env)
            if code == 0 and Path(argv[0]).name == "pytest":
                code = ledger_on_sqlite(argv, env, services.workdir)
            return code
    except ServiceError as error:
        print(f"with_services: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
