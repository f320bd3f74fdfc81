"""Give the role the running services connect as exactly what they need, after the migrations
(ADMIN_GUIDE_RUNBOOK.md, "Database roles"). Run as the owner role, after every `migrate`:
rows of every table, but the ledger only grows (no UPDATE, DELETE or TRUNCATE). Idempotent."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from afterresume.billing.models import LedgerEntry

# Append-only tables: the app inserts and reads, never changes or removes (the trigger refuses it
# too; without UPDATE/DELETE/TRUNCATE the role cannot even try, and TRUNCATE skips row triggers).
APPEND_ONLY_TABLES = (LedgerEntry._meta.db_table,)


class Command(BaseCommand):
    help = "Grant the application's database role row access (the ledger append-only). Run after migrate."

    def add_arguments(self, parser):
        parser.add_argument(
            "role", help="The role the API, worker and beat connect as (e.g. afterresume_app)."
        )

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no role {role!r}: create it first (postgres_roles.sql).")
            if found[0]:
                raise CommandError(f"{role!r} is a superuser: the services must not run as one.")
            name = sql.Identifier(role)
            statements = [
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
                    name
                ),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
                sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(
                    name
                ),
            ]
            statements += [
                sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), name)
                for table in APPEND_ONLY_TABLES
            ]
            for statement in statements:
                cursor.execute(statement.as_string(cursor.cursor))
        self.stdout.write(f"{role}: rows of every table; {', '.join(APPEND_ONLY_TABLES)} append-only.")
