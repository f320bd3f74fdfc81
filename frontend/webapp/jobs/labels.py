"""Jobs as pages name them: kinds and statuses in the product's words, and which statuses are
final (a job page stops polling at those)."""

KIND_LABELS = {
    "worklog.enhance": "Enhance an entry",
    "skills.extract": "Extract skills",
    "report.generate": "Generate a report",
    "metrics.compute": "Compute metrics",
    "worklog.import": "Import entries",
    "data.export": "Export all my data",
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
# A job's timeline: what happened, in words; the event's own message (a step's name, an error)
# follows.
EVENT_LABELS = {
    "queued": "Queued",
    "started": "Started",
    "step_started": "Step started",
    "step_succeeded": "Step done",
    "step_retried": "Step retried",
    "step_failed": "Step failed",
    "step_skipped": "Step skipped",
    "hold_placed": "Estimate held from the reserve",
    "hold_extended": "Hold extended",
    "hold_captured": "Charged",
    "hold_released": "Hold released",
    "canceled": "Canceled",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "refused": "Refused: the reserve cannot cover it",
}
