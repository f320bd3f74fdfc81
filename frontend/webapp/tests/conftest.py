"""The frontend's view tests fake the backend at the HTTP boundary: a real local HTTP server
(pytest-httpserver) answers what the backend would. Nothing of our own code is patched."""

import socket

import pytest
from pytest_httpserver import HTTPServer

from webapp.backend.client import reset_pool

HEALTHY = {
    "status": "ok",
    "failing": [],
    "checks": {
        "database": {"ok": True, "milliseconds": 1.0, "detail": "postgresql"},
        "cache": {"ok": True, "milliseconds": 1.0, "detail": "RedisCache"},
        "broker": {"ok": True, "milliseconds": 1.0, "detail": "redis"},
    },
    "worker": {"last_ping": {"finished_at": "2026-11-25T10:00:00+00:00", "worker": "celery@box-7"}},
}


@pytest.fixture
def backend(httpserver: HTTPServer, settings):
    """A fake backend; tests declare the answers it gives."""
    settings.BACKEND_URL = httpserver.url_for("").rstrip("/")
    reset_pool()
    yield httpserver
    reset_pool()


@pytest.fixture
def backend_down(settings):
    """A backend address where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BACKEND_URL = f"http://127.0.0.1:{port}"
    reset_pool()
    yield
    reset_pool()
