"""Killing the backend while the frontend runs: pages render with the banner, never a 500."""

import os
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from conftest import PYTHON, REPO, free_port, sign_in, wait_for

BANNER = "The AfterResume server cannot be reached right now."
PASSWORD = "e2e operator password"


@pytest.fixture
def services(tmp_path):
    """Backend and frontend as separate processes (the run command supervises them together and
    stops all when one dies, so this test starts its own pair to kill just one)."""
    backend_port, frontend_port = free_port(), free_port()
    env = {
        **os.environ,
        "AFTERRESUME_IGNORE_DOTENV": "1",
        "AFTERRESUME_RUN_DIR": str(tmp_path),
        "BACKEND_URL": f"http://127.0.0.1:{backend_port}",
    }
    for service in ("backend", "frontend"):
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=REPO / service, env=env, check=True)
    subprocess.run(
        [PYTHON, "manage.py", "createadmin", "--email", "ops@example.com", "--password", PASSWORD],
        cwd=REPO / "backend",
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )

    def runserver(service: str, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=REPO / service,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sys.stderr,
        )

    backend, frontend = runserver("backend", backend_port), runserver("frontend", frontend_port)
    wait_for(f"http://127.0.0.1:{backend_port}/api/healthz/")
    wait_for(f"http://127.0.0.1:{frontend_port}/health/")
    yield backend, f"http://127.0.0.1:{frontend_port}"
    for process in (backend, frontend):
        process.kill()
        process.wait(timeout=10)


def test_killing_the_backend_gives_pages_with_the_banner_not_a_500(services, page: Page):
    backend, frontend_url = services
    sign_in(page, frontend_url, "ops@example.com", PASSWORD)
    expect(page.locator("#status-bar")).to_contain_text("Connected")

    backend.kill()
    backend.wait(timeout=10)
    response = page.goto(frontend_url + "/")

    assert response.status == 200
    expect(page.get_by_role("alert")).to_contain_text(BANNER)
    expect(page.locator("#status-bar")).to_contain_text("—")
    expect(page.locator("#status-bar")).to_contain_text("Server unreachable")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    expect(page.locator("#system-unknown")).to_be_visible()


def test_the_sign_in_page_explains_when_the_backend_is_down(services, page: Page):
    backend, frontend_url = services
    backend.kill()
    backend.wait(timeout=10)

    page.goto(frontend_url + "/signin/")
    page.get_by_label("Email").fill("ops@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    response_status = []
    page.on("response", lambda response: response_status.append(response.status))
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#form-errors")).to_contain_text("The server cannot be reached right now")
    assert 500 not in response_status
