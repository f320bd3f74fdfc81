"""The Team page (docs/tenancy.md): the workspace's members; for its owners, invites and the
members' roles; for everyone, leaving with one's own entries."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from webapp.accounts.session import SESSION_USER_KEY, session_refresh_user, session_user, signin_required
from webapp.accounts.views import FORM_ERRORS
from webapp.backend.errors import BackendConflict, BackendNotFound, BackendPermissionDenied
from webapp.team.forms import InviteForm, RoleForm

# What the backend refuses for a reason the person can act on: the message says what to do.
REFUSALS = (BackendConflict, BackendPermissionDenied, BackendNotFound)


def _signup_link(request, key: str) -> str:
    return request.build_absolute_uri(f"{reverse('accounts:signup')}?{urlencode({'passkey': key})}")


def _keep_session_in_step(request, team: dict) -> None:
    """Another owner may have changed this person's role since they signed in: the menu and the
    billing page read the session's copy, so it follows what the backend says."""
    user = session_user(request)
    if user and (user.get("role"), user.get("tenant")) != (team["my_role"], team["tenant"]["name"]):
        request.session[SESSION_USER_KEY] = {
            **user,
            "role": team["my_role"],
            "tenant": team["tenant"]["name"],
        }


def _team_context(request, *, invite_form=None, created=None) -> dict:
    team = request.backend.team_members()
    _keep_session_in_step(request, team)
    is_owner = team["my_role"] == "owner"
    return {
        "workspace": team["tenant"],
        "members": team["members"],
        "is_owner": is_owner,
        "owner_count": sum(1 for member in team["members"] if member["role"] == "owner"),
        "invites": request.backend.team_invites() if is_owner else [],
        "invite_form": invite_form or InviteForm(),
        "created": created,
    }


@require_GET
@signin_required
@vary_on_headers("HX-Request")
def team(request):
    context = _team_context(request)
    if request.htmx and request.htmx.target == "team-invites":
        return render(request, "team/team.html#invites", context)
    return render(request, "team/team.html", context)


@require_POST
@signin_required
def invite_create(request):
    form = InviteForm(request.POST)
    created = None
    if form.is_valid():
        try:
            created = request.backend.team_invite_create(**form.cleaned_data)
        except FORM_ERRORS as error:
            form.add_backend_errors(error)
        except BackendPermissionDenied as refusal:
            form.add_error(None, refusal.message)
    if created:
        created["signup_link"] = _signup_link(request, created["key"])
        form = InviteForm()
    status = 200 if created else 422
    if request.htmx:
        response = render(
            request,
            "team/team.html#invite",
            {"invite_form": form, "created": created, "is_owner": True},
            status=status,
        )
        if created:
            response = trigger_client_event(response, "invites-changed")
            text = (
                "Invitation sent. The link is below too."
                if created["emailed_to"]
                else "Invite created. Copy the link now."
            )
            response = trigger_client_event(response, "toast", {"text": text})
        return response
    return render(
        request, "team/team.html", _team_context(request, invite_form=form, created=created), status=status
    )


@require_POST
@signin_required
def invite_revoke(request, invite_id: int):
    try:
        invite = request.backend.team_invite_revoke(invite_id=invite_id)
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Invite {invite['prefix']}… revoked: nobody can sign up with it now.")
    return redirect("team:team")


@require_POST
@signin_required
def member_role(request, member_id: int):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose owner or member.")
        return redirect("team:team")
    try:
        member = request.backend.team_member_role_change(member_id=member_id, role=form.cleaned_data["role"])
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
    else:
        who = "You are" if member["is_me"] else f"{member['display_name'] or member['email']} is"
        messages.success(request, f"{who} now {'an owner' if member['role'] == 'owner' else 'a member'}.")
        if member["is_me"]:
            session_refresh_user(request)
    return redirect("team:team")


def _member(request, member_id: int) -> dict:
    for member in request.backend.team_members()["members"]:
        if member["id"] == member_id:
            return member
    raise Http404


@require_http_methods(["GET", "POST"])
@signin_required
def member_remove(request, member_id: int):
    if request.method == "GET":  # the confirmation step
        return render(request, "team/remove.html", {"member": _member(request, member_id)})
    try:
        request.backend.team_member_remove(member_id=member_id)
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            "Removed from the workspace. They keep their entries, skills and reports in a workspace of their own.",
        )
    return redirect("team:team")


@require_http_methods(["GET", "POST"])
@signin_required
def leave(request):
    if request.method == "GET":  # what leaving means, and the button
        team = request.backend.team_members()
        is_last_owner = team["my_role"] == "owner" and sum(m["role"] == "owner" for m in team["members"]) == 1
        return render(
            request, "team/leave.html", {"workspace": team["tenant"], "is_last_owner": is_last_owner}
        )
    try:
        departed = request.backend.team_leave()
    except REFUSALS as refusal:
        messages.error(request, refusal.message)
        return redirect("team:team")
    session_refresh_user(request)
    messages.success(
        request,
        f"You left the workspace. Your entries, skills and reports are with you in {departed['tenant']['name']}, "
        "your own workspace.",
    )
    return redirect("team:team")
