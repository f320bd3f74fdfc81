"""The run command, `./dev up`: sets up what changed, then runs the backend, the frontend, the Celery
worker and beat on the embedded defaults until it is asked to stop.

`./dev` execs this script, so this process is the run command itself: SIGINT or SIGTERM sent to it
(Ctrl-C in a terminal, a service manager, an IDE's stop button, `kill PID`) stops every process it
started and it exits 0. Each process runs in its own process group and receives the stop once, from
here, as the SIGINT a terminal's Ctrl-C would send: the servers exit, the worker shuts down warm (it
finishes the task in hand). A second signal is passed on as well (the worker then stops at once and
its task goes back to the queue); whatever still runs after STOP_GRACE_SECONDS is killed.

Environment: BACKEND_PORT (8000), FRONTEND_PORT (3000), AFTERRESUME_RUN_DIR (<repository>/.run)."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
STOP_GRACE_SECONDS = 30
POLL_SECONDS = 0.1


def say(line: str = "") -> None:
    print(line, flush=True)


class Supervisor:
    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.stops_requested = 0
        self.stop_reason = ""
        # How many stop signals each child has been passed (a child started late gets them all).
        self.stops_passed: dict[str, int] = {}

    def request_stop(self, signum: int, _frame) -> None:
        # Only counted here; the loop passes it on, so that no child is signalled twice by a race.
        self.stops_requested += 1
        self.stop_reason = self.stop_reason or signal.Signals(signum).name

    def start(self, name: str, command: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
        parent = os.getpid()
        child = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            # Its own group: a terminal's Ctrl-C reaches this supervisor only, which passes it on once.
            start_new_session=True,
            preexec_fn=lambda: stop_with_parent(parent),
        )
        self.children[name] = child
        self.stops_passed[name] = 0
        return child

    def running(self) -> list[str]:
        return [name for name, child in self.children.items() if child.poll() is None]

    def pass_stops_on(self) -> None:
        for name in self.running():
            while self.stops_passed[name] < self.stops_requested:
                self.stops_passed[name] += 1
                signal_group(self.children[name], signal.SIGINT)

    def wait(self, names: list[str]) -> bool:
        """Wait for `names` to exit, passing stops on meanwhile. False if a stop was requested."""
        while any(self.children[name].poll() is None for name in names):
            self.pass_stops_on()
            time.sleep(POLL_SECONDS)
        self.pass_stops_on()
        return self.stops_requested == 0

    def watch(self) -> str | None:
        """Until a stop is requested (None) or one process exits on its own (its name)."""
        while not self.stops_requested:
            for name, child in self.children.items():
                if child.poll() is not None:
                    return name
            time.sleep(POLL_SECONDS)
        return None

    def stop_all(self) -> bool:
        """Stop every child (once each, unless more signals come); True if all stopped in time."""
        self.stops_requested = max(self.stops_requested, 1)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while self.running() and time.monotonic() < deadline:
            self.pass_stops_on()
            time.sleep(POLL_SECONDS)
        left = self.running()
        for name in left:
            say(f"dev up: {name} still runs after {STOP_GRACE_SECONDS} s: killing it")
            signal_group(self.children[name], signal.SIGKILL)
        for child in self.children.values():
            child.wait()
        return not left


def signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def stop_with_parent(parent: int) -> None:
    """In a child before it runs its program (Linux): should this supervisor be killed outright
    (SIGKILL), the child gets SIGTERM instead of holding its port as an orphan."""
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor died before the line above
        os._exit(1)


def environment(*, backend_port: int, frontend_port: int, run_dir: Path) -> tuple[dict, dict]:
    """The backend's and the frontend's environment (the worker and beat share the backend's)."""
    common = {**os.environ, "AFTERRESUME_RUN_DIR": str(run_dir), "PYTHONUNBUFFERED": "1"}
    backend = {
        **common,
        # Links in e-mails (sent by the web process and the worker alike) open the frontend.
        "FRONTEND_URL": f"http://localhost:{frontend_port}",
        "BACKEND_PUBLIC_URL": f"http://localhost:{backend_port}",
        "BACKEND_INTERNAL_URL": f"http://127.0.0.1:{backend_port}",
    }
    frontend = {
        **common,
        "BACKEND_URL": f"http://127.0.0.1:{backend_port}",
        "BACKEND_PUBLIC_URL": f"http://localhost:{backend_port}",
    }
    return backend, frontend


def main(argv: list[str]) -> int:
    if argv:
        print(
            "dev up takes no arguments (ports: BACKEND_PORT=8001 FRONTEND_PORT=3001 ./dev up)",
            file=sys.stderr,
        )
        return 2
    backend_port = int(os.environ.get("BACKEND_PORT") or 8000)
    frontend_port = int(os.environ.get("FRONTEND_PORT") or 3000)
    run_dir = Path(os.environ.get("AFTERRESUME_RUN_DIR") or ROOT / ".run").resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    backend_env, frontend_env = environment(
        backend_port=backend_port, frontend_port=frontend_port, run_dir=run_dir
    )
    supervisor = Supervisor()
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)

    say()
    say("AfterResume is starting (Ctrl-C stops every process):")
    say(f"  Frontend:        http://localhost:{frontend_port}/")
    say(
        f"  Backend API:     http://localhost:{backend_port}/api/   (docs: /api/docs/, health: /api/healthz/)"
    )
    say(
        f"  Backend admin:   http://localhost:{backend_port}/admin/   (Django's own; operators use the frontend's Admin pages)"
    )
    # Set-up: both services' migrations at once; the backend's steps share one Django start.
    supervisor.start(
        "frontend set-up",
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT / "frontend",
        env=frontend_env,
    )
    supervisor.start(
        "backend set-up", [PYTHON, "scripts/run_command_setup.py"], cwd=ROOT / "backend", env=backend_env
    )
    if not supervisor.wait(["frontend set-up", "backend set-up"]):
        supervisor.stop_all()
        say(f"dev up: {supervisor.stop_reason} received during the set-up: stopped")
        return 0
    failed = [name for name, child in supervisor.children.items() if child.returncode != 0]
    if failed:
        say(f"dev up: the {' and '.join(failed)} failed (see above)")
        return 1
    say()

    backend = ROOT / "backend"
    celery = str(BIN / "celery")
    supervisor.children.clear()
    supervisor.start(
        "backend",
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{backend_port}"],
        cwd=backend,
        env=backend_env,
    )
    supervisor.start(
        "worker",
        [celery, "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
        cwd=backend,
        env=backend_env,
    )
    supervisor.start(
        "beat",
        [
            celery,
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(run_dir / "celerybeat-schedule"),
        ],
        cwd=backend,
        env=backend_env,
    )
    supervisor.start(
        "frontend",
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{frontend_port}"],
        cwd=ROOT / "frontend",
        env=frontend_env,
    )
    for name, child in supervisor.children.items():
        say(f"dev up: {name} started (pid {child.pid})")

    exited = supervisor.watch()
    if exited is None:
        say(f"dev up: {supervisor.stop_reason} received: stopping {', '.join(supervisor.running())}")
    else:
        code = supervisor.children[exited].returncode
        say(f"dev up: {exited} exited on its own (code {code}): stopping the others")
    in_time = supervisor.stop_all()
    say("dev up: every process stopped")
    return 0 if exited is None and in_time else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
