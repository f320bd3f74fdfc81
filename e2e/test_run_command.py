"""The README's run command: brings everything up, a warm restart is quick, and Ctrl-C — or a
signal sent to its own process alone — stops every process it started."""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import port_is_closed, printed_passkey, start_run_command, wait_for


def process_tree(root: int) -> dict[int, str]:
    """pid -> command line of `root` and all its descendants."""
    listing = subprocess.run(["ps", "-ww", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True)
    parents, commands = {}, {}
    for line in listing.stdout.splitlines():
        pid, ppid, args = line.split(None, 2)
        parents[int(pid)], commands[int(pid)] = int(ppid), args
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: commands[pid] for pid in tree if pid in commands}


def alive(pids) -> list[int]:
    listing = subprocess.run(["ps", "-e", "-o", "pid="], capture_output=True, text=True).stdout.split()
    return sorted(set(pids) & {int(pid) for pid in listing})


def test_ctrl_c_stops_every_process_the_run_command_started(tmp_path):
    system = start_run_command(tmp_path, ADMIN_PASSWORD="operator-chosen-password")
    started = process_tree(system.process.pid)
    members = list(started.values())
    assert any("celery" in line and "worker" in line for line in members), members
    assert any("celery" in line and "beat" in line for line in members), members
    assert sum("runserver" in line for line in members) >= 2, members
    assert "operator-chosen-password" not in system.log()

    system.stop()

    deadline = time.monotonic() + 15
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(started) == []
    assert port_is_closed(system.backend_port)
    assert port_is_closed(system.frontend_port)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_run_command_alone_stops_every_process_gracefully_and_exits_0(tmp_path, stop_signal):
    # given the system the run command started (a service manager or an IDE knows only its PID):
    # the supervisor, two servers (each a reloader and its server), the worker with its pool, beat
    system = start_run_command(tmp_path)
    started = process_tree(system.process.pid)
    assert len(started) >= 7, started

    # when that one process, not its group, gets the signal
    os.kill(system.process.pid, stop_signal)

    # then it stops every process it started, the worker warm, and exits 0
    try:
        exit_code = system.process.wait(timeout=45)
    finally:
        system.stop()
    assert exit_code == 0, system.log()[-3000:]
    assert alive(started) == []
    assert port_is_closed(system.backend_port)
    assert port_is_closed(system.frontend_port)
    log = system.log()
    assert f"dev up: {stop_signal.name} received: stopping backend, worker, beat, frontend" in log
    assert "Warm shutdown (MainProcess)" in log
    assert "Cold shutdown" not in log
    assert "killing it" not in log
    assert log.rstrip().endswith("dev up: every process stopped")


def test_a_warm_restart_prints_the_same_unused_passkey_and_how_soon_the_first_page_came(tmp_path):
    # A warm restart does only what changed. Its time is printed, not asserted (it depends on the
    # machine's load): 17.7 s to the first page before (33 s on a slower machine), 3-5 s now.
    (tmp_path / "first-start").mkdir()
    (tmp_path / "second-start").mkdir()
    first = start_run_command(tmp_path / "first-start", AFTERRESUME_RUN_DIR=str(tmp_path / "run"))
    try:
        first_passkey = printed_passkey(first.log())
        os.kill(first.process.pid, signal.SIGTERM)
        assert first.process.wait(timeout=45) == 0
    finally:
        first.stop()

    began = time.monotonic()
    again = start_run_command(tmp_path / "second-start", AFTERRESUME_RUN_DIR=str(tmp_path / "run"))
    try:
        wait_for(f"{again.frontend_url}/signin/")
        print(f"\nwarm restart: first page after {time.monotonic() - began:.1f} s")
    finally:
        again.stop()

    assert printed_passkey(again.log()) == first_passkey
    assert "not used yet, printed again" in again.log()
    assert "Admin password: unchanged" in again.log()


# --- the development webhook secret is this installation's own ----------------------------------

# What every development backend used to accept: derived from the key the base settings saw (empty,
# or the fixed development key) — anyone could compute them from the repository.
FORMERLY_DERIVED_SECRETS = [
    "whsec_sim_" + hashlib.sha256(f"{key}:stripe".encode()).hexdigest()[:32]
    for key in ("", "dev-insecure-key-do-not-use-in-production")
]


def deliver_event(backend_url: str, secret: str) -> tuple[int, dict]:
    payload = json.dumps(
        {"id": f"evt_e2e_{time.time_ns()}", "type": "customer.created", "data": {"object": {"id": "cus_e2e"}}}
    ).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{backend_url}/api/billing/webhook/",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={digest}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_development_webhook_refuses_events_signed_with_a_secret_anyone_could_compute(system):
    for derivable in FORMERLY_DERIVED_SECRETS:
        status, body = deliver_event(system.backend_url, derivable)
        assert (status, body.get("message")) == (400, "The signature or the payload is not valid.")

    # the installation's own secret, kept in its run folder, is the one its webhook checks
    own = (Path(system.env["AFTERRESUME_RUN_DIR"]) / "secrets" / "stripe-webhook-secret").read_text().strip()
    assert own not in FORMERLY_DERIVED_SECRETS
    status, body = deliver_event(system.backend_url, own)
    assert status == 200
    assert body["received"].startswith("evt_e2e_")
