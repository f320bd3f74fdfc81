from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from webapp.accounts.session import signin_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.client import BackendClient
from webapp.backend.downloads import passed_on
from webapp.backend.errors import BackendNotFound, BackendPaymentRequired
from webapp.reports.forms import KIND_LABELS, ReportForm, ShareForm

PAGE_SIZE = 25
# A report still being written: its page polls it until it is ready or failed.
PENDING = "pending"
READY = "ready"
# A shared page is for whoever holds the link: not kept by caches, not indexed, and its address
# (which is the secret) not sent on to the sites it links to.
SHARED_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}
FORMAT_LABELS = {"md": "Markdown", "html": "HTML", "pdf": "PDF", "docx": "Word (DOCX)"}


def _page_number(request) -> int:
    return max(int(request.GET["page"]), 1) if request.GET.get("page", "").isdigit() else 1


def _list_context(request) -> dict:
    page = _page_number(request)
    answer = request.backend.reports(page=page, page_size=PAGE_SIZE)
    links = {}
    if answer.get("previous"):
        links["previous"] = f"?page={page - 1}"
    if answer.get("next"):
        links["next"] = f"?page={page + 1}"
    return {
        "reports": [_shown(report) for report in answer["results"]],
        "pages": {"links": links, "page": page, "count": answer["count"]},
    }


def _shown(report: dict) -> dict:
    """The report with its kind and files in the product's words."""
    return {
        **report,
        "kind_label": KIND_LABELS.get(report["kind"], report["kind"]),
        "files": [
            {**artifact, "label": FORMAT_LABELS.get(artifact["format"], artifact["format"])}
            for artifact in report["artifacts"]
        ],
        "filter_items": [
            (name, report["filters"][name])
            for name in ("employer", "project", "tag")
            if report["filters"].get(name)
        ],
    }


def _compose(request, context: dict, *, status: int = 200):
    """The form and what it answered, in place for htmx; the whole page otherwise."""
    if request.htmx:
        # htmx swaps 2xx and 422 only: a refusal for funds is shown with 200.
        return render(request, "reports/reports.html#compose", context, status=422 if status == 422 else 200)
    return render(request, "reports/reports.html", _list_context(request) | context, status=status)


@require_GET
@signin_required
def reports(request):
    form = ReportForm.for_last_days(user=request.session.get("user"))
    return render(request, "reports/reports.html", _list_context(request) | {"form": form})


@require_POST
@signin_required
def estimate(request):
    """The entries the report would cite and what it would hold, with Start (or Top up when the
    reserve is short); nothing is recorded."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _compose(request, {"form": form}, status=422)
    try:
        answer = request.backend.report_estimate(**form.body())
    except FORM_ERRORS as refusal:
        form.add_backend_errors(refusal)
        return _compose(request, {"form": form}, status=422)
    context = {
        "form": form,
        "estimate": answer,
        "is_short": answer["estimate_micros"] > answer["available_micros"],
        "body": form.body(),
    }
    return _compose(request, context)


@require_POST
@signin_required
def start(request):
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _compose(request, {"form": form}, status=422)
    try:
        created = request.backend.report_create(**form.body())
    except BackendPaymentRequired as refusal:
        # The backend's sentence names the amount to top up.
        return _compose(request, {"form": form, "refusal": refusal.message}, status=402)
    except FORM_ERRORS as refusal:
        form.add_backend_errors(refusal)
        return _compose(request, {"form": form}, status=422)
    target = reverse("reports:report", args=[created["id"]])
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def report(request, report_id: int):
    """The report; while it is being written its live part is polled every two seconds, and the
    answer for a report that is ready or failed has no trigger, so the polling stops by itself."""
    found = _shown(request.backend.report(report_id=report_id))
    context = {"report": found, "is_pending": found["status"] == PENDING}
    if found["status"] == READY:
        context |= _share_context(request, report_id=report_id)
    if request.htmx and request.htmx.target == "report-live":
        response = render(request, "reports/report.html#live", context)
        if not context["is_pending"]:
            # The job has ended and moved money: the status bar follows.
            response = trigger_client_event(response, "reserve-changed")
        return response
    return render(request, "reports/report.html", context)


@require_GET
@signin_required
def artifact_download(request, report_id: int, artifact_id: int):
    """As evidence downloads: the backend checks the permission; a presigned S3 link is passed on as
    a redirect, a file from local storage is streamed through with the backend's safe headers."""
    return passed_on(request.backend.report_artifact_download(report_id=report_id, artifact_id=artifact_id))


# --- share links ----------------------------------------------------------------------------------


def _share_context(
    request, *, report_id: int, form: ShareForm | None = None, made: dict | None = None
) -> dict:
    shares = request.backend.report_shares(report_id=report_id)["results"]
    context = {"share_form": form or ShareForm(), "shares": shares, "share_report_id": report_id}
    if made:
        # The token is answered once by the backend: the whole link is shown now and never again.
        context["made_link"] = request.build_absolute_uri(reverse("reports:shared", args=[made["token"]]))
    return context


def _share_card(request, report_id: int, context: dict, *, status: int = 200, toast: str = ""):
    if not request.htmx:
        found = _shown(request.backend.report(report_id=report_id))
        page = {"report": found, "is_pending": False} | context
        return render(request, "reports/report.html", page, status=status)
    response = render(request, "reports/report.html#share", context, status=status)
    return trigger_client_event(response, "toast", {"text": toast}) if toast else response


@require_POST
@signin_required
def share_create(request, report_id: int):
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _share_card(
            request, report_id, _share_context(request, report_id=report_id, form=form), status=422
        )
    try:
        made = request.backend.report_share_create(report_id=report_id, expires_at=form.expires_at())
    except FORM_ERRORS as refusal:
        form.add_backend_errors(refusal)
        return _share_card(
            request, report_id, _share_context(request, report_id=report_id, form=form), status=422
        )
    context = _share_context(request, report_id=report_id, made=made)
    return _share_card(request, report_id, context, toast="Link made. Copy it now.")


@require_POST
@signin_required
def share_revoke(request, report_id: int, link_id: int):
    request.backend.report_share_revoke(report_id=report_id, link_id=link_id)
    if not request.htmx:
        return redirect("reports:report", report_id)
    return _share_card(
        request, report_id, _share_context(request, report_id=report_id), toast="Link revoked."
    )


@require_GET
def shared(request, token: str):
    """The report for whoever holds the link, signed in or not: the backend is asked without the
    visitor's session token, and the page sets no cookie."""
    anonymous = BackendClient(
        request_id=request.backend.request_id, client_address=request.backend.client_address
    )
    try:
        found = anonymous.shared_report(token=token)
    except BackendNotFound:
        response = render(request, "reports/shared.html", {"is_missing": True}, status=404)
    else:
        found["kind_label"] = KIND_LABELS.get(found["kind"], found["kind"])
        response = render(request, "reports/shared.html", {"shared": found})
    for header, value in SHARED_HEADERS.items():
        response[header] = value
    return response
