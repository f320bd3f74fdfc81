"""Operators read the audit log through /api/admin/audit/, with filters (docs/tenancy.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from afterresume.audit.models import AuditEvent
from afterresume.audit.services import audit_record
from conftest import token_client

AUDIT = "/api/admin/audit/"
EVENT_FIELDS = {
    "id",
    "created_at",
    "category",
    "action",
    "actor_email",
    "tenant",
    "target",
    "summary",
    "ip",
    "request_id",
    "data",
}


@pytest.fixture
def operator_client(operator) -> APIClient:
    """Creating the client's token writes one event: `token.created` by the operator, today."""
    return token_client(operator)


@pytest.fixture
def events(owner, operator, operator_client) -> dict[str, AuditEvent]:
    """Four older events, each on its own day, besides today's `token.created`."""
    now = timezone.now()
    recorded = {
        "failed": (
            audit_record(category="auth", action="signin.failed", actor_email="mallory@example.com"),
            now - timedelta(days=30),
        ),
        "created": (
            audit_record(category="passkey", action="passkey.created", actor=operator, target="passkey:1"),
            now - timedelta(days=20),
        ),
        "revoked": (
            audit_record(category="passkey", action="passkey.revoked", actor=operator, target="passkey:1"),
            now - timedelta(days=10),
        ),
        "deactivated": (
            audit_record(
                category="admin",
                action="user.deactivated",
                actor=operator,
                tenant=owner.membership.tenant,
                target=f"user:{owner.id}",
            ),
            now - timedelta(days=5),
        ),
    }
    for event, created_at in recorded.values():
        AuditEvent.objects.filter(pk=event.pk).update(created_at=created_at)
    AuditEvent.objects.filter(pk=recorded["failed"][0].pk).update(ip="203.0.113.9")
    recorded = {name: event for name, (event, _) in recorded.items()}
    recorded["token"] = AuditEvent.objects.get(action="token.created")
    for event in recorded.values():
        event.refresh_from_db()
    return recorded


def listed(client, **filters) -> list[int]:
    response = client.get(AUDIT, filters)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == len(body["results"])
    return [row["id"] for row in body["results"]]


def ids(events: dict[str, AuditEvent], *names: str) -> list[int]:
    return [events[name].id for name in names]


def test_the_audit_log_lists_every_event_newest_first(operator_client, events, owner):
    response = operator_client.get(AUDIT)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == ids(
        events, "token", "deactivated", "revoked", "created", "failed"
    )
    assert all(set(row) == EVENT_FIELDS for row in body["results"])
    deactivated = body["results"][1]
    assert {k: deactivated[k] for k in ("category", "action", "actor_email", "tenant", "target")} == {
        "category": "admin",
        "action": "user.deactivated",
        "actor_email": "operator@example.com",
        "tenant": "Olive's workspace",
        "target": f"user:{owner.id}",
    }
    assert [row["ip"] for row in body["results"]] == [None, None, None, None, "203.0.113.9"]


def test_the_category_filter_keeps_only_that_category(operator_client, events):
    assert listed(operator_client, category="passkey") == ids(events, "revoked", "created")
    assert listed(operator_client, category="auth") == ids(events, "failed")
    assert listed(operator_client, category="billing") == []


def test_an_unknown_category_is_a_400_naming_the_field(operator_client, events):
    response = operator_client.get(AUDIT, {"category": "gossip"})

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"category"}


def test_the_action_filter_matches_part_of_the_action_in_any_casing(operator_client, events):
    assert listed(operator_client, action="REVOKED") == ids(events, "revoked")
    assert listed(operator_client, action="passkey.") == ids(events, "revoked", "created")
    assert listed(operator_client, action="created") == ids(events, "token", "created")


def test_the_actor_filter_matches_part_of_the_email(operator_client, events):
    assert listed(operator_client, actor_email="mallory") == ids(events, "failed")
    assert listed(operator_client, actor_email="OPERATOR@example.com") == ids(
        events, "token", "deactivated", "revoked", "created"
    )
    assert listed(operator_client, actor_email="nobody@example.com") == []


def test_the_date_filters_include_both_ends(operator_client, events):
    day_of = {name: timezone.localdate(event.created_at).isoformat() for name, event in events.items()}

    assert listed(operator_client, date_from=day_of["revoked"]) == ids(
        events, "token", "deactivated", "revoked"
    )
    assert listed(operator_client, date_to=day_of["created"]) == ids(events, "created", "failed")
    assert listed(operator_client, date_from=day_of["created"], date_to=day_of["deactivated"]) == ids(
        events, "deactivated", "revoked", "created"
    )
    assert listed(operator_client, date_from=day_of["deactivated"], date_to=day_of["deactivated"]) == ids(
        events, "deactivated"
    )


def test_filters_combine(operator_client, events):
    day_of_revoked = timezone.localdate(events["revoked"].created_at).isoformat()

    assert listed(operator_client, category="passkey", date_from=day_of_revoked) == ids(events, "revoked")
    assert listed(operator_client, category="admin", actor_email="mallory") == []


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_an_invalid_date_is_a_400_naming_the_field(operator_client, events, field):
    response = operator_client.get(AUDIT, {field: "31/12/2025"})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]


def test_the_audit_log_is_paginated(operator_client, events):
    first = operator_client.get(AUDIT, {"page_size": 2}).json()
    last = operator_client.get(AUDIT, {"page_size": 2, "page": 3}).json()

    assert (first["count"], first["previous"]) == (5, None)
    assert first["next"] == "http://testserver/api/admin/audit/?page=2&page_size=2"
    assert [row["id"] for row in first["results"]] == ids(events, "token", "deactivated")
    assert (last["next"], [row["id"] for row in last["results"]]) == (None, ids(events, "failed"))


def test_a_non_operator_gets_403_and_an_anonymous_caller_401(owner, events, api_client):
    response = token_client(owner).get(AUDIT)

    assert response.status_code == 403
    assert response.json()["message"] == "This is for operators only."
    assert api_client.get(AUDIT).status_code == 401
