"""Fixtures of the worklog and evidence tests: API clients per persona, an entry factory and a
throwaway media folder. The personas themselves come from backend/conftest.py."""

from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from afterresume.accounts.timezones import today_for
from afterresume.worklogs.services import worklog_create
from conftest import PASSWORD, token_client

LOGIN = "/_allauth/app/v1/auth/login"


class SessionClient:
    """What the frontend does: signs in through allauth's app API and sends `X-Session-Token`."""

    def __init__(self, user):
        self.client = Client()
        response = self.client.post(
            LOGIN, {"email": user.email, "password": PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        self.headers = {"X-Session-Token": response.json()["meta"]["session_token"]}

    def get(self, url, data=None):
        return self.client.get(url, data, headers=self.headers)

    def post(self, url, data, format="json"):
        return self.client.post(url, data, content_type="application/json", headers=self.headers)


@pytest.fixture
def owner_client(owner):
    return token_client(owner)


@pytest.fixture
def teammate_client(teammate):
    return token_client(teammate)


@pytest.fixture
def outsider_client(outsider):
    return token_client(outsider)


@pytest.fixture
def session_client():
    return SessionClient


@pytest.fixture
def make_entry():
    """An entry of `user` made through the service (today in their zone unless a date is given)."""

    def make(user, content="Did some work", **fields):
        fields.setdefault("date", today_for(user))
        return worklog_create(tenant=user.membership.tenant, author=user, content=content, **fields)

    return make


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Local evidence storage in a folder of this test alone, so "nothing stored" is checkable."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def searchable_entries(owner, make_entry):
    """Four entries the search tests of both databases look through."""
    make_entry(owner, "Deployed the service to production", date=date(2026, 2, 1), employer="Acme")
    make_entry(owner, "Reviewed the release checklist with the team", date=date(2026, 2, 2))
    make_entry(
        owner, "Wrote the quarterly report", date=date(2026, 2, 3), employer="Initech", project="Atlas"
    )
    make_entry(owner, "The report was late: quarterly numbers missing", date=date(2026, 2, 4))
