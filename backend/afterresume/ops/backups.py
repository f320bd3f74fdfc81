"""Backups an operator can check: a PostgreSQL dump, the list of stored files the database points
at, and a manifest of what the dump holds (ADMIN_GUIDE_RUNBOOK.md, section 7).

The dump, the counts, the reconciliation and the file list all come from one database snapshot:
the manifest describes exactly the rows in the dump, even while the application keeps writing."""

import glob
import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dj_database_url
import psycopg
from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, models, transaction
from django.utils import timezone

from afterresume.accounts.models import User
from afterresume.billing.ledger.selectors import reserve_reconcile
from afterresume.billing.models import LedgerEntry
from afterresume.tenants.models import Tenant
from afterresume.worklogs.models import WorkLog

MANIFEST_FORMAT = 1
DUMP_NAME = "database.dump"
# A folder is renamed to its final name only when everything in it is written: a folder with this
# suffix is a backup that did not finish, never one to restore from.
UNFINISHED_SUFFIX = ".partial"
FOLDER_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
MAIN_TABLES = {"users": User, "tenants": Tenant, "worklogs": WorkLog, "ledger_entries": LedgerEntry}
SQLITE_REFUSAL = "backups here are for PostgreSQL; for the embedded SQLite default copy the file"


class BackupError(RuntimeError):
    pass


