"""`manage.py create_passkey`: operators create invite passkeys from the command line."""

import re
import stat
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.audit.models import AuditEvent
from afterresume.invites.keys import passkey_hash
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


# --- the run command's passkey (--keep-in): printed again while unused, not minted at every start --


def keep_passkey(kept_in) -> str:
    out = StringIO()
    call_command("create_passkey", "--note", "printed by ./dev up", "--keep-in", str(kept_in), stdout=out)
    return re.search(r"Invite passkey: (arinv_\S+)", out.getvalue()).group(1)


def test_the_kept_passkey_is_printed_again_while_it_is_unused(tmp_path, db):
    kept_in = tmp_path / "secrets" / "invite-passkey"

    first = keep_passkey(kept_in)
    second = keep_passkey(kept_in)

    assert second == first
    assert InvitePasskey.objects.count() == 1
    assert kept_in.read_text() == first + "\n"
    assert stat.S_IMODE(kept_in.stat().st_mode) == 0o600


def test_a_used_kept_passkey_is_replaced_by_a_new_one(tmp_path, api_client, db):
    kept_in = tmp_path / "invite-passkey"
    first = keep_passkey(kept_in)
    signed_up = api_client.post(
        "/api/auth/signup/",
        {"passkey": first, "email": "ada@example.com", "password": SIGNUP_PASSWORD},
        format="json",
    )
    assert signed_up.status_code == 201

    second = keep_passkey(kept_in)

    assert second != first
    assert InvitePasskey.objects.count() == 2
    assert kept_in.read_text() == second + "\n"


@pytest.mark.parametrize("make_unusable", ["revoke", "expire"])
def test_a_revoked_or_expired_kept_passkey_is_replaced_by_a_new_one(tmp_path, db, make_unusable):
    kept_in = tmp_path / "invite-passkey"
    first = keep_passkey(kept_in)
    if make_unusable == "revoke":
        InvitePasskey.objects.update(revoked_at=timezone.now())
    else:
        InvitePasskey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    second = keep_passkey(kept_in)

    assert second != first
    assert InvitePasskey.objects.count() == 2
    assert InvitePasskey.objects.get(key_hash=passkey_hash(second)).status == InvitePasskey.Status.ACTIVE


def test_a_kept_key_that_is_no_passkey_is_replaced_by_a_new_one(tmp_path, db):
    kept_in = tmp_path / "invite-passkey"
    kept_in.write_text("arinv_not-a-key-of-this-installation\n")

    key = keep_passkey(kept_in)

    assert key != "arinv_not-a-key-of-this-installation"
    assert InvitePasskey.objects.get().key_hash == passkey_hash(key)
