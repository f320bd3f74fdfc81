"""Backups on real parts: pg_dump and pg_restore against the test cluster, a restore into a new
database of that cluster, and the application itself (a `manage.py` process) signing in there."""

import hashlib
import json
import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections, router

from afterresume.accounts.models import User
from afterresume.billing.ledger.posting import ledger_post
from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import LedgerEntry, ReserveAccount
from afterresume.ops.backups import BackupError, backup_create, backup_restore, backups_prune
from afterresume.ops.management.commands.backup import Command as BackupCommand
from afterresume.ops.management.commands.restore_backup import Command as RestoreCommand
from afterresume.ops.tasks import backup as backup_task
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import WorkLog
from afterresume.worklogs.services import evidence_add, worklog_create
from conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE_BYTES = b"Release notes: the deploy went from 40 minutes to 6.\n"
ENTRIES = ["Moved the billing service to Kubernetes.", "Wrote the on-call runbook."]

SIGN_IN_AND_LIST = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()  # the test client's host ("testserver") is allowed, as in the test run
signed_in = Client().post("/_allauth/app/v1/auth/login", {"email": EMAIL, "password": PASSWORD},
                          content_type="application/json")
token = signed_in.json()["meta"]["session_token"]
listed = Client().get("/api/worklogs/", headers={"X-Session-Token": token})
print(json.dumps({"status": listed.status_code, "contents": sorted(e["content"] for e in listed.json()["results"])}))
"""


def database_url(name: str) -> str:
    default = settings.DATABASES["default"]
    return f"postgres://{default['USER']}:{default['PASSWORD']}@{default['HOST']}:{default['PORT']}/{name}"


def cluster_connection() -> psycopg.Connection:
    default = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=default["NAME"],
        host=default["HOST"],
        port=default["PORT"],
        user=default["USER"],
        password=default["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def empty_database():
    """A new empty database in the test cluster, dropped afterwards whatever happened."""
    name = f"restore_{secrets.token_hex(6)}"
    with cluster_connection() as cluster:
        cluster.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        restored = getattr(connections._connections, "restored", None)
        if restored is not None:
            restored.close()
            del connections["restored"]
        with cluster_connection() as cluster:
            cluster.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class EverythingTo:
    """A database router sending every read and write to one alias."""

    def __init__(self, alias: str):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias

    def db_for_write(self, model, **hints):
        return self.alias


@contextmanager
def pointed_at(name: str):
    """The application's own queries, sent to database `name` through a second alias (the same
    settings as the test database, another name) by a router that sends everything there."""
    default = connections["default"]
    connections["restored"] = type(default)({**default.settings_dict, "NAME": name}, alias="restored")
    previous = router.routers
    router.routers = [EverythingTo("restored")]
    try:
        yield
    finally:
        router.routers = previous


@pytest.fixture
def books(owner, outsider):
    """The owner's two entries (one with an evidence file) and postings on both reserves."""
    tenant = owner.membership.tenant
    first = worklog_create(
        tenant=tenant, author=owner, date=date(2026, 3, 2), content=ENTRIES[0], tags=["infra"]
    )
    worklog_create(tenant=tenant, author=owner, date=date(2026, 3, 3), content=ENTRIES[1])
    evidence = evidence_add(
        entry=first,
        author=owner,
        upload=SimpleUploadedFile("notes.txt", EVIDENCE_BYTES, content_type="text/plain"),
    )
    for user, amounts in [(owner, [25_000_000, -1_250_000]), (outsider, [10_000_000])]:
        account = ReserveAccount.objects.get(tenant=user.membership.tenant)
        for number, amount in enumerate(amounts):
            ledger_post(
                account_id=account.pk,
                kind=LedgerEntry.Kind.ADJUSTMENT,
                amount_micros=amount,
                idempotency_key=f"backup-test:{account.pk}:{number}",
                memo="test books",
            )
    return evidence


def test_a_backup_restored_into_an_empty_database_reconciles_and_lets_the_owner_sign_in(
    books, owner, empty_database, tmp_path
):
    # given
    manifest = backup_create(destination=tmp_path)

    # when
    restored = backup_restore(
        dump=Path(manifest["folder"]) / "database.dump", database_url=database_url(empty_database)
    )

    # then: the restored tables hold what the manifest says the dump holds
    assert restored == {"database": empty_database, "counts": manifest["counts"]}
    # the ledger's own reconciliation, run on the restored database through a second alias
    with pointed_at(empty_database):
        assert ReserveAccount.objects.count() == 2
        assert reserve_reconcile() == []
        assert (
            sorted(WorkLog.objects.filter(author__email=owner.email).values_list("content", flat=True))
            == ENTRIES
        )
    # the application started on the restored database: the owner signs in and lists the entries
    script = f"EMAIL = {owner.email!r}\nPASSWORD = {PASSWORD!r}\n{SIGN_IN_AND_LIST}"
    answer = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": database_url(empty_database),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout.strip().splitlines()[-1]) == {"status": 200, "contents": ENTRIES}


