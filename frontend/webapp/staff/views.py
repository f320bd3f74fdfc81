from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from webapp.accounts.session import staff_required
from webapp.accounts.views import FORM_ERRORS
from webapp.core.money import dollars_sent
from webapp.staff.forms import (
    AuditFilterForm,
    JobFilterForm,
    PasskeyCreateForm,
    PasskeyFilterForm,
    UserFilterForm,
)


def _filters(form) -> dict:
    """Valid filter values from the query string (invalid ones are ignored, not an error page)."""
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if value not in ("", None)}


def _pages(request, answer: dict, page: int) -> dict:
    """Previous/next links that keep the other filters in the URL."""
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
@staff_required
@vary_on_headers("HX-Request")
def passkeys(request):
    filters = _filters(PasskeyFilterForm(request.GET))
    page = filters.get("page", 1)
    answer = request.backend.admin_passkeys(**filters)
    context = {
        "filter_form": PasskeyFilterForm(initial=filters),
        "passkeys": answer["results"],
        "pages": _pages(request, answer, page),
        "create_form": PasskeyCreateForm(tenants=request.backend.admin_tenants()),
    }
    template = (
        "staff/passkeys.html#table"
        if request.htmx and request.htmx.target == "passkey-table"
        else ("staff/passkeys.html")
    )
    return render(request, template, context)


@require_POST
@staff_required
def passkey_create(request):
    tenants = request.backend.admin_tenants()
    form = PasskeyCreateForm(request.POST, tenants=tenants)
    created = None
    if form.is_valid():
        try:
            created = request.backend.admin_passkey_create(
                note=form.cleaned_data["note"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                max_uses=form.cleaned_data["max_uses"],
                target_tenant_id=form.cleaned_data["target_tenant"],
                starter_credit_dollars=dollars_sent(form.cleaned_data["starter_credit"] or Decimal(0)),
            )
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
    if created:
        form = PasskeyCreateForm(tenants=tenants)
    context = {"create_form": form, "created": created}
    if request.htmx:
        response = render(request, "staff/passkeys.html#create", context, status=200 if created else 422)
        if created:
            response = trigger_client_event(response, "passkeys-changed")
            response = trigger_client_event(
                response, "toast", {"text": "Invite passkey created. Copy it now."}
            )
        return response
    answer = request.backend.admin_passkeys()
    return render(
        request,
        "staff/passkeys.html",
        {
            **context,
            "filter_form": PasskeyFilterForm(),
            "passkeys": answer["results"],
            "pages": _pages(request, answer, 1),
        },
        status=200 if created else 422,
    )


@require_GET
@staff_required
def passkey_detail(request, passkey_id: int):
    return render(
        request,
        "staff/passkey_detail.html",
        {"passkey": request.backend.admin_passkey(passkey_id=passkey_id)},
    )


@require_POST
@staff_required
def passkey_revoke(request, passkey_id: int):
    passkey = request.backend.admin_passkey_revoke(passkey_id=passkey_id)
    message = f"Invite passkey {passkey['prefix']}… revoked."
    if request.htmx:
        response = render(request, "staff/passkeys.html#row", {"passkey": passkey})
        return trigger_client_event(response, "toast", {"text": message})
    messages.success(request, message)
    return redirect(
        request.POST.get("back")
        if str(request.POST.get("back", "")).startswith("/admin/")
        else "staff:passkeys"
    )


@require_GET
@staff_required
@vary_on_headers("HX-Request")
def users(request):
    filters = _filters(UserFilterForm(request.GET))
    answer = request.backend.admin_users(**filters)
    context = {
        "filter_form": UserFilterForm(initial=filters),
        "users": answer["results"],
        "pages": _pages(request, answer, filters.get("page", 1)),
    }
    template = (
        "staff/users.html#table"
        if request.htmx and request.htmx.target == "user-table"
        else "staff/users.html"
    )
    return render(request, template, context)


USER_ACTIONS = {
    "deactivate": ({"is_active": False}, "deactivated"),
    "reactivate": ({"is_active": True}, "reactivated"),
    "grant_staff": ({"is_staff": True}, "is now an operator"),
    "revoke_staff": ({"is_staff": False}, "is no longer an operator"),
}


@require_POST
@staff_required
def user_update(request, user_id: int, action: str):
    if action not in USER_ACTIONS:
        return render(request, "404.html", status=404)
    changes, said = USER_ACTIONS[action]
    try:
        user = request.backend.admin_user_update(user_id=user_id, **changes)
    except FORM_ERRORS as error:
        if request.htmx:
            response = render(request, "core/_empty.html", status=200)
            response["HX-Reswap"] = "none"
            return trigger_client_event(response, "toast", {"text": error.message, "level": "danger"})
        messages.error(request, error.message)
        return redirect("staff:users")
    message = f"{user['email']} {said}."
    if request.htmx:
        return trigger_client_event(
            render(request, "staff/users.html#row", {"user": user}), "toast", {"text": message}
        )
    messages.success(request, message)
    return redirect("staff:users")


@require_GET
@staff_required
@vary_on_headers("HX-Request")
def audit(request):
    form = AuditFilterForm(request.GET)
    filters = _filters(form)
    api_filters = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value) for name, value in filters.items()
    }
    answer = request.backend.admin_audit(**api_filters)
    context = {
        "filter_form": form,
        "events": answer["results"],
        "pages": _pages(request, answer, filters.get("page", 1)),
        "export_query": urlencode(api_filters),
    }
    template = (
        "staff/audit.html#table"
        if request.htmx and request.htmx.target == "audit-table"
        else "staff/audit.html"
    )
    return render(request, template, context)


@require_GET
@staff_required
@vary_on_headers("HX-Request")
def jobs(request):
    tenants = request.backend.admin_tenants()
    form = JobFilterForm(request.GET, tenants=tenants)
    filters = _filters(form)
    answer = request.backend.admin_jobs(**filters)
    context = {
        "filter_form": form,
        "jobs": answer["results"],
        "pages": _pages(request, answer, filters.get("page", 1)),
        "is_filtered": any(name != "page" for name in filters),
    }
    template = (
        "staff/jobs.html#table" if request.htmx and request.htmx.target == "job-table" else "staff/jobs.html"
    )
    return render(request, template, context)
