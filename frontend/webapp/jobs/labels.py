"""Jobs as pages name them: kinds and statuses in the product's words, and which statuses are
final (a job page stops polling at those)."""

KIND_LABELS = {
    "worklog.enhance": "Enhance an entry",
    "skills.extract": "Extract skills",
    "report.generate": "Generate a report",
    "metrics.compute": "Compute metrics",
}
STATUS_LABELS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "canceled": "Canceled",
    "refused": "Refused (funds)",
}
# Bootstrap's badge colours, by status (jobs and their steps).
STATUS_BADGES = {
    "queued": "text-bg-secondary",
    "pending": "text-bg-light border",
    "running": "text-bg-info",
    "succeeded": "text-bg-success",
    "failed": "text-bg-danger",
    "canceled": "text-bg-secondary",
    "skipped": "text-bg-light border",
    "refused": "text-bg-warning",
}
ACTIVE_STATUSES = frozenset({"queued", "running"})
RETRYABLE_STATUSES = frozenset({"failed", "canceled", "refused"})
