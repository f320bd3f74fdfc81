"""Run a command with a throwaway PostgreSQL and Redis on free loopback ports.

    python scripts/with_services.py -- pytest ...

Starts both from the locally installed binaries, exports DATABASE_URL and REDIS_URL to the
command, and stops and deletes both afterwards, whatever the command's outcome. As root,
PostgreSQL runs as the `postgres` OS user (it refuses to run as root)."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fail(message: str) -> None:
    print(f"with_services: {message}", file=sys.stderr)
    raise SystemExit(2)


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
    fail("PostgreSQL >= 15 server binaries not found: install them (Debian: apt-get install postgresql).")
    raise AssertionError  # unreachable


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_postgres(workdir: Path, port: int) -> Path:
    bindir = postgres_bin()
    data = workdir / "pgdata"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
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
    )
    # fsync off: a throwaway test cluster (never for benchmarks against raw PostgreSQL).
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(workdir / "pg.log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return bindir


def stop_postgres(bindir: Path, workdir: Path) -> None:
    subprocess.run(
        as_postgres([str(bindir / "pg_ctl"), "-D", str(workdir / "pgdata"), "-m", "immediate", "-w", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_redis(workdir: Path, port: int) -> subprocess.Popen:
    server = shutil.which("redis-server")
    if not server:
        fail("redis-server not found: install it (Debian: apt-get install redis-server).")
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
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    fail("redis-server did not start within 10 s.")
    raise AssertionError  # unreachable


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        fail("usage: with_services.py -- COMMAND [ARGS...]")
    workdir = Path(tempfile.mkdtemp(prefix="afterresume-services-"))
    os.chmod(workdir, 0o755)
    pg_port, redis_port = free_port(), free_port()
    bindir = redis = None
    try:
        bindir = start_postgres(workdir, pg_port)
        redis = start_redis(workdir, redis_port)
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/afterresume",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        }
        print(f"with_services: PostgreSQL on :{pg_port}, Redis on :{redis_port}", flush=True)
        return subprocess.call(argv, env=env)
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
        if bindir is not None:
            stop_postgres(bindir, workdir)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
