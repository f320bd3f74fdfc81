"""Owners invite people into their workspace through /api/tenant/invites/ (docs/tenancy.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from afterresume.invites.models import InvitePasskey
from afterresume.invites.services import passkey_create
from conftest import token_client

INVITES = "/api/tenant/invites/"
SIGNUP_PASSWORD = "a long and unusual password 42"


def revoke_url(invite: InvitePasskey) -> str:
    return f"{INVITES}{invite.pk}/revoke/"


def test_an_owner_invites_someone_and_sees_the_key_and_the_signup_link_once(owner, settings):
    settings.FRONTEND_URL = "https://app.example.com"

    response = token_client(owner).post(INVITES, {"role": "member", "note": "Sam from design"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith("arinv_")
    assert body["signup_url"] == f"https://app.example.com/signup/?passkey={body['key']}"
    assert (body["role"], body["note"], body["status"], body["max_uses"], body["use_count"]) == (
        "member",
        "Sam from design",
        "active",
        1,
        0,
    )
    assert body["created_by"] == "owner@example.com"
    assert body["emailed_to"] == ""
    invite = InvitePasskey.objects.get()
    assert invite.target_tenant == owner.membership.tenant
    days = (invite.expires_at - timezone.now()).total_seconds() / 86400
    assert settings.INVITE_PASSKEY_DEFAULT_DAYS - 1 < days <= settings.INVITE_PASSKEY_DEFAULT_DAYS
    # only the hash is kept, and the creation is in the audit log with the workspace
    assert body["key"] not in (invite.key_hash, invite.prefix)
    [event] = AuditEvent.objects.filter(action="passkey.created")
    assert (event.actor, event.tenant, event.data["role"]) == (owner, owner.membership.tenant, "member")
    # the list shows it afterwards, without the key
    [listed] = token_client(owner).get(INVITES).json()
    assert (listed["id"], listed["status"]) == (invite.pk, "active")
    assert "key" not in listed


def test_an_invitation_by_email_names_the_workspace_the_inviter_and_the_link(
    owner, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.FRONTEND_URL = "https://app.example.com"

    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(owner).post(
            INVITES, {"role": "owner", "email": "sam@example.com", "expires_in_days": 3}, format="json"
        )

    assert response.status_code == 201
    body = response.json()
    assert (body["emailed_to"], body["note"], body["role"]) == (
        "sam@example.com",
        "for sam@example.com",
        "owner",
    )
    [mail] = mailoutbox
    assert mail.to == ["sam@example.com"]
    assert mail.subject == "Olive Owner invites you to Olive's workspace on AfterResume"
    assert "as an owner" in mail.body
    assert f"https://app.example.com/signup/?passkey={body['key']}" in mail.body


def test_a_mail_server_that_fails_does_not_undo_the_invite(
    owner, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "afterresume.invites.tests.failing_mail.FailingBackend"}}

    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(owner).post(INVITES, {"email": "sam@example.com"}, format="json")

    assert response.status_code == 201
    assert InvitePasskey.objects.get().status == "active"


def test_the_list_is_this_workspaces_invites_newest_first(owner, outsider, operator):
    client = token_client(owner)
    first = client.post(INVITES, {"note": "first"}, format="json").json()
    second = client.post(INVITES, {"note": "second", "role": "owner"}, format="json").json()
    token_client(outsider).post(INVITES, {"note": "theirs"}, format="json")
    passkey_create(created_by=operator, note="a new workspace")

    listed = client.get(INVITES).json()

    assert [(row["id"], row["note"], row["role"]) for row in listed] == [
        (second["id"], "second", "owner"),
        (first["id"], "first", "member"),
    ]


def test_an_owner_revokes_an_invite_and_nobody_can_sign_up_with_it(owner, client):
    created = token_client(owner).post(INVITES, {}, format="json").json()
    invite = InvitePasskey.objects.get(pk=created["id"])

    response = token_client(owner).post(revoke_url(invite))

    assert (response.status_code, response.json()["status"]) == (200, "revoked")
    [event] = AuditEvent.objects.filter(action="passkey.revoked")
    assert (event.actor, event.tenant) == (owner, owner.membership.tenant)
    signup = client.post(
        "/api/auth/signup/",
        {"passkey": created["key"], "email": "late@example.com", "password": SIGNUP_PASSWORD},
        content_type="application/json",
    )
    assert signup.status_code == 400
    assert not User.objects.filter(email="late@example.com").exists()


def test_another_workspaces_invite_is_not_found_and_stays_active(owner, outsider):
    theirs, _ = passkey_create(created_by=outsider, target_tenant=outsider.membership.tenant)
    operators, _ = passkey_create(created_by=None)

    answers = [token_client(owner).post(revoke_url(invite)).status_code for invite in (theirs, operators)]

    assert answers == [404, 404]
    assert {invite.status for invite in InvitePasskey.objects.all()} == {"active"}


def test_a_member_cannot_list_create_or_revoke_invites(owner, teammate):
    invite, _ = passkey_create(created_by=owner, target_tenant=owner.membership.tenant)
    member = token_client(teammate)

    answers = [
        member.get(INVITES),
        member.post(INVITES, {"role": "owner"}, format="json"),
        member.post(revoke_url(invite)),
    ]

    assert [(a.status_code, a.json()["message"]) for a in answers] == [
        (403, "Only the workspace's owners manage its members and invites.")
    ] * 3
    assert list(InvitePasskey.objects.all()) == [invite]
    invite.refresh_from_db()
    assert invite.status == "active"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"role": "admin"}, "role"),
        ({"max_uses": 0}, "max_uses"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_a_bad_invite_is_a_400_naming_the_field_and_nothing_is_created(owner, given, field):
    response = token_client(owner).post(INVITES, given, format="json")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]
    assert not InvitePasskey.objects.exists()


@pytest.mark.parametrize("role", ["member", "owner"])
def test_a_teammate_who_signs_up_with_the_invite_joins_the_workspace_with_its_role(owner, client, role):
    key = token_client(owner).post(INVITES, {"role": role}, format="json").json()["key"]

    response = client.post(
        "/api/auth/signup/",
        {"passkey": key, "email": "sam@example.com", "password": SIGNUP_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 201
    sam = User.objects.get(email="sam@example.com")
    assert (sam.membership.tenant, sam.membership.role) == (owner.membership.tenant, role)


def test_operators_may_give_a_role_with_a_workspace_invite(owner, operator):
    response = token_client(operator).post(
        "/api/admin/passkeys/",
        {"target_tenant_id": owner.membership.tenant_id, "role": "owner"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    assert InvitePasskey.objects.get().role == "owner"


def test_an_expired_invite_is_listed_as_expired(owner):
    invite, _ = passkey_create(created_by=owner, target_tenant=owner.membership.tenant)
    InvitePasskey.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    [listed] = token_client(owner).get(INVITES).json()

    assert listed["status"] == "expired"
