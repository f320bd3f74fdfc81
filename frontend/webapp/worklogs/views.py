from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from webapp.accounts.session import signin_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.downloads import passed_on
from webapp.backend.errors import BackendPaymentRequired
from webapp.worklogs.entries import TimelineShown, days_of
from webapp.worklogs.forms import EvidenceForm, TimelineFilterForm, WorkLogForm

# The modal sits on every page, next to other forms with the same fields: its own element ids.
QUICK_ADD_IDS = "quick_%s"


def _timeline_page(request, filters: dict, cursor: str = "", continues_day: str = "") -> dict:
    page = request.backend.worklogs(cursor=cursor, **filters)
    entries = page["results"]
    next_url = ""
    if page["next_cursor"]:
        next_url = "?" + urlencode(
            {**filters, "cursor": page["next_cursor"], "after_day": entries[-1]["date"]}
        )
    return {
        "days": days_of(entries, continues_day),
        "next_url": next_url,
        # What the entries reload from when an entry is saved elsewhere on the page (quick-add).
        "refresh_url": ("?" + urlencode(filters)) if filters else "",
        "filters": filters,
        "is_filtered": bool(filters),
    }


def _filters_from(query) -> tuple[TimelineFilterForm, dict]:
    form = TimelineFilterForm(query)
    form.is_valid()
    filters = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in form.cleaned_data.items()
        if value not in ("", None)
    }
    return form, filters


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def timeline(request):
    form, filters = _filters_from(request.GET)
    page = _timeline_page(request, filters, request.GET.get("cursor", ""), request.GET.get("after_day", ""))
    if request.htmx and request.GET.get("cursor"):
        return render(request, "worklogs/timeline.html#more", page)
    if request.htmx and request.htmx.target == "timeline-entries":
        return render(request, "worklogs/timeline.html#entries", page)
    return render(
        request,
        "worklogs/timeline.html",
        {**page, "filter_form": form, "suggestions": request.backend.worklog_suggestions()},
    )


def _quick_add_context(request, form=None, suggestions: dict | None = None) -> dict:
    """The quick-add form; a new one starts from the person's today (the backend's, in their
    time zone) and the employer and project they used last."""
    if suggestions is None:
        suggestions = request.backend.worklog_suggestions()
    if form is None:
        form = WorkLogForm(
            initial={
                "date": suggestions["today"],
                "employer": suggestions["last_employer"],
                "project": suggestions["last_project"],
            },
            auto_id=QUICK_ADD_IDS,
            suggestion_prefix="quick-",
        )
    return {"form": form, "suggestions": suggestions}


@require_http_methods(["GET", "POST"])
@signin_required
@vary_on_headers("HX-Request")
def quick_add(request):
    """The quick-add modal's form (GET) and its save (POST). A save is one backend call: its answer
    carries the suggestions the fresh form needs. The view does not guess what the page behind the
    modal shows: an unfiltered timeline declares its days with the form (and gets the new entry
    in place, out of band); the save triggers `worklog-saved`, on which whatever else shows entries
    reloads itself (a filtered timeline, the dashboard's summary)."""
    if request.method == "GET":
        template = "worklogs/quick_add.html#form" if request.htmx else "worklogs/quick_add_page.html"
        return render(request, template, _quick_add_context(request))
    form = WorkLogForm(request.POST, auto_id=QUICK_ADD_IDS, suggestion_prefix="quick-")
    if form.is_valid():
        try:
            entry = request.backend.worklog_create(**form.payload())
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            if not request.htmx:
                messages.success(request, "Entry saved.")
                return redirect("worklogs:entry", worklog_id=entry["id"])
            return _saved(request, entry)
    if not request.htmx:
        return render(request, "worklogs/quick_add_page.html", _quick_add_context(request, form), status=422)
    return render(request, "worklogs/quick_add.html#form", _quick_add_context(request, form), status=422)


