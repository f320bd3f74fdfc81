"""`manage.py create_passkey`: operators create invite passkeys from the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from afterresume.invites.models import InvitePasskey

SIGNUP_PASSWORD = "a long and unusual password 42"


def test_the_command_prints_a_key_that_signs_someone_up(api_client, db):
    out = StringIO()

    call_command("create_passkey", "--note", "x", "--quiet", stdout=out)

    key = out.getvalue().strip()
    passkey = InvitePasskey.objects.get()
    assert key.startswith(passkey.prefix)
    assert (passkey.note, passkey.max_uses, passkey.created_by) == ("x", 1, None)
    assert AuditEvent.objects.filter(action="passkey.created", target=f"passkey:{passkey.id}").count() == 1
    response = api_client.post(
        "/api/auth/signup/",
        {"passkey": key, "email": "ada@example.com", "password": SIGNUP_PASSWORD},
        format="json",
    )
    assert response.status_code == 201
    assert User.objects.get(email="ada@example.com").membership.role == "owner"
    passkey.refresh_from_db()
    assert passkey.use_count == 1


def test_the_command_refuses_an_unknown_workspace_and_creates_nothing(db):
    with pytest.raises(CommandError, match=r"^There is no workspace with id 999999\.$"):
        call_command("create_passkey", "--tenant", "999999", stdout=StringIO())

    assert not InvitePasskey.objects.exists()


def test_the_command_refuses_zero_uses_and_creates_nothing(db):
    with pytest.raises(CommandError, match=r"--max-uses must be at least 1\."):
        call_command("create_passkey", "--max-uses", "0", stdout=StringIO())

    assert not InvitePasskey.objects.exists()
