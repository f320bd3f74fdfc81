from afterresume.audit.models import AuditEvent
from afterresume.core.request_id import current_client_address, current_request_id


def audit_record(
    *,
    category: str,
    action: str,
    actor=None,
    actor_email: str = "",
    tenant=None,
    target: str = "",
    summary: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Add one event to the audit log. Recorded while a request is handled, it carries the
    client's address and the request id from the request context (core.request_id), so that no
    service has to take the HTTP request."""
    if actor is not None and not actor_email:
        actor_email = actor.email
    if (address := current_client_address()) is not None:
        ip, request_id = address, current_request_id()
    else:
        ip, request_id = "", ""  # a task or a command: no client
    return AuditEvent.objects.create(
        category=category,
        action=action,
        actor=actor,
        actor_email=actor_email[:254],
        tenant=tenant,
        target=target[:200],
        summary=summary[:300],
        data=data or {},
        ip=ip or None,
        request_id=request_id,
    )
