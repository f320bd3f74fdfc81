"""Admin → System (/admin/system/): the backend's status of each subsystem (database, Redis,
workers, queues, storage, beat, failed jobs, metrics runs, the ledger's reconciliation), a card
per part, refreshed every 30 seconds while open. A part the backend could not read says so with
its reason and the others still show. Operators only: to anyone else a 404."""

from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from webapp.accounts.session import operators_only
from webapp.backend.errors import BackendServerError, BackendUnavailable

REFRESH_SECONDS = 30
PARTS_ID = "system-parts"

# The answer's parts in the order of the page: key, title, icon, whether the card takes the full width.
PARTS = (
    ("database", "Database", "bi-database", False),
    ("redis", "Redis", "bi-memory", False),
    ("workers", "Workers", "bi-cpu", False),
    ("queues", "Queues", "bi-inboxes", False),
    ("storage", "Storage", "bi-hdd", False),
    ("reconciliation", "Reconciliation", "bi-journal-check", False),
    ("beat", "Beat (periodic tasks)", "bi-alarm", True),
    ("failed_jobs", "Recent failed jobs", "bi-exclamation-triangle", True),
    ("metrics_runs", "Latest metrics runs", "bi-graph-up", True),
)

DURATION_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))


def duration_text(seconds: float | None) -> str:
    """The two largest units, "3 days, 4 hours" or "12 seconds"; "—" when there is no figure."""
    if seconds is None:
        return "—"
    left = int(seconds)
    words = []
    for name, size in DURATION_UNITS:
        count, left = divmod(left, size)
        if count:
            words.append(f"{count} {name}{'s' if count != 1 else ''}")
    return ", ".join(words[:2]) or "0 seconds"


def _parts_of(answer: dict) -> list[dict]:
    parts = []
    for key, title, icon, is_wide in PARTS:
        data = dict(answer[key])
        if key == "redis" and data["available"]:
            data["uptime"] = duration_text(data["uptime_seconds"])
        if key == "queues" and data["available"]:
            data["queues"] = [
                {**queue, "oldest_waiting": duration_text(queue["oldest_waiting_seconds"])}
                for queue in data["queues"]
            ]
        parts.append(
            {
                "key": key,
                "id": f"system-{key.replace('_', '-')}",
                "title": title,
                "icon": icon,
                "is_wide": is_wide,
                "data": data,
            }
        )
    return parts


@require_GET
@operators_only
@vary_on_headers("HX-Request")
def system(request):
    context = {"refresh_seconds": REFRESH_SECONDS, "parts": [], "checked_at": None, "unavailable": ""}
    status = 200
    try:
        answer = request.backend.metrics_system()
    except (BackendServerError, BackendUnavailable) as error:
        # The page still renders and keeps refreshing: the status returns with the backend.
        context["unavailable"] = error.message
        if not request.htmx:
            status = 503 if isinstance(error, BackendUnavailable) else 502
    else:
        context["checked_at"] = answer["checked_at"]
        context["parts"] = _parts_of(answer)
        context["unavailable_parts"] = sum(1 for part in context["parts"] if not part["data"]["available"])
    if request.htmx and request.htmx.target == PARTS_ID:
        return render(request, "staff/system.html#parts", context, status=status)
    return render(request, "staff/system.html", context, status=status)
