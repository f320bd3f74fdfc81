from datetime import date

from afterresume.audit.models import AuditEvent


def audit_event_list(
    *,
    category: str = "",
    action: str = "",
    actor_email: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
):
    events = AuditEvent.objects.select_related("tenant")
    if category:
        events = events.filter(category=category)
    if action:
        events = events.filter(action__icontains=action)
    if actor_email:
        events = events.filter(actor_email__icontains=actor_email)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    return events.order_by("-created_at", "-id")
