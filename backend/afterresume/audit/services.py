from afterresume.audit.models import AuditEvent
from afterresume.core.client_ip import client_ip
from afterresume.core.request_id import current_request_id


def audit_record(
    *,
    category: str,
    action: str,
    request=None,
    actor=None,
    actor_email: str = "",
    tenant=None,
    target: str = "",
    summary: str = "",
    data: dict | None = None,
) -> AuditEvent:
    if actor is not None and not actor_email:
        actor_email = actor.email
    return AuditEvent.objects.create(
        category=category,
        action=action,
        actor=actor,
        actor_email=actor_email[:254],
        tenant=tenant,
        target=target[:200],
        summary=summary[:300],
        data=data or {},
        ip=(client_ip(request) or None) if request is not None else None,
        request_id=current_request_id() if request is not None else "",
    )
