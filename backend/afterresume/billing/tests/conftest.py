"""localstripe, a stateful fake Stripe server (RECIPES "Stripe without the internet"), started
once per test run for the tests that exercise the stripe library against it."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LOCALSTRIPE_STATE = Path("/tmp/localstripe.pickle")  # localstripe's own, fixed path


@pytest.fixture(scope="session")
def localstripe_url():
    port = free_port()
    binary = Path(sys.executable).parent / "localstripe"
    # --from-scratch: not the state another run left in localstripe's fixed file
    # (/tmp/localstripe.pickle), which is removed again when it stops.
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("localstripe did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)
    LOCALSTRIPE_STATE.unlink(missing_ok=True)


def localstripe_sends_webhooks_to(localstripe_url: str, webhook_url: str, secret: str) -> None:
    """localstripe signs its `payment_intent.succeeded` events with `secret` and posts them to our
    real webhook endpoint at `webhook_url`."""
    urllib.request.urlopen(
        urllib.request.Request(
            f"{localstripe_url}/_config/webhooks/afterresume",
            method="POST",
            data=f"url={webhook_url}&secret={secret}&events[]=payment_intent.succeeded".encode(),
        ),
        timeout=5,
    ).close()