def backup_create(*, destination: Path) -> dict:
    """Write a new folder under `destination` holding `database.dump` (pg_dump's custom format),
    `storage.json` (every stored file the database references) and `manifest.json`; return the
    manifest, with `folder` the path of the new folder. Raises BackupError on SQLite, inside a
    transaction, or when pg_dump fails (no folder is left behind then)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(SQLITE_REFUSAL)
    if connection.in_atomic_block:
        raise BackupError("a backup takes its own snapshot: run it outside a transaction")
    pg_dump = postgres_tool("pg_dump")
    started = timezone.now()
    name = started.astimezone(UTC).strftime(FOLDER_TIME_FORMAT)
    destination.mkdir(parents=True, exist_ok=True)
    unfinished = destination / f"{name}{UNFINISHED_SUFFIX}"
    unfinished.mkdir()
    try:
        # A connection health check (CONN_HEALTH_CHECKS) runs a query on the first use of a
        # connection: done now, or it would run inside the transaction before the statement below.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with transaction.atomic():
            with connection.cursor() as cursor:
                # The first statement of the transaction: everything below reads one snapshot,
                # which pg_dump takes over (--snapshot) while this transaction stays open.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={unfinished / DUMP_NAME}",
                ],
                env=libpq_environment(database),
            )
            counts = {label: model.objects.count() for label, model in MAIN_TABLES.items()}
            problems = reserve_reconcile()
            files = stored_files_list()
        (unfinished / "storage.json").write_text(json.dumps(files, indent=2) + "\n")
        manifest = {
            "format": MANIFEST_FORMAT,
            "created_at": started.isoformat(),
            "database": database["NAME"],
            "server_version": server_version,
            "pg_dump_version": _run([pg_dump, "--version"]).strip(),
            "dump": {"file": DUMP_NAME, **file_facts(unfinished / DUMP_NAME)},
            "counts": counts,
            "reconciliation": {"is_clean": not problems, "problems": problems},
            "stored_files": {
                "count": len(files),
                "missing": sum(1 for file in files if not file["is_present"]),
                "total_bytes": sum(file["size"] or 0 for file in files),
            },
        }
        (unfinished / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        folder = destination / name
        unfinished.rename(folder)
    except BaseException:
        shutil.rmtree(unfinished, ignore_errors=True)
        raise
    return {**manifest, "folder": str(folder)}


def backup_restore(*, dump: Path, database_url: str) -> dict:
    """Restore `dump` into the EMPTY database at `database_url` and return the main tables'
    counts there (compare them with the backup's manifest). Raises BackupError if the database
    already has tables or pg_restore fails (--exit-on-error: the first error stops it)."""
    if not dump.is_file():
        raise BackupError(f"no dump at {dump}")
    target = dj_database_url.parse(database_url)
    if target["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("restores go into a PostgreSQL database (postgres://…)")
    tables = _tables_in(target)
    if tables:
        raise BackupError(
            f"the database {target['NAME']!r} already has {tables} tables: restore only into an empty "
            "database (createdb a new one)"
        )
    _run(
        [
            postgres_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "-d",
            target["NAME"],
            str(dump),
        ],
        env=libpq_environment(target),
    )
    with psycopg.connect(**_psycopg_arguments(target)) as restored, restored.cursor() as cursor:
        counts = {}
        for label, model in MAIN_TABLES.items():
            # Table names from the models' own metadata, quoted: never text from outside.
            cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608
            counts[label] = cursor.fetchone()[0]
    return {"database": target["NAME"], "counts": counts}


def backups_prune(*, destination: Path, keep_days: int) -> list[Path]:
    """Delete the backup folders under `destination` made more than `keep_days` days ago (by the
    time in their name; unfinished ones too) and return them. Other files are left alone."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    removed = []
    for folder in sorted(destination.glob("*")) if destination.is_dir() else []:
        made = _folder_time(folder)
        if made is not None and made < cutoff:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def stored_files_list() -> list[dict]:
    """Every file a row points at (any FileField), with its size and SHA-256 as stored now. Files
    on local disk are read; on remote storage (S3) the size is asked for and the SHA-256 recorded
    at upload is given instead of downloading every object."""
    files = []
    for model in apps.get_models():
        fields = [field for field in model._meta.get_fields() if isinstance(field, models.FileField)]
        recorded = {field.name for field in model._meta.get_fields()} & {"size", "sha256"}
        for field in fields:
            rows = model._base_manager.exclude(**{field.name: ""}).order_by("pk")
            for pk, name, *facts in rows.values_list("pk", field.name, *sorted(recorded)).iterator():
                recorded_facts = dict(zip(sorted(recorded), facts, strict=True))
                files.append(
                    {
                        "model": model._meta.label,
                        "id": pk,
                        "name": name,
                        **_stored_file_facts(field.storage, name),
                        "recorded_size": recorded_facts.get("size"),
                        "recorded_sha256": recorded_facts.get("sha256"),
                    }
                )
    return files


def _stored_file_facts(storage, name: str) -> dict:
    if isinstance(storage, FileSystemStorage):
        try:
            return {"is_present": True, **file_facts(Path(storage.path(name)))}
        except FileNotFoundError:
            return {"is_present": False, "size": None, "sha256": None}
    try:
        return {"is_present": True, "size": storage.size(name), "sha256": None}
    except Exception:  # the storage's own "not found" (botocore's ClientError for S3)
        return {"is_present": False, "size": None, "sha256": None}


def file_facts(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def postgres_tool(name: str) -> str:
    """`pg_dump`/`pg_restore` from PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[4])
    )
    if versions:
        return versions[-1]
    raise BackupError(
        f"{name} not found: install the PostgreSQL client (Debian: apt-get install postgresql-client)"
    )


def libpq_environment(database: dict) -> dict[str, str]:
    """The connection for pg_dump/pg_restore as libpq's environment variables: the password never
    appears on a command line (where `ps` would show it)."""
    env = {**os.environ}
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ]:
        env.pop(variable, None)
        if database.get(key):
            env[variable] = str(database[key])
    if (database.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = database["OPTIONS"]["sslmode"]
    return env


def _psycopg_arguments(database: dict) -> dict:
    arguments = {"dbname": database["NAME"], "autocommit": True}
    for argument, key in [("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD")]:
        if database.get(key):
            arguments[argument] = database[key]
    return arguments


def _tables_in(database: dict) -> int:
    with psycopg.connect(**_psycopg_arguments(database)) as target, target.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        return cursor.fetchone()[0]


def _run(command: list[str], *, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _folder_time(folder: Path) -> datetime | None:
    """When a backup folder was made, from its name; None for anything that is not one."""
    if not folder.is_dir():
        return None
    try:
        made = datetime.strptime(folder.name.removesuffix(UNFINISHED_SUFFIX), FOLDER_TIME_FORMAT)
    except ValueError:
        return None
    return made.replace(tzinfo=UTC)
