from django import template

from webapp.jobs.labels import EVENT_LABELS, KIND_LABELS, STATUS_BADGES, STATUS_LABELS

register = template.Library()


@register.filter
def job_kind(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@register.filter
def job_status(status: str) -> str:
    return STATUS_LABELS.get(status, status.capitalize())


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def job_event(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())
