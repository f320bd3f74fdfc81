from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from webapp.accounts.session import signin_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.errors import BackendPaymentRequired
from webapp.skills.forms import SkillMergeForm, SkillNameForm

PAGE_SIZE = 25
EXTRACT = "skills.extract"
# The list's sort orders as the backend names them: the column each sorts, and how the caption says
# it. The first is the default.
ORDERINGS = {
    "-count": ("count", "most entries first"),
    "name": ("name", "name"),
    "first_seen": ("first_seen", "first seen, earliest first"),
    "-last_seen": ("last_seen", "last seen, latest first"),
}
DEFAULT_ORDERING = "-count"
# The merge select offers the person's skills from one page of the list (the API's largest).
MERGE_CHOICES_PAGE_SIZE = 100


def _page_number(request) -> int:
    return max(int(request.GET["page"]), 1) if request.GET.get("page", "").isdigit() else 1


def _pages(request, answer: dict, page: int) -> dict:
    """Previous/next links that keep the sort and the toggle in the URL (as the other lists do)."""
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


def _refusal_text(refusal) -> str:
    """The backend's own words for a refusal: its field messages, else its one message."""
    reasons = [message for field_messages in refusal.fields.values() for message in field_messages]
    return " ".join(str(reason) for reason in reasons) or refusal.message


def _go(request, target: str):
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


# --- the list ---------------------------------------------------------------------------------------


def _list_context(request, add_form=None) -> dict:
    ordering = request.GET.get("ordering", "")
    ordering = ordering if ordering in ORDERINGS else DEFAULT_ORDERING
    show_hidden = request.GET.get("hidden") == "1"
    page = _page_number(request)
    answer = request.backend.skills(
        ordering=ordering, include_hidden=show_hidden, page=page, page_size=PAGE_SIZE
    )
    # Sort links keep the toggle and start again at the first page; the toggle keeps the sort.
    base = {"hidden": "1"} if show_hidden else {}
    sort_links = {
        column: {"url": "?" + urlencode({**base, "ordering": value}), "is_current": value == ordering}
        for value, (column, _) in ORDERINGS.items()
    }
    toggle = {} if show_hidden else {"hidden": "1"}
    return {
        "skills": answer["results"],
        "pages": _pages(request, answer, page),
        "ordering": ordering,
        "sort_links": sort_links,
        "ordering_label": ORDERINGS[ordering][1],
        "show_hidden": show_hidden,
        "hidden_toggle_url": "?" + urlencode({**toggle, "ordering": ordering}),
        "add_form": add_form or SkillNameForm(auto_id="add_%s"),
    }


def _estimate(request, *, is_full: bool) -> dict:
    """What extracting would hold from the reserve, or why it cannot be estimated."""
    try:
        estimate = request.backend.job_estimate(kind=EXTRACT, params={"full": is_full})
    except FORM_ERRORS as refusal:
        return {"extract_problem": _refusal_text(refusal), "is_full": is_full}
    return {"estimate": estimate, "is_full": is_full}


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def skills(request):
    """My skills, sorted and filtered from the address; `?extract=1` shows the extraction's estimate
    in the page (for a browser without JavaScript)."""
    context = _list_context(request)
    if request.GET.get("extract"):
        context |= _estimate(request, is_full=request.GET.get("full") == "1")
    return render(request, "skills/skills.html", context)


@require_POST
@signin_required
def skill_add(request):
    form = SkillNameForm(request.POST, auto_id="add_%s")
    if form.is_valid():
        try:
            added = request.backend.skill_create(name=form.cleaned_data["name"])
        except FORM_ERRORS as refusal:
            form.add_backend_errors(refusal)
        else:
            messages.success(request, "Skill added: link the entries that show it.")
            return _go(request, reverse("skills:skill", args=[added["id"]]))
    if request.htmx:
        return render(request, "skills/skills.html#add", {"add_form": form}, status=422)
    return render(request, "skills/skills.html", _list_context(request, add_form=form), status=422)


@require_http_methods(["GET", "POST"])
@signin_required
@vary_on_headers("HX-Request")
def extract(request):
    """GET: the estimate, with Start and Cancel (`?close=1`: the fragment closed again). POST: start
    the job and follow it on its page. A reserve that cannot cover it says how much to top up, in
    place."""
    is_full = request.POST.get("full", request.GET.get("full")) == "1"
    if request.method == "GET":
        if not request.htmx:
            suffix = (
                ""
                if request.GET.get("close")
                else ("?extract=1" + ("&full=1" if is_full else "") + "#extract")
            )
            return redirect(reverse("skills:skills") + suffix)
        context = {} if request.GET.get("close") else _estimate(request, is_full=is_full)
        return render(request, "skills/skills.html#extract", context)
    try:
        job = request.backend.job_start(kind=EXTRACT, params={"full": is_full})
    except BackendPaymentRequired as refusal:
        # The backend's sentence names the amount to top up.
        context = {"refusal": refusal.message, "is_full": is_full}
    except FORM_ERRORS as refusal:
        context = {"extract_problem": _refusal_text(refusal), "is_full": is_full}
    else:
        return _go(request, reverse("jobs:job", args=[job["id"]]))
    if request.htmx:
        return render(request, "skills/skills.html#extract", context)
    status = 402 if "refusal" in context else 422
    return render(request, "skills/skills.html", _list_context(request) | context, status=status)


