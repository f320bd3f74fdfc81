import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from afterresume.ops.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup's database.dump into an EMPTY PostgreSQL database and compare its counts."

    def add_arguments(self, parser):
        parser.add_argument("--dump", type=Path, required=True, help="The backup's database.dump.")
        parser.add_argument("--database-url", required=True, help="postgres://… of an empty database.")

    def handle(self, *args, dump, database_url, **options):
        try:
            restored = backup_restore(dump=dump, database_url=database_url)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest_path = dump.parent / "manifest.json"
        expected = json.loads(manifest_path.read_text())["counts"] if manifest_path.is_file() else {}
        self.stdout.write(f"restored into {restored['database']}")
        for table, count in restored["counts"].items():
            note = (
                ""
                if table not in expected
                else (
                    " (as in the manifest)" if expected[table] == count else f" (manifest: {expected[table]})"
                )
            )
            self.stdout.write(f"  {table}: {count}{note}")
        if expected and expected != restored["counts"]:
            raise CommandError("the restored counts differ from the backup's manifest")
