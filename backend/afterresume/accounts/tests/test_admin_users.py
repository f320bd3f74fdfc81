"""Operators list users and deactivate/reactivate them or grant/revoke staff (/api/admin/users/)."""

from datetime import datetime

import pytest
from django.test import Client
from rest_framework.test import APIClient

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from conftest import PASSWORD, token_client

USERS = "/api/admin/users/"
LOGIN = "/_allauth/app/v1/auth/login"
USER_FIELDS = {
    "id",
    "email",
    "display_name",
    "is_active",
    "is_staff",
    "date_joined",
    "last_login",
    "tenant",
    "role",
}


@pytest.fixture
def operator_client(operator) -> APIClient:
    return token_client(operator)


def user_url(user_id: int) -> str:
    return f"{USERS}{user_id}/"


def sign_in(email: str):
    return Client().post(LOGIN, {"email": email, "password": PASSWORD}, content_type="application/json")


def emails(body: dict) -> list[str]:
    return [row["email"] for row in body["results"]]


def admin_events() -> list[tuple]:
    return list(
        AuditEvent.objects.filter(category="admin")
        .order_by("id")
        .values_list("action", "actor__email", "target", "ip")
    )


# --- listing ------------------------------------------------------------------------------------


def test_the_list_shows_every_user_with_workspace_role_and_last_sign_in(
    owner, teammate, outsider, operator, operator_client
):
    # given the owner has signed in once
    assert sign_in(owner.email).status_code == 200
    owner.refresh_from_db()

    response = operator_client.get(USERS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["previous"] is None
    assert body["next"] is None
    # newest first
    assert emails(body) == [
        "operator@example.com",
        "outsider@example.com",
        "teammate@example.com",
        "owner@example.com",
    ]
    rows = {row["email"]: row for row in body["results"]}
    assert all(set(row) == USER_FIELDS for row in rows.values())
    listed_owner = rows["owner@example.com"]
    assert datetime.fromisoformat(listed_owner.pop("last_login")) == owner.last_login
    assert datetime.fromisoformat(listed_owner.pop("date_joined")) == owner.date_joined
    assert listed_owner == {
        "id": owner.id,
        "email": "owner@example.com",
        "display_name": "Olive Owner",
        "is_active": True,
        "is_staff": False,
        "tenant": {"id": owner.membership.tenant_id, "name": "Olive's workspace"},
        "role": "owner",
    }
    assert rows["teammate@example.com"]["tenant"] == listed_owner["tenant"]
    assert rows["teammate@example.com"]["role"] == "member"
    assert rows["teammate@example.com"]["last_login"] is None
    assert rows["operator@example.com"]["is_staff"] is True


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("OUTSIDER@", ["outsider@example.com"]),
        ("olive owner", ["owner@example.com"]),
        ("Elsewhere", ["outsider@example.com"]),
        ("olive's work", ["teammate@example.com", "owner@example.com"]),
        ("nobody at all", []),
    ],
    ids=["email", "display_name", "workspace", "workspace_of_two", "none"],
)
def test_search_finds_users_by_email_display_name_or_workspace(
    owner, teammate, outsider, operator_client, search, found
):
    body = operator_client.get(USERS, {"search": search}).json()

    assert emails(body) == found
    assert body["count"] == len(found)


def test_the_user_list_is_paginated(owner, teammate, outsider, operator_client):
    first = operator_client.get(USERS, {"page_size": 3}).json()
    second = operator_client.get(USERS, {"page_size": 3, "page": 2}).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert (first["count"], len(first["results"]), first["previous"]) == (4, 3, None)
    assert first["next"] == "http://testserver/api/admin/users/?page=2&page_size=3"
    assert (second["count"], second["next"]) == (4, None)
    assert emails(second) == ["owner@example.com"]


# --- deactivating and reactivating --------------------------------------------------------------


