"""The audit log knows who called without services passing the HTTP request: the client's address
travels with the request id (core.request_id)."""

from django.http import HttpResponse
from django.test import RequestFactory

from afterresume.audit.models import AuditEvent
from afterresume.audit.services import audit_record
from afterresume.core.request_id import RequestIdMiddleware


def record_while_handling(**meta) -> HttpResponse:
    def view(request):
        audit_record(category="billing", action="reserve.adjusted", summary="recorded by a service")
        return HttpResponse("ok")

    request = RequestFactory().post("/api/billing/admin/reserve/adjust/", **meta)
    return RequestIdMiddleware(view)(request)


def test_an_event_recorded_while_a_request_is_handled_carries_its_client_address_and_request_id(db):
    # the test client's peer (127.0.0.1) is a trusted proxy in the test settings: it vouches
    # for the browser's address it forwards
    response = record_while_handling(HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_REQUEST_ID="trace-audit-0001")

    event = AuditEvent.objects.get()
    assert (event.ip, event.request_id) == ("203.0.113.9", "trace-audit-0001")
    assert response["X-Request-ID"] == "trace-audit-0001"


def test_an_event_recorded_outside_any_request_has_no_address_and_no_request_id(db):
    record_while_handling(HTTP_X_REQUEST_ID="trace-audit-0002")

    audit_record(category="billing", action="reserve.auto_topped_up", summary="recorded by a task")

    later = AuditEvent.objects.get(action="reserve.auto_topped_up")
    assert (later.ip, later.request_id) == (None, "")
