import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webapp.backend.client import BackendClient, reset_pool
from webapp.backend.errors import (
    BackendAuthenticationRequired,
    BackendNotFound,
    BackendPaymentRequired,
    BackendRateLimited,
    BackendServerError,
    BackendUnavailable,
    BackendValidationError,
)
from webapp.tests.conftest import HEALTHY

ME = {
    "user": {
        "id": 1,
        "email": "ada@example.com",
        "display_name": "Ada",
        "time_zone": "UTC",
        "is_staff": False,
    },
    "tenant": {"id": 1, "name": "Ada's workspace"},
    "role": "owner",
}


def test_a_validation_error_carries_the_backends_field_messages(backend):
    backend.expect_request("/api/things/", method="POST").respond_with_json(
        {
            "message": "Some fields are not valid: Too long.",
            "extra": {"fields": {"title": ["Too long."]}},
            "request_id": "abc",
        },
        status=400,
        headers={"X-Request-ID": "abc12345"},
    )
    client = BackendClient(request_id="abc12345")

    with pytest.raises(BackendValidationError) as error:
        client.post("/api/things/", json={"title": "x" * 500})

    assert error.value.fields == {"title": ["Too long."]}
    assert error.value.message == "Some fields are not valid: Too long."
    assert error.value.request_id == "abc12345"
    assert client.is_unreachable is False


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, BackendAuthenticationRequired),
        (402, BackendPaymentRequired),
        (404, BackendNotFound),
        (429, BackendRateLimited),
        (500, BackendServerError),
    ],
)
def test_each_error_status_maps_to_its_exception(backend, status, error_class):
    backend.expect_request("/api/thing/").respond_with_json({"message": "No.", "extra": {}}, status=status)

    with pytest.raises(error_class) as error:
        BackendClient().get("/api/thing/")

    assert error.value.status == status
    assert error.value.message == "No."


def test_a_proxy_error_page_means_the_backend_is_unavailable(backend):
    backend.expect_request("/api/thing/").respond_with_data(
        "<html>Bad gateway</html>", status=502, content_type="text/html"
    )
    client = BackendClient()

    with pytest.raises(BackendUnavailable):
        client.get("/api/thing/")
    assert client.is_unreachable is True


def test_a_refused_connection_is_unavailable_and_marks_the_client(backend_down):
    client = BackendClient()

    with pytest.raises(BackendUnavailable) as error:
        client.get("/api/healthz/")

    assert client.is_unreachable is True
    assert "cannot be reached" in error.value.message


def test_the_session_token_and_client_address_are_sent_as_headers(backend):
    backend.expect_request(
        "/api/me/", headers={"X-Session-Token": "tok-123", "X-Forwarded-For": "203.0.113.9"}
    ).respond_with_json(ME)

    answer = BackendClient(session_token="tok-123", client_address="203.0.113.9").get("/api/me/")

    assert answer == ME


def test_connections_to_the_backend_are_reused(settings):
    # given a keep-alive HTTP/1.1 server that records the client port of every request
    ports = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            ports.append(self.client_address[1])
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.BACKEND_URL = f"http://127.0.0.1:{server.server_address[1]}"
    reset_pool()
    try:
        # when three page requests each call the backend
        for _ in range(3):
            BackendClient().health()
    finally:
        server.shutdown()
        server.server_close()
        reset_pool()

    # then all three went over one connection
    assert len(ports) == 3
    assert len(set(ports)) == 1


def test_the_browsers_address_is_forwarded_and_a_forged_header_is_ignored(backend, client, db):
    # given no proxy in front of the frontend (TRUSTED_PROXY_HOPS=0)
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    # when a browser sends its own X-Forwarded-For
    client.get("/health/", headers={"X-Forwarded-For": "203.0.113.66"}, REMOTE_ADDR="198.51.100.7")

    # then the backend is told the address the frontend really saw
    assert backend.log[0][0].headers["X-Forwarded-For"] == "198.51.100.7"


def test_behind_one_trusted_proxy_the_address_it_appended_is_forwarded(backend, client, db, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    backend.expect_request("/api/healthz/").respond_with_json(HEALTHY)

    client.get("/health/", headers={"X-Forwarded-For": "203.0.113.66, 192.0.2.10"}, REMOTE_ADDR="10.1.2.3")

    assert backend.log[0][0].headers["X-Forwarded-For"] == "192.0.2.10"
