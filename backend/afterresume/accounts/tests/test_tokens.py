from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from afterresume.accounts.models import ApiToken
from afterresume.accounts.tokens import api_token_create
from afterresume.audit.models import AuditEvent
from conftest import token_client


def test_a_token_authenticates_every_api_call_and_records_its_use(owner):
    client = token_client(owner)

    response = client.get("/api/me/")

    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": owner.id,
            "email": "owner@example.com",
            "display_name": "Olive Owner",
            "time_zone": "UTC",
            "is_staff": False,
        },
        "tenant": {"id": owner.membership.tenant_id, "name": "Olive's workspace"},
        "role": "owner",
    }
    assert ApiToken.objects.get(user=owner).last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(owner):
    token, key = api_token_create(user=owner, name="ci", expires_at=None)

    assert key not in {token.key_hash, token.prefix}
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert key.startswith(token.prefix)


def test_a_revoked_token_is_refused(owner):
    client = token_client(owner)
    token = ApiToken.objects.get(user=owner)
    assert client.delete(f"/api/me/tokens/{token.id}/").status_code == 204

    response = client.get("/api/me/")

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid, expired or revoked API token."
    assert AuditEvent.objects.filter(action="token.revoked", actor=owner).count() == 1


def test_an_expired_token_is_refused(owner):
    _, key = api_token_create(user=owner, name="old", expires_at=timezone.now() - timedelta(minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get("/api/me/").status_code == 401


def test_a_deactivated_users_token_is_refused(owner):
    client = token_client(owner)
    owner.is_active = False
    owner.save()

    assert client.get("/api/me/").status_code == 401


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_a_token_is_accepted_with_the_bearer_and_the_token_scheme(owner, scheme):
    _, key = api_token_create(user=owner, name="ci", expires_at=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")

    response = client.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "owner@example.com"


@pytest.mark.parametrize("header", ["Basic b3duZXI6cGFzc3dvcmQ=", "Key arapi_abc", "arapi_abc"])
def test_another_authorization_scheme_gets_401_naming_the_schemes_to_use(owner, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/me/")

    assert response.status_code == 401
    assert response.json()["message"] == (
        "Unsupported Authorization header: send a personal API token as 'Authorization: Bearer <key>' "
        "(or 'Token <key>')."
    )


def test_a_bearer_header_without_a_key_gets_401_naming_the_form_to_use(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer")

    response = client.get("/api/me/")

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid token header: expected 'Bearer <key>' (or 'Token <key>')."


def test_a_public_endpoint_ignores_an_authorization_header_it_does_not_need(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic b3duZXI6cGFzc3dvcmQ=")

    assert client.get("/api/schema/").status_code == 200


def test_anonymous_calls_get_401_with_the_scheme_to_use(api_client, db):
    response = api_client.get("/api/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_tokens_are_listed_created_with_a_key_shown_once_and_never_again(owner):
    client = token_client(owner, name="bootstrap")

    created = client.post(
        "/api/me/tokens/", {"name": "deploy script", "expires_in_days": None}, format="json"
    )
    listed = client.get("/api/me/tokens/")

    assert created.status_code == 201
    assert created.json()["expires_at"] is None
    assert "key" in created.json()
    assert [t["name"] for t in listed.json()] == ["deploy script", "bootstrap"]
    assert all("key" not in t for t in listed.json())


def test_token_expiry_defaults_to_ninety_days(owner):
    created = token_client(owner).post("/api/me/tokens/", {"name": "default"}, format="json").json()

    expires = timezone.datetime.fromisoformat(created["expires_at"])
    assert timedelta(days=89, hours=23) < expires - timezone.now() <= timedelta(days=90)


def test_someone_elses_token_cannot_be_revoked(owner, teammate, outsider):
    teammate_token, _ = api_token_create(user=teammate, name="theirs", expires_at=None)
    outsider_token, _ = api_token_create(user=outsider, name="theirs", expires_at=None)
    client = token_client(owner)

    for token in (teammate_token, outsider_token):
        assert client.delete(f"/api/me/tokens/{token.id}/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None


def test_token_creation_is_limited_per_user(owner, settings):
    settings.RATE_LIMIT_TOKEN_CREATE = "2/h"
    client = token_client(owner)

    statuses = [
        client.post("/api/me/tokens/", {"name": f"t{i}"}, format="json").status_code for i in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert ApiToken.objects.filter(user=owner).count() == 3  # the fixture's token and two new ones


def test_a_person_sets_their_name_and_time_zone(owner):
    client = token_client(owner)

    response = client.patch(
        "/api/me/", {"display_name": "Olive O.", "time_zone": "Asia/Tokyo"}, format="json"
    )

    assert response.status_code == 200
    owner.refresh_from_db()
    assert (owner.display_name, owner.time_zone) == ("Olive O.", "Asia/Tokyo")


def test_an_unknown_time_zone_is_refused_and_nothing_changes(owner):
    response = token_client(owner).patch("/api/me/", {"time_zone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {
        "time_zone": ["This is not a known time zone (e.g. Europe/Paris)."]
    }
    owner.refresh_from_db()
    assert owner.time_zone == "UTC"