def _saved(request, entry: dict):
    """The fresh form for the next entry, pre-filled with the date, employer and project just used;
    and the new entry, out of band, where the page's timeline declared it can take it in place."""
    fresh = WorkLogForm(
        initial={"date": entry["date"], "employer": entry["employer"], "project": entry["project"]},
        auto_id=QUICK_ADD_IDS,
        suggestion_prefix="quick-",
    )
    html = render_to_string(
        "worklogs/quick_add.html#form",
        _quick_add_context(request, fresh, entry["suggestions"]),
        request=request,
    )
    shown = TimelineShown.declared_in(request.POST)
    placement = shown.placement(entry["date"]) if shown else None
    if placement is not None:
        piece, swap = placement
        day = {"date": entry["date"], "entries": [entry], "is_continued": False}
        if piece == "timeline":
            context = {"days": [day], "filters": {}, "is_filtered": False, "oob": True}
            html += render_to_string("worklogs/timeline.html#entries", context, request=request)
        elif piece == "day":
            html += render_to_string("worklogs/timeline.html#saved-day", {"day": day, "swap": swap})
        else:
            html += render_to_string("worklogs/timeline.html#saved-entry", {"entry": entry, "swap": swap})
    response = trigger_client_event(
        HttpResponse(html), "worklog-saved", {"id": entry["id"], "date": entry["date"]}
    )
    return trigger_client_event(response, "toast", {"text": "Entry saved."})


def _edited_at(entry: dict) -> str:
    """When the entry was last edited, or "" if never. The backend stamps `created_at` and
    `updated_at` one after the other when it creates an entry: a few microseconds apart."""
    created, updated = parse_datetime(entry["created_at"]), parse_datetime(entry["updated_at"])
    if created is None or updated is None or updated - created < timedelta(seconds=1):
        return ""
    return entry["updated_at"]


def _entry_context(request, item: dict, form=None) -> dict:
    """The entry page; with `form`, in editing mode (the form instead of the entry's text)."""
    context = {
        "entry": item,
        "edited_at": _edited_at(item),
        "evidence_form": EvidenceForm(),
        "max_mb": settings.EVIDENCE_MAX_MB,
        "editing": form is not None,
    }
    if form is not None:
        context |= {"form": form, "suggestions": request.backend.worklog_suggestions()}
    return context


@require_GET
@signin_required
def entry(request, worklog_id: int):
    item = request.backend.worklog(worklog_id=worklog_id)
    form = WorkLogForm(initial={**item, "tags": ", ".join(item["tags"])}) if request.GET.get("edit") else None
    context = _entry_context(request, item, form)
    if request.GET.get("enhance") and form is None:  # the estimate, for a browser without JavaScript
        context |= _enhance_estimate(request, worklog_id)
    return render(request, "worklogs/entry.html", context)


ENHANCE = "worklog.enhance"


def _enhance_estimate(request, worklog_id: int) -> dict:
    """What enhancing the entry would hold from the reserve, or why it cannot be estimated."""
    try:
        estimate = request.backend.job_estimate(kind=ENHANCE, params={"worklog_id": worklog_id})
    except FORM_ERRORS as refusal:
        reasons = [message for field_messages in refusal.fields.values() for message in field_messages]
        return {"enhance_problem": " ".join(reasons) or refusal.message}
    return {"estimate": estimate}