def test_a_deactivated_user_loses_token_and_sign_in_and_it_is_audited(owner, operator, operator_client):
    owners_client = token_client(owner)
    assert owners_client.get("/api/me/").status_code == 200

    response = operator_client.patch(user_url(owner.id), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["email"] == "owner@example.com"
    owner.refresh_from_db()
    assert owner.is_active is False
    refused = owners_client.get("/api/me/")
    assert refused.status_code == 401
    assert refused.json()["message"] == "This account is deactivated."
    signin = sign_in(owner.email)
    assert signin.status_code == 400
    assert [e["code"] for e in signin.json()["errors"]] == ["account_inactive"]
    assert admin_events() == [("user.deactivated", "operator@example.com", f"user:{owner.id}", "127.0.0.1")]


def test_a_deactivated_users_open_session_no_longer_works(owner, operator_client):
    session_token = sign_in(owner.email).json()["meta"]["session_token"]
    assert Client().get("/api/me/", headers={"X-Session-Token": session_token}).status_code == 200

    operator_client.patch(user_url(owner.id), {"is_active": False}, format="json")

    assert Client().get("/api/me/", headers={"X-Session-Token": session_token}).status_code == 401


def test_reactivating_a_user_restores_token_and_sign_in(owner, operator, operator_client):
    owners_client = token_client(owner)
    operator_client.patch(user_url(owner.id), {"is_active": False}, format="json")

    response = operator_client.patch(user_url(owner.id), {"is_active": True}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert owners_client.get("/api/me/").status_code == 200
    assert sign_in(owner.email).status_code == 200
    assert admin_events() == [
        ("user.deactivated", "operator@example.com", f"user:{owner.id}", "127.0.0.1"),
        ("user.reactivated", "operator@example.com", f"user:{owner.id}", "127.0.0.1"),
    ]


# --- staff --------------------------------------------------------------------------------------


def test_granting_and_revoking_staff_opens_and_closes_the_admin_pages(teammate, operator, operator_client):
    teammates_client = token_client(teammate)
    assert teammates_client.get(USERS).status_code == 403

    granted = operator_client.patch(user_url(teammate.id), {"is_staff": True}, format="json")

    assert granted.status_code == 200
    assert granted.json()["is_staff"] is True
    assert teammates_client.get(USERS).status_code == 200

    revoked = operator_client.patch(user_url(teammate.id), {"is_staff": False}, format="json")

    assert revoked.status_code == 200
    assert revoked.json()["is_staff"] is False
    assert teammates_client.get(USERS).status_code == 403
    teammate.refresh_from_db()
    assert teammate.is_staff is False
    assert admin_events() == [
        ("user.staff_granted", "operator@example.com", f"user:{teammate.id}", "127.0.0.1"),
        ("user.staff_revoked", "operator@example.com", f"user:{teammate.id}", "127.0.0.1"),
    ]


def test_one_patch_can_change_both_flags_and_each_change_is_audited(owner, operator_client):
    response = operator_client.patch(
        user_url(owner.id), {"is_active": False, "is_staff": True}, format="json"
    )

    assert response.status_code == 200
    owner.refresh_from_db()
    assert (owner.is_active, owner.is_staff) == (False, True)
    assert sorted(action for action, *_ in admin_events()) == ["user.deactivated", "user.staff_granted"]


def test_a_patch_that_changes_nothing_writes_no_audit_event(owner, operator_client):
    response = operator_client.patch(
        user_url(owner.id), {"is_active": True, "is_staff": False}, format="json"
    )

    assert response.status_code == 200
    assert admin_events() == []


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_staff": False}, "You cannot remove your own staff access."),
        ({"is_active": False}, "You cannot deactivate your own account."),
    ],
    ids=["own_staff", "own_account"],
)
def test_an_operator_cannot_lock_themselves_out(operator, operator_client, change, message):
    response = operator_client.patch(user_url(operator.id), change, format="json")

    assert response.status_code == 400
    [field] = change
    assert response.json()["extra"]["fields"] == {field: [message]}
    operator.refresh_from_db()
    assert (operator.is_staff, operator.is_active) == (True, True)
    assert admin_events() == []
    assert operator_client.get(USERS).status_code == 200


def test_an_invalid_flag_value_is_a_400_naming_the_field(owner, operator_client):
    response = operator_client.patch(user_url(owner.id), {"is_active": "maybe"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"is_active"}
    owner.refresh_from_db()
    assert owner.is_active is True


def test_patching_an_unknown_user_is_a_404(operator_client):
    response = operator_client.patch(user_url(999999), {"is_active": False}, format="json")

    assert response.status_code == 404
    assert response.json()["message"] == "Not found."
    assert admin_events() == []


def test_a_non_operator_gets_403_on_the_user_routes_and_nothing_changes(owner, teammate):
    client = token_client(owner)

    statuses = [
        client.get(USERS).status_code,
        client.patch(user_url(owner.id), {"is_staff": True}, format="json").status_code,
        client.patch(user_url(teammate.id), {"is_active": False}, format="json").status_code,
        client.get("/api/admin/tenants/").status_code,
    ]

    assert statuses == [403, 403, 403, 403]
    owner.refresh_from_db()
    teammate.refresh_from_db()
    assert (owner.is_staff, teammate.is_active) == (False, True)
    assert admin_events() == []


def test_an_anonymous_caller_gets_401_on_the_user_routes_and_nothing_changes(api_client, owner):
    statuses = [
        api_client.get(USERS).status_code,
        api_client.patch(user_url(owner.id), {"is_active": False}, format="json").status_code,
        api_client.get("/api/admin/tenants/").status_code,
    ]

    assert statuses == [401, 401, 401]
    owner.refresh_from_db()
    assert owner.is_active is True
    assert admin_events() == []


def test_operators_can_list_workspaces_by_name(owner, outsider, operator, operator_client):
    response = operator_client.get("/api/admin/tenants/")

    assert response.status_code == 200
    assert response.json() == [
        {"id": outsider.membership.tenant_id, "name": "Elsewhere Ltd"},
        {"id": owner.membership.tenant_id, "name": "Olive's workspace"},
        {"id": operator.membership.tenant_id, "name": "Operators"},
    ]
    assert User.objects.count() == 3
