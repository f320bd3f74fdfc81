"""Browser tests across both real services, in the embedded-default configuration the README's
run command uses (SQLite, filesystem broker, real Celery worker and beat). The system is started
with the run command itself (`./dev up`) on free ports and a throwaway run folder."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_for(url: str, *, status: int = 200, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_status(url) == status:
            return
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer {status} within {timeout} s")


def port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class RunningSystem:
    process: subprocess.Popen
    backend_url: str
    frontend_url: str
    backend_port: int
    frontend_port: int
    log_path: Path
    env: dict = field(repr=False, default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, *, timeout: float = 30) -> None:
        """What Ctrl-C does in a terminal: SIGINT to the whole foreground process group."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_run_command(tmp_path: Path, **extra_env: str) -> RunningSystem:
    backend_port, frontend_port = free_port(), free_port()
    run_dir = tmp_path / "run"
    env = {
        **os.environ,
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "AFTERRESUME_RUN_DIR": str(run_dir),
        "BACKEND_PORT": str(backend_port),
        "FRONTEND_PORT": str(frontend_port),
        "PYTHONUNBUFFERED": "1",
        # Every browser test signs people up from 127.0.0.1; the limit itself is tested in backend/.
        "RATE_LIMIT_SIGNUP": "1000/h/ip",
        **extra_env,
    }
    env.pop("ADMIN_PASSWORD", None) if "ADMIN_PASSWORD" not in extra_env else None
    log_path = tmp_path / "run-command.log"
    process = subprocess.Popen(
        [str(REPO / "dev"), "up"],
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    system = RunningSystem(
        process,
        f"http://localhost:{backend_port}",
        f"http://localhost:{frontend_port}",
        backend_port,
        frontend_port,
        log_path,
        env,
    )
    try:
        wait_for(f"{system.backend_url}/api/healthz/")
        wait_for(f"{system.frontend_url}/health/")
    except TimeoutError:
        system.stop()
        raise AssertionError("the run command did not come up:\n" + system.log()[-4000:]) from None
    return system


@pytest.fixture(scope="session")
def system(tmp_path_factory):
    running = start_run_command(tmp_path_factory.mktemp("system"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def console_errors(page):
    """Console errors of the page (CSP violations and failed loads show up here)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def printed_admin_credentials(log: str) -> tuple[str, str]:
    email = re.search(r"Admin login:\s+(\S+)", log).group(1)
    password = re.search(r"Admin password:\s+(\S+)\s+\(shown once", log).group(1)
    return email, password


def printed_passkey(log: str) -> str:
    return re.search(r"Invite passkey:\s+(arinv_\S+)", log).group(1)


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/signin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")


@pytest.fixture
def operator_page(system, page):
    """A browser page signed in as the operator the run command created."""
    email, password = printed_admin_credentials(system.log())
    sign_in(page, system.frontend_url, email, password)
    return page


NEW_PASSWORD = "an unguessable e2e password"


def create_passkey_in_dashboard(page: Page, base_url: str, note: str) -> str:
    page.goto(base_url + "/admin/passkeys/")
    page.get_by_role("textbox", name=re.compile(r"^Note")).fill(note)
    page.get_by_role("button", name="Create passkey").click()
    key = page.locator("#created-passkey-key")
    expect(key).to_have_value(re.compile(r"^arinv_"))
    # the table below refreshes with the new, active passkey
    expect(page.locator("#passkey-table")).to_contain_text(note)
    return key.input_value()


def sign_up(page: Page, base_url: str, passkey: str, email: str, name: str = "Nora Newcomer") -> None:
    page.goto(base_url + "/signup/")
    page.get_by_label("Invite passkey").fill(passkey)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()


@pytest.fixture
def member_page(system, operator_page, browser):
    """A fresh person (invited by the operator, signed up in their own browser context)."""
    passkey = create_passkey_in_dashboard(operator_page, system.frontend_url, "worklog e2e")
    page = browser.new_context().new_page()
    suffix = passkey[-8:].lower()
    email = f"member-{suffix}@example.com"
    sign_up(page, system.frontend_url, passkey, email, name=f"Member {suffix}")
    page.member_name = f"Member {suffix}"
    page.wait_for_url(system.frontend_url + "/")
    return page
