"""Import my history: a file (CSV, Markdown, jrnl's JSON export, a git log) previewed first (the
count, what was imported before, the first rows, every refused row with its line), then imported
all at once or not at all by a background job whose page shows its progress; the backend keeps
each row's key, so a second import adds nothing."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from webapp.accounts.forms import BackendErrorsMixin
from webapp.accounts.session import signin_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.downloads import passed_on

FORMAT_LABELS = {
    "csv": "CSV (date, content, employer, project, tags)",
    "markdown": "Markdown (one entry per dated heading)",
    "jrnl": "jrnl (its JSON export)",
    "git": "git log",
}
GIT_LOG_COMMAND = "git log --no-merges --date=short --pretty=format:'%H%x09%ae%x09%ad%x09%s' > history.txt"


class ImportForm(BackendErrorsMixin, forms.Form):
    file = forms.FileField(label="File")
    format = forms.ChoiceField(label="Format", choices=list(FORMAT_LABELS.items()))
    git_author_email = forms.EmailField(label="git log only: your author e-mail", required=False)
    git_group = forms.ChoiceField(
        label="git log only: entries",
        choices=[("day", "One per day"), ("commit", "One per commit")],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("format") == "git" and not data.get("git_author_email"):
            self.add_error("git_author_email", "Give the e-mail your commits carry: only those are imported.")
        return data

    def sent(self) -> tuple[tuple, dict]:
        upload = self.cleaned_data["file"]
        upload.seek(0)
        options = {"format": self.cleaned_data["format"]}
        if options["format"] == "git":
            options |= {
                "git_author_email": self.cleaned_data["git_author_email"],
                "git_group": self.cleaned_data["git_group"] or "day",
            }
        return (upload.name, upload, upload.content_type or "text/plain"), options


@require_http_methods(["GET", "POST"])
@signin_required
def import_page(request):
    """GET: the form. POST: the preview (the `preview` button) or the import (the `import` one)."""
    if request.method == "GET":
        return render(request, "worklogs/import.html", {"form": ImportForm(), "git_command": GIT_LOG_COMMAND})
    form = ImportForm(request.POST, request.FILES)
    context = {"form": form, "git_command": GIT_LOG_COMMAND}
    if not form.is_valid():
        return _answer(request, context, status=422)
    upload, options = form.sent()
    if "import" not in request.POST:
        try:
            context["preview"] = request.backend.worklog_import_preview(upload=upload, options=options)
        except FORM_ERRORS as refusal:
            form.add_error(None, refusal.message)
            return _answer(request, context, status=422)
        context["new_entries"] = context["preview"]["entries"] - context["preview"]["already_imported"]
        return _answer(request, context)
    try:
        job = request.backend.worklog_import(upload=upload, options=options)
    except FORM_ERRORS as refusal:
        context["refused_rows"] = refusal.extra.get("rows", [])
        form.add_error(None, refusal.message)
        return _answer(request, context, status=422)
    messages.success(request, "The file is being imported: this page shows how far it has got.")
    job_page = reverse("jobs:job", args=[job["id"]])
    if request.htmx:
        response = render(request, "worklogs/import.html#result", context)
        response["HX-Redirect"] = job_page
        return response
    return redirect(job_page)


def _answer(request, context: dict, status: int = 200):
    template = "worklogs/import.html#result" if request.htmx else "worklogs/import.html"
    return render(request, template, context, status=status)


@require_GET
@signin_required
def import_template(request):
    return passed_on(request.backend.worklog_import_template())
