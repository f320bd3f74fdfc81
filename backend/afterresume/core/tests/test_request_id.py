import logging


def test_a_sane_request_id_from_the_caller_is_kept(db, api_client):
    response = api_client.get("/api/healthz/", HTTP_X_REQUEST_ID="frontend-req-12345678")

    assert response["X-Request-ID"] == "frontend-req-12345678"


def test_a_request_id_is_generated_when_missing_or_unsafe(db, api_client):
    missing = api_client.get("/api/healthz/")["X-Request-ID"]
    unsafe = api_client.get("/api/healthz/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]

    assert len(missing) == 32 and missing.isalnum()
    assert len(unsafe) == 32 and unsafe != missing


def test_log_lines_written_during_a_request_carry_its_id(db, api_client, caplog):
    from afterresume.core.request_id import RequestIdLogFilter

    handler = caplog.handler
    handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        api_client.get("/api/no-such-thing/", HTTP_X_REQUEST_ID="trace-abcdef123")

    records = [r for r in caplog.records if r.name == "django.request"]
    assert records, "Django logs a warning for a 404"
    assert {r.request_id for r in records} == {"trace-abcdef123"}
