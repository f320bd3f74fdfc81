"""Operators manage invite passkeys through /api/admin/passkeys/ (docs/tenancy.md)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from afterresume.invites.models import InvitePasskey
from afterresume.invites.services import passkey_create
from conftest import token_client

PASSKEYS = "/api/admin/passkeys/"
SIGNUP_PASSWORD = "a long and unusual password 42"
PASSKEY_FIELDS = {
    "id",
    "prefix",
    "note",
    "status",
    "created_at",
    "created_by",
    "expires_at",
    "max_uses",
    "use_count",
    "revoked_at",
    "target_tenant",
    "starter_credit_micros",
    "role",
}


@pytest.fixture
def operator_client(operator) -> APIClient:
    return token_client(operator)


def detail_url(passkey_id: int) -> str:
    return f"{PASSKEYS}{passkey_id}/"


def revoke_url(passkey_id: int) -> str:
    return f"{PASSKEYS}{passkey_id}/revoke/"


def one_passkey_per_status(operator) -> dict[str, InvitePasskey]:
    """Four passkeys, one in each state, put there by direct model updates."""
    passkeys = {
        status: passkey_create(created_by=operator, note=f"{status} one")[0]
        for status in ("active", "used", "expired", "revoked")
    }
    now = timezone.now()
    InvitePasskey.objects.filter(pk=passkeys["used"].pk).update(use_count=1)
    InvitePasskey.objects.filter(pk=passkeys["expired"].pk).update(expires_at=now - timedelta(minutes=1))
    InvitePasskey.objects.filter(pk=passkeys["revoked"].pk).update(revoked_at=now)
    return passkeys


# --- creation -----------------------------------------------------------------------------------


def test_creating_a_passkey_returns_its_key_once_and_never_again(operator, operator_client):
    # when
    created = operator_client.post(PASSKEYS, {"note": "for Ada"}, format="json")

    # then the key is in the answer to the creation, and starts with the stored display prefix
    assert created.status_code == 201
    body = created.json()
    assert set(body) == PASSKEY_FIELDS | {"key"}
    key = body["key"]
    assert key.startswith(body["prefix"])
    assert len(key) > len(body["prefix"])
    passkey = InvitePasskey.objects.get()
    assert (body["id"], body["prefix"], body["note"]) == (passkey.id, passkey.prefix, "for Ada")
    assert key not in {passkey.key_hash, passkey.prefix}

    # and no later read shows it
    listed = operator_client.get(PASSKEYS)
    detail = operator_client.get(detail_url(passkey.id))
    assert listed.status_code == 200
    assert detail.status_code == 200
    assert [set(row) for row in listed.json()["results"]] == [PASSKEY_FIELDS]
    assert set(detail.json()) == PASSKEY_FIELDS | {"redemptions"}
    assert key not in listed.content.decode()
    assert key not in detail.content.decode()


def test_a_new_passkey_defaults_to_fourteen_days_and_a_single_use(operator, operator_client):
    created = operator_client.post(PASSKEYS, {}, format="json")

    assert created.status_code == 201
    body = created.json()
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(days=14))) < timedelta(minutes=1)
    assert {k: body[k] for k in ("note", "status", "max_uses", "use_count", "revoked_at")} == {
        "note": "",
        "status": "active",
        "max_uses": 1,
        "use_count": 0,
        "revoked_at": None,
    }
    assert body["created_by"] == "operator@example.com"
    assert body["target_tenant"] is None


def test_a_passkey_can_invite_into_an_existing_workspace(owner, operator_client):
    tenant = owner.membership.tenant

    created = operator_client.post(
        PASSKEYS,
        {"note": "team", "max_uses": 3, "expires_in_days": 2, "target_tenant_id": tenant.id},
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    assert body["target_tenant"] == {"id": tenant.id, "name": "Olive's workspace"}
    assert body["max_uses"] == 3
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)
    assert InvitePasskey.objects.get().target_tenant == tenant


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"max_uses": 0}, "max_uses", "Ensure this value is greater than or equal to 1."),
        ({"expires_in_days": 0}, "expires_in_days", "Ensure this value is greater than or equal to 1."),
        ({"target_tenant_id": 999999}, "target_tenant_id", "There is no workspace with this id."),
    ],
    ids=["max_uses_0", "expires_in_days_0", "unknown_tenant"],
)
def test_an_invalid_passkey_request_names_the_field_and_creates_nothing(
    operator_client, given, field, message
):
    events_before = AuditEvent.objects.count()

    response = operator_client.post(PASSKEYS, {"note": "x", **given}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {field: [message]}
    assert not InvitePasskey.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_creating_a_passkey_is_audited_with_who_and_where(operator, operator_client):
    body = operator_client.post(PASSKEYS, {"note": "for Ada", "max_uses": 2}, format="json").json()

    event = AuditEvent.objects.get(action="passkey.created")
    assert (event.category, event.actor, event.actor_email, event.target, event.ip) == (
        "passkey",
        operator,
        "operator@example.com",
        f"passkey:{body['id']}",
        "127.0.0.1",
    )
    assert event.data["note"] == "for Ada"
    assert event.data["max_uses"] == 2
    assert body["key"] not in str(event.data) + event.summary


# --- listing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "used", "expired", "revoked"])
def test_the_status_filter_returns_exactly_the_passkeys_in_that_state(operator, operator_client, status):
    passkeys = one_passkey_per_status(operator)

    response = operator_client.get(PASSKEYS, {"status": status})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [(row["id"], row["status"]) for row in body["results"]] == [(passkeys[status].id, status)]


def test_without_a_filter_every_passkey_is_listed_newest_first(operator, operator_client):
    passkeys = one_passkey_per_status(operator)

    body = operator_client.get(PASSKEYS).json()

    assert body["count"] == 4
    assert [row["id"] for row in body["results"]] == [p.id for p in reversed(passkeys.values())]
    assert [row["status"] for row in body["results"]] == ["revoked", "expired", "used", "active"]


def test_an_unknown_status_filter_is_a_400_naming_the_field(operator_client):
    response = operator_client.get(PASSKEYS, {"status": "lost"})

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"status"}


def test_search_finds_passkeys_by_note_and_by_prefix(operator, operator_client):
    ada, _ = passkey_create(created_by=operator, note="Ada, design team")
    bob, _ = passkey_create(created_by=operator, note="Bob, finance")

    by_note = operator_client.get(PASSKEYS, {"search": "DESIGN"}).json()
    by_prefix = operator_client.get(PASSKEYS, {"search": bob.prefix}).json()
    nothing = operator_client.get(PASSKEYS, {"search": "nobody"}).json()

    assert [row["id"] for row in by_note["results"]] == [ada.id]
    assert [row["id"] for row in by_prefix["results"]] == [bob.id]
    assert nothing == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_list_is_paginated(operator, operator_client):
    passkeys = [passkey_create(created_by=operator, note=f"p{i}")[0] for i in range(3)]

    first = operator_client.get(PASSKEYS, {"page_size": 2}).json()
    second = operator_client.get(PASSKEYS, {"page_size": 2, "page": 2}).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert first["next"] == "http://testserver/api/admin/passkeys/?page=2&page_size=2"
    assert first["previous"] is None
    assert [row["note"] for row in first["results"]] == ["p2", "p1"]
    assert second["count"] == 3
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/admin/passkeys/?page_size=2"
    assert [row["id"] for row in second["results"]] == [passkeys[0].id]


# --- detail -------------------------------------------------------------------------------------


def test_the_detail_shows_who_redeemed_a_passkey_and_when(operator, operator_client, api_client):
    key = operator_client.post(PASSKEYS, {"note": "two people", "max_uses": 2}, format="json").json()["key"]
    passkey = InvitePasskey.objects.get()
    before = timezone.now()

    # when someone signs up with it through the API
    signup = api_client.post(
        "/api/auth/signup/",
        {"passkey": key, "email": "ada@example.com", "password": SIGNUP_PASSWORD},
        format="json",
    )
    assert signup.status_code == 201

    # then the detail shows the sign-up
    response = operator_client.get(detail_url(passkey.id))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["use_count"], body["max_uses"]) == ("active", 1, 2)
    [redemption] = body["redemptions"]
    assert set(redemption) == {"user", "redeemed_at", "ip"}
    assert redemption["user"] == "ada@example.com"
    assert redemption["ip"] == "127.0.0.1"
    assert before <= datetime.fromisoformat(redemption["redeemed_at"]) <= timezone.now()
    assert User.objects.get(email="ada@example.com").membership.tenant_id is not None


def test_an_unknown_passkey_is_a_404(operator_client):
    assert operator_client.get(detail_url(999999)).status_code == 404
    assert operator_client.post(revoke_url(999999)).status_code == 404


# --- revoking -----------------------------------------------------------------------------------


def test_revoking_a_passkey_is_audited_and_doing_it_again_changes_nothing(operator, operator_client):
    passkey, _ = passkey_create(created_by=operator, note="mistake")

    first = operator_client.post(revoke_url(passkey.id))
    passkey.refresh_from_db()
    revoked_at = passkey.revoked_at
    second = operator_client.post(revoke_url(passkey.id))

    assert first.status_code == 200
    assert first.json()["status"] == "revoked"
    assert revoked_at is not None
    assert datetime.fromisoformat(first.json()["revoked_at"]) == revoked_at
    assert second.status_code == 200
    assert second.json() == first.json()
    passkey.refresh_from_db()
    assert passkey.revoked_at == revoked_at
    event = AuditEvent.objects.get(action="passkey.revoked")
    assert (event.category, event.actor, event.target, event.ip) == (
        "passkey",
        operator,
        f"passkey:{passkey.id}",
        "127.0.0.1",
    )


def test_a_revoked_passkey_no_longer_signs_anyone_up(operator_client, api_client):
    key = operator_client.post(PASSKEYS, {}, format="json").json()["key"]
    operator_client.post(revoke_url(InvitePasskey.objects.get().id))

    response = api_client.post(
        "/api/auth/signup/",
        {"passkey": key, "email": "ada@example.com", "password": SIGNUP_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["passkey"]
    assert not User.objects.filter(email="ada@example.com").exists()


# --- who may ------------------------------------------------------------------------------------


def every_passkey_call(client, passkey_id: int) -> list[int]:
    return [
        client.get(PASSKEYS).status_code,
        client.post(PASSKEYS, {"note": "sneaky"}, format="json").status_code,
        client.get(detail_url(passkey_id)).status_code,
        client.post(revoke_url(passkey_id)).status_code,
    ]


def test_a_non_operator_gets_403_on_every_passkey_route_and_nothing_changes(owner, operator):
    passkey, _ = passkey_create(created_by=operator)
    client = token_client(owner)
    events_before = AuditEvent.objects.count()

    statuses = every_passkey_call(client, passkey.id)

    assert statuses == [403, 403, 403, 403]
    assert client.get(PASSKEYS).json()["message"] == "This is for operators only."
    assert list(InvitePasskey.objects.all()) == [passkey]
    passkey.refresh_from_db()
    assert passkey.revoked_at is None
    assert AuditEvent.objects.count() == events_before


def test_an_anonymous_caller_gets_401_on_every_passkey_route_and_nothing_changes(api_client, operator):
    passkey, _ = passkey_create(created_by=operator)
    events_before = AuditEvent.objects.count()

    statuses = every_passkey_call(api_client, passkey.id)

    assert statuses == [401, 401, 401, 401]
    assert list(InvitePasskey.objects.all()) == [passkey]
    passkey.refresh_from_db()
    assert passkey.revoked_at is None
    assert AuditEvent.objects.count() == events_before