def test_the_manifest_counts_what_the_database_holds_and_finds_the_books_reconciled(books, tmp_path):
    manifest = backup_create(destination=tmp_path)

    folder = Path(manifest["folder"])
    assert manifest["counts"] == {
        "users": 2,
        "tenants": 2,
        "worklogs": 2,
        "ledger_entries": LedgerEntry.objects.count(),
    }
    assert manifest["counts"] == {
        "users": User.objects.count(),
        "tenants": Tenant.objects.count(),
        "worklogs": WorkLog.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
    }
    assert LedgerEntry.objects.count() >= 3
    assert manifest["reconciliation"] == {"is_clean": True, "problems": []}
    assert manifest["database"] == settings.DATABASES["default"]["NAME"]
    assert manifest["pg_dump_version"].startswith("pg_dump (PostgreSQL) ")
    assert json.loads((folder / "manifest.json").read_text()) == {
        key: value for key, value in manifest.items() if key != "folder"
    }
    assert sorted(path.name for path in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "storage.json",
    ]
    assert manifest["dump"]["sha256"] == hashlib.sha256((folder / "database.dump").read_bytes()).hexdigest()


def test_storage_json_lists_the_evidence_file_with_its_size_and_sha256(books, tmp_path):
    manifest = backup_create(destination=tmp_path)

    listed = json.loads((Path(manifest["folder"]) / "storage.json").read_text())
    digest = hashlib.sha256(EVIDENCE_BYTES).hexdigest()
    assert listed == [
        {
            "model": "worklogs.Evidence",
            "id": books.pk,
            "name": books.file.name,
            "is_present": True,
            "size": len(EVIDENCE_BYTES),
            "sha256": digest,
            "recorded_size": len(EVIDENCE_BYTES),
            "recorded_sha256": digest,
        }
    ]
    assert manifest["stored_files"] == {"count": 1, "missing": 0, "total_bytes": len(EVIDENCE_BYTES)}


def test_a_missing_evidence_file_is_listed_as_missing(books, tmp_path):
    books.file.storage.delete(books.file.name)

    manifest = backup_create(destination=tmp_path)

    assert manifest["stored_files"] == {"count": 1, "missing": 1, "total_bytes": 0}


def test_restore_refuses_a_database_that_has_tables_and_leaves_it_untouched(books, empty_database, tmp_path):
    # given: a database already holding a restore
    dump = Path(backup_create(destination=tmp_path)["folder"]) / "database.dump"
    backup_restore(dump=dump, database_url=database_url(empty_database))
    ledger_before = _ledger_rows(empty_database)

    # when / then
    with pytest.raises(BackupError, match=r"already has \d+ tables: restore only into an empty database"):
        backup_restore(dump=dump, database_url=database_url(empty_database))
    assert _ledger_rows(empty_database) == ledger_before


def test_backup_refuses_sqlite_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3")

    with pytest.raises(
        BackupError, match="backups here are for PostgreSQL; for the embedded SQLite default copy the file"
    ):
        backup_create(destination=tmp_path)

    assert list(tmp_path.iterdir()) == []


def test_the_task_backs_up_and_prunes_folders_older_than_the_kept_days(books, settings, tmp_path):
    # given: backups of 20 and 3 days ago, an unfinished one of 30 days ago, and an unrelated file
    settings.BACKUP_DIR = str(tmp_path)
    settings.BACKUP_KEEP_DAYS = 14
    for name in ["20260101T000000000000Z", "29991231T000000000000Z.partial"]:
        (tmp_path / name).mkdir()

    def stamp(days_ago: int) -> str:
        return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y%m%dT%H%M%S%fZ")

    old, recent, unfinished = stamp(20), stamp(3), stamp(30) + ".partial"
    for name in [old, recent, unfinished]:
        (tmp_path / name).mkdir()
    (tmp_path / "README.txt").write_text("not a backup")

    # when
    result = backup_task()

    # then
    assert sorted(result["pruned"]) == sorted(["20260101T000000000000Z", old, unfinished])
    assert result["is_reconciled"] is True
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(
        ["29991231T000000000000Z.partial", recent, Path(result["folder"]).name, "README.txt"]
    )


def test_pruning_keeps_everything_within_the_kept_days(tmp_path):
    (tmp_path / "29991231T000000000000Z").mkdir()

    assert backups_prune(destination=tmp_path, keep_days=14) == []
    assert backups_prune(destination=tmp_path / "absent", keep_days=14) == []


def test_the_commands_back_up_and_restore_and_compare_with_the_manifest(
    books, empty_database, tmp_path, capsys
):
    call_command(BackupCommand(), "--to", str(tmp_path))
    printed = capsys.readouterr().out
    [folder] = list(tmp_path.iterdir())
    assert f"backup written to {folder}" in printed
    assert "  worklogs: 2\n" in printed
    assert "  ledger: reconciled" in printed

    call_command(
        RestoreCommand(),
        "--dump",
        str(folder / "database.dump"),
        "--database-url",
        database_url(empty_database),
    )

    printed = capsys.readouterr().out
    assert f"restored into {empty_database}" in printed
    assert "  worklogs: 2 (as in the manifest)" in printed


def _ledger_rows(name: str) -> list[tuple]:
    default = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=name,
        host=default["HOST"],
        port=default["PORT"],
        user=default["USER"],
        password=default["PASSWORD"] or None,
    ) as restored:
        return restored.execute(
            f'SELECT id, amount_micros FROM "{LedgerEntry._meta.db_table}" ORDER BY id'  # noqa: S608
        ).fetchall()