# --- one skill --------------------------------------------------------------------------------------


def _skill_context(request, skill_id: int, **forms) -> dict:
    found = request.backend.skill(skill_id=skill_id)
    page = _page_number(request)
    entries = request.backend.skill_entries(skill_id=skill_id, page=page, page_size=PAGE_SIZE)
    others = request.backend.skills(ordering="name", include_hidden=True, page_size=MERGE_CHOICES_PAGE_SIZE)[
        "results"
    ]
    choices = [(other["id"], other["name"]) for other in others if other["id"] != found["id"]]
    return {
        "skill": found,
        "entries": entries["results"],
        "pages": _pages(request, entries, page),
        "rename_form": forms.get("rename_form")
        or SkillNameForm(initial={"name": found["name"]}, label="New name", auto_id="rename_%s"),
        "merge_form": forms.get("merge_form") or SkillMergeForm(choices=choices, auto_id="merge_%s"),
        "has_others": bool(choices),
        "visibility_problem": forms.get("visibility_problem", ""),
    }


@require_GET
@signin_required
def skill(request, skill_id: int):
    return render(request, "skills/skill.html", _skill_context(request, skill_id))


def _manage_refused(request, skill_id: int, **forms):
    """The skill's forms again, with the backend's message in place (422: htmx swaps it)."""
    context = _skill_context(request, skill_id, **forms)
    template = "skills/skill.html#manage" if request.htmx else "skills/skill.html"
    return render(request, template, context, status=422)


@require_POST
@signin_required
def skill_rename(request, skill_id: int):
    form = SkillNameForm(request.POST, label="New name", auto_id="rename_%s")
    if form.is_valid():
        try:
            request.backend.skill_update(skill_id=skill_id, name=form.cleaned_data["name"])
        except FORM_ERRORS as refusal:
            form.add_backend_errors(refusal)
        else:
            messages.success(request, "Renamed: the old name stays an alias.")
            return _go(request, reverse("skills:skill", args=[skill_id]))
    return _manage_refused(request, skill_id, rename_form=form)


@require_POST
@signin_required
def skill_visibility(request, skill_id: int):
    is_hidden = request.POST.get("is_hidden") == "1"
    try:
        request.backend.skill_update(skill_id=skill_id, is_hidden=is_hidden)
    except FORM_ERRORS as refusal:
        return _manage_refused(request, skill_id, visibility_problem=_refusal_text(refusal))
    messages.success(
        request, "Hidden: left out of the list and of reports." if is_hidden else "Shown in the list again."
    )
    return _go(request, reverse("skills:skill", args=[skill_id]))


@require_POST
@signin_required
def skill_merge(request, skill_id: int):
    others = request.backend.skills(ordering="name", include_hidden=True, page_size=MERGE_CHOICES_PAGE_SIZE)[
        "results"
    ]
    choices = [(other["id"], other["name"]) for other in others if other["id"] != skill_id]
    form = SkillMergeForm(request.POST, choices=choices, auto_id="merge_%s")
    if form.is_valid():
        try:
            merged = request.backend.skill_merge(skill_id=skill_id, into=form.cleaned_data["into"])
        except FORM_ERRORS as refusal:
            form.add_backend_errors(refusal)
        else:
            messages.success(request, f"Merged into {merged['name']}: its names are aliases now.")
            return _go(request, reverse("skills:skill", args=[merged["id"]]))
    return _manage_refused(request, skill_id, merge_form=form)


@require_POST
@signin_required
def skill_delete(request, skill_id: int):
    request.backend.skill_delete(skill_id=skill_id)
    messages.success(request, "Skill deleted; its entries stay.")
    return _go(request, reverse("skills:skills"))


@require_POST
@signin_required
def entry_unlink(request, skill_id: int, worklog_id: int):
    request.backend.skill_unlink(skill_id=skill_id, worklog_id=worklog_id)
    messages.success(request, "Entry unlinked from this skill.")
    return _go(request, reverse("skills:skill", args=[skill_id]))