@require_http_methods(["GET", "POST"])
@signin_required
@vary_on_headers("HX-Request")
def entry_enhance(request, worklog_id: int):
    """GET: the estimate, with Start and Cancel (`?close=1`: the fragment closed again). POST:
    start the job; it runs in the background and its page follows it. A reserve that cannot cover
    it says how much to top up, in place."""
    if request.method == "GET":
        if not request.htmx:
            suffix = "" if request.GET.get("close") else "?enhance=1#enhance"
            return redirect(reverse("worklogs:entry", args=[worklog_id]) + suffix)
        context = {} if request.GET.get("close") else _enhance_estimate(request, worklog_id)
        return render(request, "worklogs/entry.html#enhance", {"entry": {"id": worklog_id}, **context})
    try:
        job = request.backend.job_start(kind=ENHANCE, params={"worklog_id": worklog_id})
    except BackendPaymentRequired as refusal:
        # The backend's sentence names the amount to top up.
        context = {"refusal": refusal.message}
    except FORM_ERRORS as refusal:
        reasons = [message for field_messages in refusal.fields.values() for message in field_messages]
        context = {"enhance_problem": " ".join(reasons) or refusal.message}
    else:
        target = reverse("jobs:job", args=[job["id"]])
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    if request.htmx:
        return render(request, "worklogs/entry.html#enhance", {"entry": {"id": worklog_id}, **context})
    item = request.backend.worklog(worklog_id=worklog_id)
    status = 402 if "refusal" in context else 422
    return render(request, "worklogs/entry.html", _entry_context(request, item) | context, status=status)


@require_POST
@signin_required
def entry_edit(request, worklog_id: int):
    form = WorkLogForm(request.POST)
    if form.is_valid():
        try:
            request.backend.worklog_update(worklog_id=worklog_id, **form.payload())
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        else:
            messages.success(request, "Entry updated.")
            return redirect("worklogs:entry", worklog_id=worklog_id)
    item = request.backend.worklog(worklog_id=worklog_id)
    return render(request, "worklogs/entry.html", _entry_context(request, item, form), status=422)


@require_http_methods(["GET", "POST"])
@signin_required
def entry_delete(request, worklog_id: int):
    if request.method == "GET":  # the confirmation page (without JavaScript)
        return render(
            request, "worklogs/entry_delete.html", {"entry": request.backend.worklog(worklog_id=worklog_id)}
        )
    request.backend.worklog_delete(worklog_id=worklog_id)
    messages.success(request, "Entry deleted, with its evidence files.")
    if request.htmx:
        response = render(request, "core/_empty.html")
        response["HX-Redirect"] = "/timeline/"
        return response
    return redirect("worklogs:timeline")


@csrf_exempt  # only this outer check: the inner view is CSRF-protected (Django's upload pattern)
@require_POST
def evidence_upload(request, worklog_id: int):
    """Refuses an oversized upload from its declared length before anything reads the body (the
    CSRF check would parse and spool the whole multipart body first)."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.EVIDENCE_MAX_MB * 1024 * 1024 + 64 * 1024:
        messages.error(request, f"The file is larger than {settings.EVIDENCE_MAX_MB} MB.")
        return redirect("worklogs:entry", worklog_id=worklog_id)
    return _evidence_upload(request, worklog_id)


@csrf_protect
@signin_required
def _evidence_upload(request, worklog_id: int):
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
        return redirect("worklogs:entry", worklog_id=worklog_id)
    upload = form.cleaned_data["file"]
    try:
        request.backend.evidence_upload(
            worklog_id=worklog_id, name=upload.name, fileobj=upload, content_type=upload.content_type
        )
    except FORM_ERRORS as refusal:
        reasons = [message for field_messages in refusal.fields.values() for message in field_messages]
        messages.error(request, " ".join(reasons) or refusal.message)
    else:
        messages.success(request, "File added.")
    return redirect("worklogs:entry", worklog_id=worklog_id)


@require_POST
@signin_required
def evidence_delete(request, worklog_id: int, evidence_id: int):
    request.backend.evidence_delete(worklog_id=worklog_id, evidence_id=evidence_id)
    messages.success(request, "File deleted.")
    return redirect("worklogs:entry", worklog_id=worklog_id)


@require_GET
@signin_required
def evidence_download(request, worklog_id: int, evidence_id: int):
    """The backend checks the permission; a presigned S3 link is passed on as a redirect, a file
    from local storage is streamed through with the backend's safe headers."""
    return passed_on(request.backend.evidence_download(worklog_id=worklog_id, evidence_id=evidence_id))
