"""The ledger is append-only in the database too: on PostgreSQL a trigger rejects UPDATE and
DELETE of ledger rows (whatever client sends them). TRUNCATE stays possible for the schema owner
(the test runner empties tables with it); the application's database role should not own the
tables in production (ADMIN_GUIDE_RUNBOOK). And every existing workspace gets its reserve
account (new ones get it at creation, tenants.services)."""

from django.db import migrations

CREATE = """
CREATE FUNCTION ledger_entry_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON billing_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_is_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_entry_append_only ON billing_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_is_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def accounts_for_existing_tenants(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    ReserveAccount = apps.get_model("billing", "ReserveAccount")
    have = set(ReserveAccount.objects.values_list("tenant_id", flat=True))
    ReserveAccount.objects.bulk_create(
        [ReserveAccount(tenant_id=tenant_id) for tenant_id in Tenant.objects.values_list("id", flat=True)
         if tenant_id not in have]
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("tenants", "0001_initial")]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(accounts_for_existing_tenants, migrations.RunPython.noop),
    ]
