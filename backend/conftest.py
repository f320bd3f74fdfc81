"""Personas shared by every backend test: owner, teammate (same tenant), outsider (another
tenant) and operator (staff). Plain fixtures, one way everywhere."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from afterresume.accounts.models import User
from afterresume.tenants.models import Membership
from afterresume.tenants.services import membership_create, tenant_create_with_owner

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the shared cache (Redis): each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_user(email: str, **fields) -> User:
    return User.objects.create_user(email, PASSWORD, **fields)


@pytest.fixture
def owner(db) -> User:
    user = make_user("owner@example.com", display_name="Olive Owner")
    tenant_create_with_owner(owner=user, name="Olive's workspace")
    return user


@pytest.fixture
def teammate(owner) -> User:
    user = make_user("teammate@example.com")
    membership_create(tenant=owner.membership.tenant, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(db) -> User:
    user = make_user("outsider@example.com")
    tenant_create_with_owner(owner=user, name="Elsewhere Ltd")
    return user


@pytest.fixture
def operator(db) -> User:
    user = make_user("operator@example.com", is_staff=True)
    tenant_create_with_owner(owner=user, name="Operators")
    return user


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def invite(operator):
    """An active single-use invite passkey: (passkey, raw key)."""
    from afterresume.invites.services import passkey_create

    return passkey_create(created_by=operator, note="for a new colleague")


def token_client(user, name: str = "test") -> APIClient:
    """An API client authenticated with a real personal API token of `user`."""
    from afterresume.accounts.tokens import api_token_create

    _, key = api_token_create(user=user, name=name, expires_at=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
