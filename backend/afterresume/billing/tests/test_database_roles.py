"""The role the running services connect as cannot defeat the ledger's append-only rule: it owns
no table (no ALTER … DISABLE TRIGGER), has no TRUNCATE (which skips row triggers) and is no
superuser (no session_replication_role). The roles come from the same script and command the
compose file and the runbook use (backend/scripts/postgres_roles.sql, `grant_app_role`)."""

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from afterresume.billing.ledger.posting import POST_ONE_STATEMENT
from afterresume.billing.models import LedgerEntry

ROLES_SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "postgres_roles.sql"
OWNER, APP = "afterresume_test_owner", "afterresume_test_app"


def psql() -> str:
    found = shutil.which("psql") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), None)
    assert found, "psql (PostgreSQL's client) is needed to run the roles script"
    return str(found)


@pytest.fixture
def roles(owner):
    """The roles script and the grants, as compose runs them: the script as the superuser, the
    grants (after migrate) as the owner role."""
    settings = connection.settings_dict
    database = settings["NAME"]
    server = ["-h", settings["HOST"], "-p", str(settings["PORT"]), "-U", settings["USER"]]
    subprocess.run(
        [psql(), *server, "-d", database, "-q", "-v", f"owner_role={OWNER}", "-v", "owner_password=owner-secret",
         "-v", f"app_role={APP}", "-v", "app_password=app-secret", "-v", f"database={database}",
         "-f", str(ROLES_SCRIPT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{OWNER}"')
        try:
            call_command("grant_app_role", APP, stdout=open("/dev/null", "w"))  # noqa: SIM115
        finally:
            cursor.execute("RESET ROLE")
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=APP, dbname=database, autocommit=True
    ) as app:
        yield app


def refused(app, statement: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error, app.cursor() as cursor:
        cursor.execute(statement)
    return str(error.value)


@pytest.mark.django_db(transaction=True)
def test_the_services_role_cannot_truncate_the_ledger_disable_its_trigger_or_skip_triggers(roles, owner):
    app = roles
    account_id = owner.membership.tenant.reserve.pk

    # the services' own work goes on: posting a ledger entry, reading it
    with app.cursor() as cursor:
        cursor.execute(
            POST_ONE_STATEMENT,
            {
                "account_id": account_id,
                "kind": "topup",
                "amount_micros": 5_000_000,
                "idempotency_key": "payment:pi_roles",
                "actor_id": None,
                "hold_id": None,
                "stripe_event_id": "",
                "memo": "posted as the services' role",
                "allow_negative": False,
            },
        )
        posted = cursor.fetchone()
    assert posted is not None

    # and nothing that would rewrite history is allowed
    assert "billing_ledgerentry" in refused(app, "TRUNCATE billing_ledgerentry")
    assert "must be owner" in refused(
        app, "ALTER TABLE billing_ledgerentry DISABLE TRIGGER ledger_entry_append_only"
    )
    assert "session_replication_role" in refused(app, "SET session_replication_role = replica")
    refused(app, "UPDATE billing_ledgerentry SET amount_micros = 1")
    refused(app, "DELETE FROM billing_ledgerentry")
    refused(app, "TRUNCATE billing_reserveaccount CASCADE")
    with app.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, (SELECT count(*) FROM pg_tables WHERE tableowner = %s) FROM pg_roles WHERE rolname = %s",
            [APP, APP],
        )
        assert cursor.fetchone() == (False, 0)
    assert LedgerEntry.objects.get(idempotency_key="payment:pi_roles").amount_micros == 5_000_000


@pytest.mark.django_db
def test_granting_to_a_superuser_is_refused():
    with pytest.raises(Exception, match="superuser"):
        call_command("grant_app_role", connection.settings_dict["USER"])
