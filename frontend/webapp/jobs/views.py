from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from webapp.accounts.session import signin_required
from webapp.backend.errors import BackendConflict, BackendPaymentRequired
from webapp.jobs.labels import ACTIVE_STATUSES, KIND_LABELS, RETRYABLE_STATUSES, STATUS_LABELS

PAGE_SIZE = 25
# A job's timeline as the page shows it: the first events (a job has a few dozen at most).
EVENTS_SHOWN = 100


def _pages(request, answer: dict, page: int) -> dict:
    """Previous/next links that keep the filters in the URL (as the Admin lists do)."""
    params = request.GET.copy()
    links = {}
    for name, present, number in (
        ("previous", answer.get("previous"), page - 1),
        ("next", answer.get("next"), page + 1),
    ):
        if present:
            params["page"] = number
            links[name] = f"?{params.urlencode()}"
    return {"links": links, "page": page, "count": answer.get("count", 0)}


@require_GET
@signin_required
def jobs(request):
    """My jobs, newest first, filtered by status and kind from the address (unknown values are
    ignored, not sent to the backend as a 400)."""
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    status = status if status in STATUS_LABELS else ""
    kind = kind if kind in KIND_LABELS else ""
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    answer = request.backend.jobs(status=status, kind=kind, page=max(page, 1), page_size=PAGE_SIZE)
    return render(
        request,
        "jobs/jobs.html",
        {
            "jobs": answer["results"],
            "pages": _pages(request, answer, page),
            "status": status,
            "kind": kind,
            "is_filtered": bool(status or kind),
            "statuses": STATUS_LABELS.items(),
            "kinds": KIND_LABELS.items(),
        },
    )


def _live_context(request, job: dict, **notice) -> dict:
    """What the job page's live part shows: the job, its timeline, what may be done with it.
    `notice` is a refusal to show above it (`conflict`, or `payment`)."""
    events = request.backend.job_events(job_id=job["id"], page_size=EVENTS_SHOWN)["results"]
    result = job["result"] or {}
    is_proposal = job["kind"] == "worklog.enhance" and job["status"] == "succeeded" and "content" in result
    return {
        "job": job,
        "events": events,
        "is_active": job["status"] in ACTIVE_STATUSES,
        "is_retryable": job["status"] in RETRYABLE_STATUSES,
        "proposal": result if is_proposal else None,
        # An import's counts (known once its file is read) and an export's file, once written.
        "imported": result if job["kind"] == "worklog.import" and "entries" in result else None,
        "export": result if job["kind"] == "data.export" and "export_id" in result else None,
        **notice,
    }


@require_GET
@signin_required
@never_cache
@vary_on_headers("HX-Request")
def job(request, job_id: int):
    """The job page; polled (its live part alone) every second while the job has not ended."""
    context = _live_context(request, request.backend.job(job_id=job_id))
    if request.htmx and request.htmx.target == "job-live":
        response = render(request, "jobs/job.html#live", context)
        if not context["is_active"]:
            # The last poll: the job has ended and moved money and tokens; the status bar follows.
            response = trigger_client_event(response, "reserve-changed")
        return response
    return render(request, "jobs/job.html", context)


def _after_action(request, job: dict, toast: str):
    if not request.htmx:
        messages.success(request, toast)
        return redirect("jobs:job", job_id=job["id"])
    response = render(request, "jobs/job.html#live", _live_context(request, job))
    response = trigger_client_event(response, "toast", {"text": toast})
    # A job that ended may have moved money and tokens: the status bar refreshes at once.
    return trigger_client_event(response, "reserve-changed")


def _refused(request, job_id: int, **notice):
    """The job as it is now, with why the action was refused; a page without JavaScript gets the
    message above the job page instead."""
    if not request.htmx:
        if "payment" in notice:
            messages.warning(request, notice["payment"])
        else:
            messages.error(request, notice["conflict"])
        return redirect("jobs:job", job_id=job_id)
    context = _live_context(request, request.backend.job(job_id=job_id), **notice)
    return render(request, "jobs/job.html#live", context)


def _job_action(request, job_id: int, call, done: str):
    """One of the job page's buttons: the backend's answer, or why it refused (409) in place."""
    try:
        job = call(job_id=job_id)
    except BackendConflict as conflict:
        return _refused(request, job_id, conflict=conflict.message)
    return _after_action(request, job, done)


@require_POST
@signin_required
def job_cancel(request, job_id: int):
    return _job_action(
        request, job_id, request.backend.job_cancel, "Job canceled: only what it used is charged."
    )


@require_POST
@signin_required
def job_retry(request, job_id: int):
    try:
        new_job = request.backend.job_retry(job_id=job_id)
    except BackendConflict as conflict:
        return _refused(request, job_id, conflict=conflict.message)
    except BackendPaymentRequired as refusal:
        # The backend's sentence names the amount to top up.
        return _refused(request, job_id, payment=refusal.message)
    messages.success(request, "Started again as a new job.")
    target = reverse("jobs:job", args=[new_job["id"]])
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_POST
@signin_required
def proposal_accept(request, job_id: int):
    return _job_action(
        request, job_id, request.backend.job_proposal_accept, "Accepted: the entry has the new text."
    )


@require_POST
@signin_required
def proposal_reject(request, job_id: int):
    return _job_action(
        request, job_id, request.backend.job_proposal_reject, "Rejected: the entry is unchanged."
    )
