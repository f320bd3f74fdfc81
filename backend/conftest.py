"""Personas shared by every backend test: owner, teammate (same tenant), outsider (another
tenant) and operator (staff). Plain fixtures, one way everywhere."""

import pytest
from afterresume.accounts.models import User
from afterresume.tenants.models import Membership
from afterresume.tenants.services import membership_create, tenant_create_with_owner
from rest_framework.test import APIClient


def make_user(email: str, **fields) -> User:
    return User.objects.create_user(email, "correct horse battery staple", **fields)


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
