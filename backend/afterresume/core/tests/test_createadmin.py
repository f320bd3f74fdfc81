import io

import pytest
from django.core.management import CommandError, call_command

from afterresume.accounts.models import User


def run_createadmin(*args: str) -> str:
    out = io.StringIO()
    call_command("createadmin", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    line = next(line for line in output.splitlines() if "Admin password:" in line)
    return line.split("Admin password:")[1].split()[0]


def test_first_run_creates_an_operator_with_a_random_password_printed_once(db, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)

    first = run_createadmin("--email", "ops@example.com")
    second = run_createadmin("--email", "ops@example.com")

    user = User.objects.get(email="ops@example.com")
    password = printed_password(first)
    assert len(password) >= 20
    assert user.check_password(password)
    assert user.is_staff and user.is_superuser
    assert user.membership.role == "owner"
    assert password not in second
    assert "unchanged" in second


def test_two_fresh_installs_never_share_a_password(db, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)

    first = printed_password(run_createadmin("--email", "a@example.com"))
    second = printed_password(run_createadmin("--email", "b@example.com"))

    assert first != second


def test_the_operator_can_choose_the_password_and_it_is_not_echoed(db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "chosen-by-the-operator")

    output = run_createadmin("--email", "ops@example.com")

    assert "chosen-by-the-operator" not in output
    assert User.objects.get(email="ops@example.com").check_password("chosen-by-the-operator")


def test_a_short_chosen_password_is_refused(db):
    with pytest.raises(CommandError, match="at least 12 characters"):
        run_createadmin("--email", "ops@example.com", "--password", "short")
    assert not User.objects.exists()


def test_reset_gives_an_existing_operator_a_new_password(db, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    old = printed_password(run_createadmin("--email", "ops@example.com"))

    new = printed_password(run_createadmin("--email", "ops@example.com", "--reset"))

    user = User.objects.get(email="ops@example.com")
    assert new != old
    assert user.check_password(new) and not user.check_password(old)
