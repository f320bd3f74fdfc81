import contextlib

from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from webapp.accounts.session import signin_required
from webapp.backend.errors import BackendError, BackendUnavailable
from webapp.worklogs.entries import days_of

CHECK_LABELS = {"database": "Database", "cache": "Cache", "broker": "Job queue"}
RECENT_ENTRIES = 5
RECENT_JOBS = 5
TOP_SKILLS = 5


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def home(request):
    if request.htmx and request.htmx.target == "worklog-summary":
        # The summary reloads itself after a save in the quick-add modal (worklog-saved).
        return render(request, "dashboard/home.html#worklog-summary", _worklog_summary(request))
    try:
        report = request.backend.health()
    except BackendUnavailable:
        report = None
    context = {"report": report, "checks": [], "last_ping_at": None, "last_ping_worker": ""}
    if report:
        context["checks"] = [
            {"name": CHECK_LABELS.get(name, name), "ok": check["ok"], "detail": check["detail"]}
            for name, check in report["checks"].items()
        ]
        last_ping = (report.get("worker") or {}).get("last_ping")
        if last_ping:
            context["last_ping_at"] = parse_datetime(last_ping["finished_at"])
            context["last_ping_worker"] = last_ping["worker"]
    if request.htmx:
        return render(request, "dashboard/home.html#system", context)
    if report is not None:
        context.update(_worklog_summary(request))
        context.update(_recent_jobs(request))
        context.update(_top_skills(request))
        with contextlib.suppress(BackendError):
            # The reserve's balance, from the counters the status bar reads (O(1)); a save does not
            # change it, so the summary's reload keeps this card as it is (hx-preserve).
            context["bar"] = request.backend.status_bar()
    return render(request, "dashboard/home.html", context)


def _recent_jobs(request) -> dict:
    """My newest jobs; a failing jobs list leaves the card as "—", not the page an error."""
    with contextlib.suppress(BackendError):
        return {"recent_jobs": request.backend.jobs(page_size=RECENT_JOBS)["results"], "has_jobs_card": True}
    return {}


def _top_skills(request) -> dict:
    """The skills shown by the most entries; a failing skills list leaves the card as "—"."""
    with contextlib.suppress(BackendError):
        skills = request.backend.skills(ordering="-count", page_size=TOP_SKILLS)
        return {"top_skills": skills["results"], "has_skills_card": True}
    return {}


def _worklog_summary(request) -> dict:
    """The counters and the newest entries; a failing part of the backend leaves them as "—",
    not the page an error."""
    summary = {}
    with contextlib.suppress(BackendError):
        stats = request.backend.worklog_stats()
        recent = request.backend.worklogs(page_size=RECENT_ENTRIES)["results"]
        summary = {"stats": stats, "recent": recent, "recent_days": days_of(recent)}
    return summary
